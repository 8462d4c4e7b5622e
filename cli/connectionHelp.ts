// The connection options' help, which `cody-batch help` prints: its own module, so that the help
// loads nothing of what a connection needs (cli/connect.ts).

export const CONNECTION_HELP = `Connection options (after any command but serve and demo; default: the local stack on CODY_BATCH_HOME):
  --api-url <url>      a deployed API (the stack's ApiUrl output), or env CODY_BATCH_API_URL
  --auth aws|token     aws: SigV4 with your AWS credentials (the default for an execute-api URL);
                       token: Authorization: Bearer $CODY_BATCH_TOKEN. Or env CODY_BATCH_AUTH
  --profile <name>     the AWS profile to sign with (default: AWS_PROFILE, then the default chain)
  --region <region>    the API's region (default: from an execute-api URL, then AWS_REGION)`;
