import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BULK_ANSWERS_INLINE, stackStore, startStackProcess, type StackProcess } from '../test/helpers/localStack';
import { type ApiError, bearerAuth, CodyBatchClient } from './client';
import { emptyUsage } from './schemas';

describe('CodyBatchClient', () => {
  let stack: StackProcess;
  before(async () => {
    stack = await startStackProcess({ env: { CODY_BATCH_CONCURRENCY: '0', ...BULK_ANSWERS_INLINE } });
  });
  after(async () => {
    await stack?.dispose();
  });

  it('creates, lists, reads and cancels jobs with typed answers', async () => {
    const job = await stack.client.createJob({ name: 'Typed', prompt: 'p', repositories: ['acme/one', 'acme/two'] });
    assert.equal(job.status, 'PENDING');
    const all = [];
    for await (const listed of stack.client.allJobs(1)) all.push(listed.jobId);
    assert.ok(all.includes(job.jobId));
    assert.deepEqual(
      (await stack.client.allRepositories(job.jobId)).map((row) => row.repositoryName),
      ['acme/one', 'acme/two'],
    );
    // The answer comes within the server's moment; on a busy machine the cancel's operation goes on after it.
    const cancelled = await stack.client.cancelJob(job.jobId);
    if (cancelled.operation?.status === 'running') {
      // The job may already be final: the operation records its own end last.
      assert.ok(['CANCELLING', 'CANCELLED'].includes(cancelled.status), cancelled.status);
      await stack.client.followOperation(job.jobId, cancelled.operation.operationId, { intervalMs: 100 });
    }
    assert.equal((await stack.client.getJob(job.jobId)).status, 'CANCELLED');
  });

  it('turns error answers into ApiError with the server’s code and message', async () => {
    const job = await stack.client.createJob({ name: 'Errors', prompt: 'p', repositories: ['acme/one'] });
    await assert.rejects(
      stack.client.getDiff(job.jobId, 'acme/one'),
      (error: ApiError) => error.status === 409 && error.code === 'NO_DIFF',
    );
    await assert.rejects(
      stack.client.createJob({ name: 'Bad', prompt: 'p', repositories: ['../x'] }),
      (error: ApiError) =>
        error.status === 400 && error.code === 'VALIDATION_FAILED' && /"\.\.\/x"/.test(error.message),
    );
    const wrongToken = new CodyBatchClient({ baseUrl: stack.apiUrl, auth: bearerAuth('nope') });
    await assert.rejects(wrongToken.listJobs(), (error: ApiError) => error.status === 401);
  });

  it('reports 204 as no patch', async () => {
    const job = await stack.client.createJob({ name: 'Nothing', command: 'true', repositories: ['acme/one'] });
    const store = stackStore(stack);
    await store.claim(job.jobId, 'acme/one', 1, '2000-01-01T00:00:00Z');
    await store.transitionRepository(job.jobId, 'acme/one', { from: ['RUNNING'], to: 'NO_CHANGES' });
    assert.deepEqual(await stack.client.getDiff(job.jobId, 'acme/one'), { patch: undefined });
  });

  it('says plainly when the server cannot be reached', async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    const client = new CodyBatchClient({ baseUrl: `http://127.0.0.1:${port}`, auth: bearerAuth('t') });
    await assert.rejects(
      client.health(),
      (error: ApiError) => error.unreachable && /could not be reached/.test(error.message),
    );
  });

  it('follows a large diff’s redirect without sending its credentials along', async () => {
    const seen: { path: string; authorization?: string }[] = [];
    const server = http.createServer((request, response) => {
      seen.push({ path: request.url!, authorization: request.headers.authorization });
      if (request.url!.startsWith('/jobs/')) {
        response.writeHead(302, {
          location: `http://127.0.0.1:${(server.address() as AddressInfo).port}/bucket/diff.patch?X-Amz-Signature=abc`,
        });
        response.end();
      } else {
        response.writeHead(200, { 'content-type': 'text/x-diff' });
        response.end('diff --git a/x b/x\n');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const client = new CodyBatchClient({
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        auth: bearerAuth('secret-token'),
      });
      // The digest is of the bytes downloaded: what the caller shows.
      assert.deepEqual(await client.getDiff('01m8hh1rwgnr9p2a6k5x32xmdr', 'acme/big'), {
        patch: 'diff --git a/x b/x\n',
        bytes: new Uint8Array(Buffer.from('diff --git a/x b/x\n')),
        digest: createHash('sha256').update('diff --git a/x b/x\n').digest('hex'),
      });
      assert.equal(seen[0]?.authorization, 'Bearer secret-token');
      assert.equal(seen[1]?.path.startsWith('/bucket/'), true);
      assert.equal(seen[1]?.authorization, undefined);
    } finally {
      server.close();
    }
  });

  it('follows a large thread’s and log’s redirect without sending its credentials along', async () => {
    const thread = { messages: [{ role: 'user', content: 'Repository: acme/big' }], usage: emptyUsage() };
    const seen: { path: string; authorization?: string }[] = [];
    const server = http.createServer((request, response) => {
      seen.push({ path: request.url!, authorization: request.headers.authorization });
      const file = /\/log(\.txt)?(\?|$)/.test(request.url!) ? 'log.txt' : 'thread.json';
      if (request.url!.startsWith('/jobs/')) {
        response.writeHead(302, { location: `/bucket/${file}?X-Amz-Signature=abc` });
        response.end();
      } else if (file === 'log.txt') {
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.end('$ git clone\n');
      } else {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(thread));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const client = new CodyBatchClient({
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        auth: bearerAuth('secret-token'),
      });
      assert.deepEqual(await client.getThread('01m8hh1rwgnr9p2a6k5x32xmdr', 'acme/big'), thread);
      assert.equal(await client.getLog('01m8hh1rwgnr9p2a6k5x32xmdr', 'acme/big'), '$ git clone\n');
      assert.deepEqual(
        seen.map(({ path, authorization }) => [
          path.split('?')[0]!.replace(/^\/jobs\/.*\//, '/jobs/…/'),
          authorization,
        ]),
        [
          ['/jobs/…/claude-thread', 'Bearer secret-token'],
          ['/bucket/thread.json', undefined],
          ['/jobs/…/log', 'Bearer secret-token'],
          ['/bucket/log.txt', undefined],
        ],
      );
    } finally {
      server.close();
    }
  });
});
