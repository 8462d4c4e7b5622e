import assert from 'node:assert/strict';
import { artifactKey } from '../../common/names';
import type { ArtifactStore } from '../store/artifacts';
import type { Store } from '../store/store';
import { apiGatewayEvent as event, type LambdaApi, startLambdaApi } from '../../test/helpers/lambdaEvents';
import type { createLambdaHandler } from './lambda';
import { MAX_INLINE_BODY_BYTES, withinResponseLimit } from './lambdaResponse';

// The API as Lambda runs it: API Gateway HTTP API (payload 2.0) events with IAM authorization,
// against dynalite. Two callers with different ARNs must never see each other's jobs.

const ALICE = 'arn:aws:iam::123456789012:user/alice';
const BOB = 'arn:aws:sts::123456789012:assumed-role/Developer/bob';

interface LambdaResult {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
}

function bodyBytes(result: LambdaResult): Buffer {
  return Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8');
}

function json(result: LambdaResult): any {
  return JSON.parse(bodyBytes(result).toString('utf8') || 'null');
}

/**
 * Lambda answers at most 6,291,456 bytes: the whole response as the JSON it serializes, body
 * base64-encoded or not, headers included (AWS Lambda quotas, "Invocation payload").
 */
const LAMBDA_RESPONSE_LIMIT_BYTES = 6_291_456;

/** Calls the handler as Lambda does, and fails on any answer Lambda could not return. */
function lambdaInvoker(handler: ReturnType<typeof createLambdaHandler>) {
  return async (e: ReturnType<typeof event>): Promise<LambdaResult> => {
    const result = (await handler(e as never, {} as never)) as LambdaResult;
    const bytes = Buffer.byteLength(JSON.stringify(result));
    assert.ok(
      bytes <= LAMBDA_RESPONSE_LIMIT_BYTES,
      `${e.requestContext.http.method} ${e.rawPath} answered ${bytes} bytes, over Lambda's limit`,
    );
    return result;
  };
}

/** Alice's new command job (`true` in each repository), created through the handler. */
async function createAsAlice(
  invoke: (e: ReturnType<typeof event>) => Promise<LambdaResult>,
  name: string,
  repositories: string[],
) {
  return json(await invoke(event('POST', '/jobs', { userArn: ALICE, body: { name, command: 'true', repositories } })));
}

/** The API path of one repository's artifact route (`diff`, `log`, …). */
const repositoryPath = (jobId: string, name: string, route: string) =>
  `/jobs/${jobId}/repositories/${encodeURIComponent(name)}/${route}`;

