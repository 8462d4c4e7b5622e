import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sampleJob } from './helpers/jobs';
import { CLI } from './helpers/localStack';

// `cody-batch watch` and Ctrl-C while a poll is on the wire: the watcher must stop then, not
// after the poll's answer and one more whole --interval.

describe('cody-batch watch, Ctrl-C during a poll', function () {
  this.timeout(20_000);
  let server: Server;
  let apiUrl: string;
  const job = sampleJob({ status: 'RUNNING', repositories: ['acme/one'] });
  /** The held answer to the job poll that is in flight, and a signal when one arrives. */
  let held: ServerResponse | undefined;
  let pollArrived: () => void = () => {};

  before(async () => {
    server = createServer((request, response) => {
      if (request.url === `/jobs/${job.jobId}`) {
        held = response;
        pollArrived();
        return;
      }
      if (request.url?.startsWith(`/jobs/${job.jobId}/repositories`)) {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: [] }));
        return;
      }
      response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'no' } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server?.closeAllConnections();
    server?.close();
  });

  it('exits 130 right after the poll answers, even with a long --interval', async () => {
    const arrived = new Promise<void>((resolve) => (pollArrived = resolve));
    const watcher = spawn(process.execPath, [CLI, 'watch', job.jobId, '--interval', '3600', '--api-url', apiUrl, '--auth', 'token'], {
      env: { ...process.env, CODY_BATCH_TOKEN: 'test-token' },
    });
    let stderr = '';
    watcher.stderr.on('data', (chunk) => (stderr += chunk));
    const exitCode = new Promise((resolve) => watcher.once('exit', resolve));
    try {
      await arrived;
      watcher.kill('SIGINT');
      // Give the signal time to land before the answer does.
      await new Promise((resolve) => setTimeout(resolve, 300));
      held!.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(job));
      assert.equal(await exitCode, 130, stderr);
      assert.match(stderr, new RegExp(`Job ${job.jobId} keeps running`));
    } finally {
      watcher.kill('SIGKILL');
    }
  });
});
