import { ENV } from '../../common/names';
import { awsAnswer, lambdaCredentials } from './awsCall';
import { type CodeHost, type CodeHostConfig, codeHostFromEnvironment } from '../hosts';

// On AWS the API and sweeper Lambdas resolve queries and follow pull requests (refresh, merge,
// close, comment) with the code host's credential, which lives in Secrets Manager (the secret the
// workers get): a GitHub token, a GitHub App's private key, or a GitLab token. They read it once
// per container with their own role, through Secrets Manager's GetSecretValue signed with SigV4
// (./awsCall.ts), so the credential is never in a Lambda's environment or configuration.

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

/** Which secret holds which variable's value: each `…_SECRET` names the ARN of the variable's secret. */
const SECRET_VARIABLES = [
  { secret: ENV.githubTokenSecret, variable: ENV.githubToken },
  { secret: ENV.githubAppKeySecret, variable: ENV.githubAppPrivateKey },
  { secret: ENV.gitlabTokenSecret, variable: ENV.gitlabToken },
] as const;

/**
 * The code host of a Lambda: the environment's, with each credential a `…_SECRET` variable names
 * read from Secrets Manager (a variable set in the environment itself wins: the local stack and tests).
 */
export async function codeHostWithSecretToken(
  env: NodeJS.ProcessEnv,
  options: Pick<CodeHostConfig, 'maxRateLimitWaitSeconds'> = {},
  fetchImpl: typeof fetch = fetch,
): Promise<CodeHost> {
  const read: NodeJS.ProcessEnv = {};
  for (const { secret, variable } of SECRET_VARIABLES) {
    const secretId = env[secret]?.trim();
    if (secretId && !env[variable]?.trim()) read[variable] = await readSecretString(secretId, env, fetchImpl);
  }
  return codeHostFromEnvironment({ ...env, ...read }, options);
}
