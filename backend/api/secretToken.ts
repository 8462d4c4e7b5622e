import { ENV } from '../../common/names';
import { awsAnswer, lambdaCredentials } from './awsCall';
import { type CodeHost, type CodeHostConfig, codeHostFromEnvironment } from '../hosts';

// On AWS the API and sweeper Lambdas follow pull requests (refresh, merge, close, comment) with the
// server's GitHub token, which lives in Secrets Manager (the secret the workers get). They read it
// once per container with their own role, through Secrets Manager's GetSecretValue signed with
// SigV4 (./awsCall.ts), so the token is never in a Lambda's environment or configuration.

/**
 * Secrets Manager's answer to GetSecretValue: the secret string (of `versionStage`, default
 * AWSCURRENT). With `optional`, a stage the secret does not have (AWSPREVIOUS before its first
 * rotation) is undefined rather than an error.
 */
export async function readSecretString(
  secretId: string,
  env: NodeJS.ProcessEnv,
  fetchImpl?: typeof fetch,
): Promise<string>;
export async function readSecretString(
  secretId: string,
  env: NodeJS.ProcessEnv,
  fetchImpl: typeof fetch | undefined,
  stage: { versionStage: string; optional: true },
): Promise<string | undefined>;
export async function readSecretString(
  secretId: string,
  env: NodeJS.ProcessEnv,
  fetchImpl: typeof fetch = fetch,
  stage?: { versionStage: string; optional: true },
): Promise<string | undefined> {
  const { region } = lambdaCredentials(env, `Reading the secret ${secretId}`);
  const what = `read ${secretId} from Secrets Manager`;
  const answer = await awsAnswer(
    {
      service: 'secretsmanager',
      url: new URL(env.AWS_ENDPOINT_URL_SECRETS_MANAGER || `https://secretsmanager.${region}.amazonaws.com/`),
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' },
      body: JSON.stringify({ SecretId: secretId, ...(stage ? { VersionStage: stage.versionStage } : {}) }),
      what,
    },
    env,
    fetchImpl,
  );
  const text = answer.text;
  if (stage?.optional && answer.status === 400 && /ResourceNotFoundException/.test(text)) return undefined;
  if (!answer.ok)
    throw new Error(`Secrets Manager refused to read ${secretId} (HTTP ${answer.status}): ${text.slice(0, 300)}`);
  const secret = (JSON.parse(text) as { SecretString?: unknown }).SecretString;
  if (typeof secret !== 'string' || !secret.trim()) throw new Error(`The secret ${secretId} holds no string`);
  return secret.trim();
}

/**
 * The code host of a Lambda: the environment's, with the token from CODY_BATCH_GITHUB_TOKEN_SECRET
 * when it names one (GITHUB_TOKEN, if set, wins: the local stack and tests).
 */
export async function codeHostWithSecretToken(
  env: NodeJS.ProcessEnv,
  options: Pick<CodeHostConfig, 'maxRateLimitWaitSeconds'> = {},
  fetchImpl: typeof fetch = fetch,
): Promise<CodeHost> {
  const secretId = env[ENV.githubTokenSecret]?.trim();
  if (env[ENV.githubToken]?.trim() || !secretId) return codeHostFromEnvironment(env, options);
  const token = await readSecretString(secretId, env, fetchImpl);
  return codeHostFromEnvironment({ ...env, [ENV.githubToken]: token }, options);
}
