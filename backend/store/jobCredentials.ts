import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { JOB_SESSION_TAG } from '../../common/names';

// On AWS a worker's own role reaches no table and no artifact: it assumes the run role with a
// session tagged with its job, and the run role's policies reach that job's items
// (`dynamodb:LeadingKeys`) and artifacts (`jobs/{jobId}/…`) alone. The SDK's STS client does the
// AssumeRole, with the worker's own credentials, and again before the session expires (an hour at
// most: a role assumed from a role's session is capped there).

/** How long each session lasts; the provider renews it before it ends. */
const SESSION_SECONDS = 3_600;

/**
 * Credentials that reach job `jobId`'s data only, by assuming `roleArn` with the session tag. The
 * worker's own credentials are keys in `env` when it was given some (its secrets live there, not in
 * process.env), else the SDK's chain (on Batch, the container's role).
 */
export function jobScopedCredentials(
  roleArn: string,
  jobId: string,
  worker: string,
  env: NodeJS.ProcessEnv,
): AwsCredentialIdentityProvider {
  const own =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          accessKeyId: env.AWS_ACCESS_KEY_ID,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        }
      : undefined;
  return fromTemporaryCredentials({
    ...(own ? { masterCredentials: own } : {}),
    params: {
      RoleArn: roleArn,
      // Seen in CloudTrail beside every call the session makes: which worker of which job.
      RoleSessionName: `cody-batch-${jobId}-${worker}`.slice(0, 64),
      Tags: [{ Key: JOB_SESSION_TAG, Value: jobId }],
      DurationSeconds: SESSION_SECONDS,
    },
  });
}
