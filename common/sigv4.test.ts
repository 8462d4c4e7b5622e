import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeTempDir } from '../test/helpers/localStack';
import { startFakeSigV4Server, type FakeSigV4Server } from '../test/fakes/sigv4Server';
import { type ApiError, CodyBatchClient } from './client';
import { regionFromApiUrl, sigv4Auth } from './sigv4';

// The client signs with SigV4; a server on 127.0.0.1 checks each signature the way API Gateway
// does: it recomputes it from the request as received on the wire, with the secret it knows.

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const KEY_ID = 'AKIDEXAMPLE';

describe('SigV4 auth', () => {
  let server: FakeSigV4Server;

  before(async () => {
    server = await startFakeSigV4Server([{ accessKeyId: KEY_ID, secretAccessKey: SECRET }], () => ({
      status: 200,
      body: { items: [] },
    }));
  });
  after(() => server.close());

  it('signs requests with a query and a body so that the server can verify them', async () => {
    const client = new CodyBatchClient({
      baseUrl: server.url,
      auth: sigv4Auth({ region: 'eu-west-1', credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET } }),
    });
    assert.deepEqual(await client.listJobs({ limit: 5, nextToken: 'a b/c+=' }), { items: [] });
    await assert.rejects(
      client.retryJob('job-1', ['acme/widgets']),
      (error: ApiError) => error.code === 'BAD_RESPONSE',
      'the signature was accepted; only the answer is not a job',
    );
    assert.ok(
      server.requests.some(
        (request) => request.url.startsWith('/prod/jobs?limit=5&nextToken=') && request.signedBy === KEY_ID,
      ),
    );
  });

  it('is refused with the wrong secret', async () => {
    const client = new CodyBatchClient({
      baseUrl: server.url,
      auth: sigv4Auth({ region: 'eu-west-1', credentials: { accessKeyId: KEY_ID, secretAccessKey: 'wrong' } }),
    });
    await assert.rejects(client.listJobs(), (error: ApiError) => error.status === 403);
  });

  it("signs with a profile's credentials, fetched once for many requests rather than once per request", async () => {
    const folder = await makeTempDir();
    const calls = path.join(folder, 'calls');
    const expiration = new Date(Date.now() + 3600_000).toISOString();
    const output = JSON.stringify({ Version: 1, AccessKeyId: KEY_ID, SecretAccessKey: SECRET, Expiration: expiration });
    await writeFile(path.join(folder, 'credential-process'), `#!/bin/sh\necho run >> '${calls}'\necho '${output}'\n`, {
      mode: 0o755,
    });
    await writeFile(
      path.join(folder, 'config'),
      `[profile ci]\ncredential_process = ${path.join(folder, 'credential-process')}\n`,
    );
    // Only the profile: the suite's static keys (for dynalite) would make the SDK warn about two sources.
    const names = [
      'AWS_CONFIG_FILE',
      'AWS_SHARED_CREDENTIALS_FILE',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
    ] as const;
    const saved = names.map((name) => [name, process.env[name]] as const);
    for (const name of names) delete process.env[name];
    Object.assign(process.env, {
      AWS_CONFIG_FILE: path.join(folder, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(folder, 'none'),
    });
    try {
      const client = new CodyBatchClient({
        baseUrl: server.url,
        auth: sigv4Auth({ region: 'eu-west-1', profile: 'ci' }),
      });
      for (let poll = 0; poll < 3; poll++) assert.deepEqual(await client.listJobs(), { items: [] });
      assert.equal(await readFile(calls, 'utf8'), 'run\n');
    } finally {
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('reads the region from an API Gateway URL', () => {
    assert.equal(regionFromApiUrl('https://abc123.execute-api.eu-west-1.amazonaws.com/prod'), 'eu-west-1');
    assert.equal(regionFromApiUrl('https://api.example.com'), undefined);
  });
});
