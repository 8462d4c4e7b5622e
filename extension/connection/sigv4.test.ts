import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { ApiError, CodyBatchClient } from '../../common/client';
import { regionFromApiUrl, sigv4Auth } from './sigv4';

// The client signs with SigV4; a server on 127.0.0.1 checks each signature the way API Gateway
// does: it recomputes it from the request as received on the wire, with the secret it knows.

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const KEY_ID = 'AKIDEXAMPLE';

async function verify(request: http.IncomingMessage, body: string): Promise<boolean> {
  const authorization = String(request.headers.authorization ?? '');
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(';') ?? [];
  const region = /Credential=[^/]+\/\d+\/([^/]+)\/execute-api\//.exec(authorization)?.[1];
  if (!region || !signedHeaders.includes('host')) return false;
  const url = new URL(request.url!, `http://${request.headers.host}`);
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) headers[name] = String(request.headers[name] ?? '');
  const query: Record<string, string> = {};
  url.searchParams.forEach((value, key) => (query[key] = value));
  const amzDate = headers['x-amz-date']!;
  const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  const signer = new SignatureV4({ service: 'execute-api', region, credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET }, sha256: Sha256 });
  const expected = await signer.sign(
    { method: request.method!, protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, query, headers, body: body || undefined },
    { signingDate },
  );
  return expected.headers.authorization === authorization;
}

describe('SigV4 auth', () => {
  let server: http.Server;
  let baseUrl: string;
  const seen: string[] = [];

  before(async () => {
    server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', async () => {
        seen.push(`${request.method} ${request.url}`);
        if (!(await verify(request, body))) {
          response.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'The request signature we calculated does not match' }));
          return;
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: [] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('signs requests with a query and a body so that the server can verify them', async () => {
    const client = new CodyBatchClient({ baseUrl, auth: sigv4Auth({ region: 'eu-west-1', credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET } }) });
    assert.deepEqual(await client.listJobs({ limit: 5, nextToken: 'a b/c+=' }), { items: [] });
    await assert.rejects(client.retryJob('job-1', ['acme/widgets']), (error: ApiError) => error.code === 'BAD_RESPONSE', 'the signature was accepted; only the answer is not a job');
    assert.ok(seen.some((line) => line.startsWith('GET /prod/jobs?limit=5&nextToken=')));
  });

  it('is refused with the wrong secret', async () => {
    const client = new CodyBatchClient({ baseUrl, auth: sigv4Auth({ region: 'eu-west-1', credentials: { accessKeyId: KEY_ID, secretAccessKey: 'wrong' } }) });
    await assert.rejects(client.listJobs(), (error: ApiError) => error.status === 403);
  });

  it('reads the region from an API Gateway URL', () => {
    assert.equal(regionFromApiUrl('https://abc123.execute-api.eu-west-1.amazonaws.com/prod'), 'eu-west-1');
    assert.equal(regionFromApiUrl('https://api.example.com'), undefined);
  });
});
