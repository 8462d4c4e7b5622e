import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { ENV } from '../../common/names';
import { type CodeHost, type CodeHostConfig, codeHostFromEnvironment } from '../hosts';

// On AWS the API and sweeper Lambdas resolve queries and follow pull requests (refresh, merge,
// close, comment) with the code host's credential, which lives in Secrets Manager (the secret the
// workers get): a GitHub token, a GitHub App's private key, or a GitLab token. They read it once
// per container with their own role, through Secrets Manager's GetSecretValue signed with SigV4, so
// the credential is never in a Lambda's environment or configuration. No SDK client: the bundle
// already carries the signer.

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
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!region || !accessKeyId || !secretAccessKey)
    throw new Error(`Reading the secret ${secretId} needs the Lambda's AWS region and credentials`);
  const endpoint = new URL(env.AWS_ENDPOINT_URL_SECRETS_MANAGER || `https://secretsmanager.${region}.amazonaws.com/`);
  const body = JSON.stringify({ SecretId: secretId, ...(stage ? { VersionStage: stage.versionStage } : {}) });
  const signer = new SignatureV4({
    service: 'secretsmanager',
    region,
    credentials: { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined },
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    port: endpoint.port ? Number(endpoint.port) : undefined,
    path: endpoint.pathname,
    headers: {
      host: endpoint.host,
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'secretsmanager.GetSecretValue',
    },
    body,
  });
  const { host: _host, ...headers } = signed.headers;
  const response = await fetchImpl(endpoint, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  if (stage?.optional && response.status === 400 && /ResourceNotFoundException/.test(text)) return undefined;
  if (!response.ok)
    throw new Error(`Secrets Manager refused to read ${secretId} (HTTP ${response.status}): ${text.slice(0, 300)}`);
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
