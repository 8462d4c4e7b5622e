import http from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { listenOnLoopback } from './loopback';

// API Gateway's IAM auth on 127.0.0.1: every request's SigV4 signature (service `execute-api`) is
// recomputed from the request as received on the wire, with the secret of the key id it names, and
// refused with the 403 bodies API Gateway sends. Requests that verify go to `handle`.

export interface FakeAwsIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  /** When set, the request must carry it as x-amz-security-token (temporary credentials). */
  sessionToken?: string;
  /** False: the signature verifies but the identity lacks execute-api:Invoke (API Gateway's bare "Forbidden"). */
  mayInvoke?: boolean;
}

export interface ReceivedRequest {
  method: string;
  /** Path and query as received, e.g. `/prod/jobs?limit=50`. */
  url: string;
  body: string;
  /** The key id the request was signed with, when it verified. */
  signedBy?: string;
}

export interface Answer {
  status: number;
  body?: unknown;
}

export interface FakeSigV4Server {
  /** `http://127.0.0.1:<port>/prod` (a stage path, as API Gateway URLs have). */
  url: string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

export async function startFakeSigV4Server(
  identities: FakeAwsIdentity[],
  handle: (request: ReceivedRequest) => Answer | Promise<Answer>,
  /** The service the signatures are for (Secrets Manager is `secretsmanager`). */
  service = 'execute-api',
): Promise<FakeSigV4Server> {
  const requests: ReceivedRequest[] = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', async () => {
      const received: ReceivedRequest = { method: request.method!, url: request.url!, body };
      requests.push(received);
      const signer = await check(request, body, identities, service);
      if (typeof signer !== 'string') received.signedBy = signer.accessKeyId;
      const answer = typeof signer === 'string' ? { status: 403, body: { message: signer } } : await handle(received);
      response
        .writeHead(answer.status, { 'content-type': 'application/json' })
        .end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
    });
  });
  const address = await listenOnLoopback(server);
  return {
    url: `${address}/prod`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The identity that signed the request, or API Gateway's message for refusing it. */
async function check(
  request: http.IncomingMessage,
  body: string,
  identities: FakeAwsIdentity[],
  service: string,
): Promise<FakeAwsIdentity | string> {
  const authorization = String(request.headers.authorization ?? '');
  if (!authorization) return 'Missing Authentication Token';
  const keyId = /Credential=([^/]+)\//.exec(authorization)?.[1];
  const region = new RegExp(`Credential=[^/]+/\\d+/([^/]+)/${service}/`).exec(authorization)?.[1];
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(';') ?? [];
  const identity = identities.find((candidate) => candidate.accessKeyId === keyId);
  if (!identity) return 'The security token included in the request is invalid.';
  if (!region || !signedHeaders.includes('host')) return SIGNATURE_MISMATCH;
  if (identity.sessionToken !== undefined && request.headers['x-amz-security-token'] !== identity.sessionToken)
    return 'The security token included in the request is invalid.';
  const url = new URL(request.url!, `http://${request.headers.host}`);
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) headers[name] = String(request.headers[name] ?? '');
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) query[key] = value;
  const amzDate = headers['x-amz-date'] ?? '';
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  if (Number.isNaN(signingDate.getTime())) return SIGNATURE_MISMATCH;
  const signer = new SignatureV4({
    service,
    region,
    credentials: { accessKeyId: identity.accessKeyId, secretAccessKey: identity.secretAccessKey },
    sha256: Sha256,
  });
  const expected = await signer.sign(
    {
      method: request.method!,
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query,
      headers,
      body: body || undefined,
    },
    { signingDate },
  );
  if (expected.headers.authorization !== authorization) return SIGNATURE_MISMATCH;
  return identity.mayInvoke === false ? 'Forbidden' : identity;
}
