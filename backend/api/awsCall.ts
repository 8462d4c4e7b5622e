import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../../common/sigv4';

// One AWS API call from a Lambda, signed (SigV4) with the function's own credentials from its
// environment, sent with fetch: what the Lambdas call besides DynamoDB and S3 (Secrets Manager's
// GetSecretValue, Lambda's Invoke) needs no SDK client, whose code every cold start would load.

export interface AwsCall {
  service: string;
  /** Where: the service's regional endpoint and the action's path. */
  url: URL;
  headers: Record<string, string>;
  body: string;
  /** What the call does, for its error: "read the secret x". */
  what: string;
  timeoutMs?: number;
}

/** The Lambda's region and credentials (AWS_REGION, AWS_ACCESS_KEY_ID, …), or an error naming what needs them. */
export function lambdaCredentials(env: NodeJS.ProcessEnv, needs: string) {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!region || !accessKeyId || !secretAccessKey)
    throw new Error(`${needs} needs the Lambda's AWS region and credentials`);
  return { region, credentials: { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined } };
}

/** Sends the call; its answer's text, or an error with the service's status and words. */
export async function awsCall(call: AwsCall, env: NodeJS.ProcessEnv, fetchImpl: typeof fetch = fetch): Promise<string> {
  const { ok, status, text } = await awsAnswer(call, env, fetchImpl);
  if (!ok) throw new Error(`AWS refused to ${call.what} (HTTP ${status}): ${text.slice(0, 300)}`);
  return text;
}

/** Sends the call; the service's answer as it is, refusals included (for a caller that expects some). */
export async function awsAnswer(
  call: AwsCall,
  env: NodeJS.ProcessEnv,
  fetchImpl: typeof fetch = fetch,
): Promise<{ ok: boolean; status: number; text: string }> {
  const { region, credentials } = lambdaCredentials(env, `To ${call.what}`);
  const signer = new SignatureV4({ service: call.service, region, credentials, sha256: NodeSha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: call.url.protocol,
    hostname: call.url.hostname,
    port: call.url.port ? Number(call.url.port) : undefined,
    path: call.url.pathname,
    headers: { host: call.url.host, ...call.headers },
    body: call.body,
  });
  const { host: _host, ...headers } = signed.headers;
  const response = await fetchImpl(call.url, {
    method: 'POST',
    headers,
    body: call.body,
    signal: AbortSignal.timeout(call.timeoutMs ?? 10_000),
  });
  return { ok: response.ok, status: response.status, text: await response.text() };
}
