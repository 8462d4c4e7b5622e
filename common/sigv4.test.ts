import assert from 'node:assert/strict';
import { startFakeSigV4Server, type FakeSigV4Server } from '../test/fakes/sigv4Server';
import { ApiError, CodyBatchClient } from './client';
import { regionFromApiUrl, sigv4Auth } from './sigv4';

// The client signs with SigV4; a server on 127.0.0.1 checks each signature the way API Gateway
// does: it recomputes it from the request as received on the wire, with the secret it knows.

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const KEY_ID = 'AKIDEXAMPLE';

describe('SigV4 auth', () => {
  let server: FakeSigV4Server;

  before(async () => {
    server = await startFakeSigV4Server([{ accessKeyId: KEY_ID, secretAccessKey: SECRET }], () => ({ status: 200, body: { items: [] } }));
  });
  after(() => server.close());

  it('signs requests with a query and a body so that the server can verify them', async () => {
    const client = new CodyBatchClient({ baseUrl: server.url, auth: sigv4Auth({ region: 'eu-west-1', credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET } }) });
    assert.deepEqual(await client.listJobs({ limit: 5, nextToken: 'a b/c+=' }), { items: [] });
    await assert.rejects(client.retryJob('job-1', ['acme/widgets']), (error: ApiError) => error.code === 'BAD_RESPONSE', 'the signature was accepted; only the answer is not a job');
    assert.ok(server.requests.some((request) => request.url.startsWith('/prod/jobs?limit=5&nextToken=') && request.signedBy === KEY_ID));
  });

  it('is refused with the wrong secret', async () => {
    const client = new CodyBatchClient({ baseUrl: server.url, auth: sigv4Auth({ region: 'eu-west-1', credentials: { accessKeyId: KEY_ID, secretAccessKey: 'wrong' } }) });
    await assert.rejects(client.listJobs(), (error: ApiError) => error.status === 403);
  });

  it('reads the region from an API Gateway URL', () => {
    assert.equal(regionFromApiUrl('https://abc123.execute-api.eu-west-1.amazonaws.com/prod'), 'eu-west-1');
    assert.equal(regionFromApiUrl('https://api.example.com'), undefined);
  });
});