describe('API on Lambda (IAM owners)', () => {
  let lambda: LambdaApi;
  let store: Store;
  let invoke: (e: ReturnType<typeof event>) => Promise<LambdaResult>;
  const logged: string[] = [];
  /** Writes an artifact as a worker does, in the API's artifact folder. */
  const put = (jobId: string, name: string, file: 'diff.patch' | 'log.txt', body: string | Buffer) =>
    lambda.artifacts.put(artifactKey(jobId, name, file), body, file === 'diff.patch' ? 'text/x-diff' : 'text/plain');

  before(async () => {
    lambda = await startLambdaApi({
      log: { error: (message) => logged.push(message) },
      // What these tests check is who may act, not how bulk work is split: the owner's one-row cancel
      // and retry finish inside their request (a busy machine once took longer than the default moment).
      limits: { operationMomentMs: 20_000 },
    });
    ({ store } = lambda);
    invoke = lambdaInvoker(lambda.handler);
  });
  after(() => lambda?.dispose());

  it('refuses a request that API Gateway did not authorize', async () => {
    const result = await invoke(event('GET', '/jobs'));
    assert.equal(result.statusCode, 401);
    assert.equal(json(result).error.code, 'UNAUTHORIZED');
  });

  it('answers health without an identity', async () => {
    const result = await invoke(event('GET', '/health'));
    assert.equal(result.statusCode, 200);
    assert.deepEqual(json(result), { status: 'ok', version: 'test' });
  });

  it('answers the OpenAPI document without an identity', async () => {
    const result = await invoke(event('GET', '/openapi.json'));
    assert.equal(result.statusCode, 200);
    assert.equal(json(result).openapi, '3.1.0');
    assert.ok(json(result).paths['/jobs'].post);
  });

  it('never shows one owner the jobs of another, on any route', async () => {
    const created = await invoke(
      event('POST', '/jobs', {
        userArn: ALICE,
        body: { name: 'Alice job', prompt: 'do it', repositories: ['acme/widgets'] },
      }),
    );
    assert.equal(created.statusCode, 201);
    const job = json(created);
    assert.equal(job.owner, ALICE);
    await invoke(
      event('POST', '/jobs', {
        userArn: BOB,
        body: { name: 'Bob job', prompt: 'do it', repositories: ['acme/widgets'] },
      }),
    );

    const aliceList = json(await invoke(event('GET', '/jobs', { userArn: ALICE })));
    const bobList = json(await invoke(event('GET', '/jobs', { userArn: BOB })));
    assert.deepEqual(
      aliceList.items.map((j: any) => j.name),
      ['Alice job'],
    );
    assert.deepEqual(
      bobList.items.map((j: any) => j.name),
      ['Bob job'],
    );

    const repository = encodeURIComponent('acme/widgets');
    const routes: [string, string, unknown?][] = [
      ['GET', `/jobs/${job.jobId}`],
      ['GET', `/jobs/${job.jobId}/changes`],
      [
        'PUT',
        `/jobs/${job.jobId}/changes/${'a'.repeat(64)}/review`,
        { state: 'approved', members: [{ repositoryName: 'acme/widgets', digest: 'a'.repeat(64) }] },
      ],
      ['PUT', `/jobs/${job.jobId}/repositories/${repository}/patch`, { basedOn: 0, drop: [{ path: 'x' }] }],
      ['POST', `/jobs/${job.jobId}/cancel`],
      ['POST', `/jobs/${job.jobId}/retry`],
      ['GET', `/jobs/${job.jobId}/repositories`],
      ['GET', `/jobs/${job.jobId}/repositories/${repository}`],
      ['GET', `/jobs/${job.jobId}/repositories/${repository}/diff`],
      ['GET', `/jobs/${job.jobId}/repositories/${repository}/claude-thread`],
      ['GET', `/jobs/${job.jobId}/repositories/${repository}/log`],
    ];
    const missing = bodyBytes(
      await invoke(event('GET', '/jobs/01m8hh1rwgnr9p2a6k5x32xmdr', { userArn: BOB })),
    ).toString();
    for (const [method, path, body] of routes) {
      const asBob = await invoke(event(method, path, { userArn: BOB, ...(body ? { body } : {}) }));
      assert.equal(asBob.statusCode, 404, `${method} ${path} as another owner`);
      assert.equal(json(asBob).error.code, 'NOT_FOUND');
      assert.equal(JSON.stringify(json(asBob)).includes('Alice'), false);
      const asAlice = await invoke(event(method, path, { userArn: ALICE, ...(body ? { body } : {}) }));
      assert.notEqual(asAlice.statusCode, 404, `${method} ${path} as the owner`);
    }
    // A missing job and another owner's job are indistinguishable but for the id in the message.
    const other = bodyBytes(await invoke(event('GET', `/jobs/${job.jobId}`, { userArn: BOB }))).toString();
    assert.equal(other.replace(job.jobId, 'X'), missing.replace('01m8hh1rwgnr9p2a6k5x32xmdr', 'X'));
    // The owner's cancel, then the owner's retry, took effect; the other owner's calls did not.
    assert.equal((await store.jobs.get(job.jobId))?.status, 'RUNNING');
    assert.equal((await store.repositories.get(job.jobId, 'acme/widgets'))?.attempt, 2);
  });

  it('passes a patch through byte for byte, even when it is not UTF-8', async () => {
    const created = await createAsAlice(invoke, 'Latin-1', ['acme/latin']);
    await store.claim(created.jobId, 'acme/latin', 1, '2000-01-01T00:00:00Z');
    const patch = Buffer.concat([
      Buffer.from('diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-caf'),
      Buffer.from([0xe9]),
      Buffer.from('\n+caf'),
      Buffer.from([0xe8]),
      Buffer.from('\n'),
    ]);
    await put(created.jobId, 'acme/latin', 'diff.patch', patch);
    await store.transitionRepository(created.jobId, 'acme/latin', { from: ['RUNNING'], to: 'COMPLETED' });
    const result = await invoke(event('GET', repositoryPath(created.jobId, 'acme/latin', 'diff'), { userArn: ALICE }));
    assert.equal(result.statusCode, 200);
    assert.deepEqual(bodyBytes(result), patch);
  });

  it("serves a log of colored output within Lambda's limit, though JSON would double it", async () => {
    // Escape sequences are 1 byte in the log and 6 (\u001b) in a JSON string.
    const created = await createAsAlice(invoke, 'Colors', ['acme/colors']);
    const log = Buffer.from('\u001b[32mok\u001b[0m\n'.repeat(4_000_000 / 12));
    await put(created.jobId, 'acme/colors', 'log.txt', log);
    const result = await invoke(event('GET', repositoryPath(created.jobId, 'acme/colors', 'log'), { userArn: ALICE }));
    assert.equal(result.statusCode, 200);
    assert.deepEqual(bodyBytes(result), log);
  });

  it('answers an artifact too large for Lambda, where no download link can be made, with a clear error', async () => {
    const created = await createAsAlice(invoke, 'Huge', ['acme/huge']);
    const log = Buffer.alloc(MAX_INLINE_BODY_BYTES + 1, 'x');
    await put(created.jobId, 'acme/huge', 'log.txt', log);
    const result = await invoke(event('GET', repositoryPath(created.jobId, 'acme/huge', 'log'), { userArn: ALICE }));
    assert.equal(result.statusCode, 500);
    assert.match(json(result).error.message, /The log of acme\/huge is too large to send/);
    assert.match(logged.join('\n'), /The log of acme\/huge/);
  });

  it('answers a clear 500 in place of any answer Lambda could not return', () => {
    const errors: string[] = [];
    const log = { error: (message: string) => errors.push(message) };
    const fits = { statusCode: 200, headers: {}, body: 'x'.repeat(1000), isBase64Encoded: false };
    assert.equal(withinResponseLimit(fits, log), fits);
    const result = withinResponseLimit({ ...fits, body: 'x'.repeat(LAMBDA_RESPONSE_LIMIT_BYTES) }, log);
    assert.equal(result.statusCode, 500);
    assert.match(json(result as LambdaResult).error.message, /too large for AWS Lambda/);
    assert.match(errors.join('\n'), /over Lambda's 6291456-byte limit/);
  });
});

describe('API on Lambda with S3 artifacts', () => {
  let lambda: LambdaApi;
  let store: Store;
  let artifacts: ArtifactStore;
  let invoke: (e: ReturnType<typeof event>) => Promise<LambdaResult>;

  before(async () => {
    lambda = await startLambdaApi({ artifacts: 's3', limits: { maxInlineArtifactBytes: 1024 } });
    ({ store, artifacts } = lambda);
    invoke = lambdaInvoker(lambda.handler);
  });
  after(() => lambda?.dispose());

  it('redirects a large diff to a presigned URL that downloads without our credentials', async () => {
    const created = await createAsAlice(invoke, 'Big', ['acme/big', 'acme/small']);
    const big = `diff --git a/big.txt b/big.txt\n${'+x\n'.repeat(2000)}`;
    const small = 'diff --git a/s.txt b/s.txt\n+y\n';
    for (const [name, patch] of [
      ['acme/big', big],
      ['acme/small', small],
    ] as const) {
      await store.claim(created.jobId, name, 1, '2000-01-01T00:00:00Z');
      await artifacts.put(artifactKey(created.jobId, name, 'diff.patch'), patch, 'text/x-diff');
      await store.transitionRepository(created.jobId, name, { from: ['RUNNING'], to: 'COMPLETED' });
    }
    const redirected = await invoke(
      event('GET', repositoryPath(created.jobId, 'acme/big', 'diff'), { userArn: ALICE }),
    );
    assert.equal(redirected.statusCode, 302);
    const location = redirected.headers?.location ?? redirected.headers?.Location;
    assert.ok(location);
    const download = await fetch(location);
    assert.equal(download.status, 200);
    assert.equal(await download.text(), big);

    const inline = await invoke(event('GET', repositoryPath(created.jobId, 'acme/small', 'diff'), { userArn: ALICE }));
    assert.equal(inline.statusCode, 200);
    assert.equal(bodyBytes(inline).toString(), small);
  });
});

describe("API on Lambda: artifacts near Lambda's 6,291,456-byte response limit", () => {
  // Diffs used to be redirected over 5 MiB only, and threads and logs never: a 5,138,021-byte diff
  // came back as a 6,850,894-byte response, which Lambda cannot return.
  const OLD_DIFF_THRESHOLD = 5 * 1024 * 1024;
  let lambda: LambdaApi;
  let store: Store;
  let artifacts: ArtifactStore;
  let invoke: (e: ReturnType<typeof event>) => Promise<LambdaResult>;
  let jobId: string;

  const path = (name: string, route: string) => `/jobs/${jobId}/repositories/${encodeURIComponent(name)}/${route}`;
  const CONTENT_TYPES = { 'diff.patch': 'text/x-diff', 'thread.json': 'application/json', 'log.txt': 'text/plain' };
  const diffOf = (bytes: number) =>
    Buffer.from(`diff --git a/big.txt b/big.txt\n${'+x\n'.repeat(Math.ceil(bytes / 3))}`).subarray(0, bytes);
  const completeWith = async (name: string, file: 'diff.patch' | 'thread.json' | 'log.txt', body: Buffer) => {
    await store.claim(jobId, name, 1, '2000-01-01T00:00:00Z');
    await artifacts.put(artifactKey(jobId, name, file), body, CONTENT_TYPES[file]);
    await store.transitionRepository(jobId, name, { from: ['RUNNING'], to: 'COMPLETED' });
  };
  const download = async (result: LambdaResult): Promise<Buffer> => {
    assert.equal(result.statusCode, 302, bodyBytes(result).toString().slice(0, 300));
    const location = result.headers?.location;
    assert.ok(location, 'a presigned URL');
    const response = await fetch(location);
    assert.equal(response.status, 200);
    return Buffer.from(await response.arrayBuffer());
  };

  before(async () => {
    lambda = await startLambdaApi({ artifacts: 's3' });
    ({ store, artifacts } = lambda);
    invoke = lambdaInvoker(lambda.handler);
    const names = ['acme/diff', 'acme/thread', 'acme/log', 'acme/edge', 'acme/over'];
    jobId = json(
      await invoke(
        event('POST', '/jobs', { userArn: ALICE, body: { name: 'Large', command: 'true', repositories: names } }),
      ),
    ).jobId;
  });
  after(() => lambda?.dispose());

  it('redirects a diff, a thread and a log just under the old 5 MiB threshold', async () => {
    const size = OLD_DIFF_THRESHOLD - 1024;
    const diff = diffOf(size);
    // A thread of code is full of quotes, which a JSON string escapes again.
    const thread = Buffer.from(
      JSON.stringify({
        messages: [{ role: 'user', content: 'const a = "b";\n'.repeat(Math.ceil(size / 16)) }],
        usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 },
      }),
    );
    const log = Buffer.from('\u001b[31mfailed\u001b[0m\n'.repeat(Math.ceil(size / 16))).subarray(0, size);
    assert.deepEqual([diff.length, log.length, thread.length > size], [size, size, true]);
    await completeWith('acme/diff', 'diff.patch', diff);
    await completeWith('acme/thread', 'thread.json', thread);
    await completeWith('acme/log', 'log.txt', log);

    assert.deepEqual(await download(await invoke(event('GET', path('acme/diff', 'diff'), { userArn: ALICE }))), diff);
    assert.deepEqual(
      await download(await invoke(event('GET', path('acme/thread', 'claude-thread'), { userArn: ALICE }))),
      thread,
    );
    assert.deepEqual(await download(await invoke(event('GET', path('acme/log', 'log'), { userArn: ALICE }))), log);
  });

  it('serves inline the largest artifact whose answer fits, and redirects one byte more', async () => {
    assert.ok(MAX_INLINE_BODY_BYTES > 4_000_000, `only ${MAX_INLINE_BODY_BYTES} bytes are served inline`);
    const edge = diffOf(MAX_INLINE_BODY_BYTES);
    const over = diffOf(MAX_INLINE_BODY_BYTES + 1);
    await completeWith('acme/edge', 'diff.patch', edge);
    await completeWith('acme/over', 'diff.patch', over);

    const inline = await invoke(event('GET', path('acme/edge', 'diff'), { userArn: ALICE }));
    assert.equal(inline.statusCode, 200);
    assert.deepEqual(bodyBytes(inline), edge);
    assert.deepEqual(await download(await invoke(event('GET', path('acme/over', 'diff'), { userArn: ALICE }))), over);
  });
});
