import type { AwsCredentialIdentity } from '@smithy/types';

// The Lambda bundles' stand-in for @aws-sdk/credential-provider-node (esbuild.mjs aliases it there,
// and nowhere else). A Lambda's credentials are its role's, which Lambda puts in its environment
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) for the life of the execution
// environment; the default chain finds them there first. Its other sources (SSO, the INI files,
// IMDS, web identity, with the STS and SSO clients they bring) are never asked on Lambda, and were
// 150 KB of every cold start's parse (bench/lambda.ts).

export function defaultProvider(): () => Promise<AwsCredentialIdentity> {
  return async () => {
    const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = process.env;
    if (!accessKeyId || !secretAccessKey)
      throw new Error('No AWS credentials in the Lambda environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)');
    const sessionToken = process.env.AWS_SESSION_TOKEN;
    return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  };
}

export const credentialsWillNeedRefresh = (): boolean => false;
export const credentialsTreatedAsExpired = (): boolean => false;
