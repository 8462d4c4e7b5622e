import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Job } from '../common/schemas';
import { CLI, startStackProcess, type StackProcess } from './helpers/localStack';

// `cody-batch watch` and Ctrl-C while a poll is on the wire: the watcher must stop then, not
// after the poll's answer and one more whole --interval. The poll goes to the real local stack
// through a loopback proxy that holds the job's answer until the test lets it through.

describe('cody-batch watch, Ctrl-C during a poll', function () {
  this.timeout(30_000);
  let stack: StackProcess;
  let proxy: Server;
  let proxyUrl: string;
  let job: Job;
  /** Lets the held answer to the job poll through, and a signal when one arrives. */
  let release: (() => void) | undefined;
  let pollArrived: () => void = () => {};

  before(async () => {
    // Workers paused: the job stays active, so the watcher keeps polling.
    stack = await startStackProcess();
    job = await stack.client.createJob({ name: 'held', command: 'true', repositories: ['acme/one'] });
    const target = new URL(stack.apiUrl);
    proxy = createServer((incoming, outgoing) => {
      const forward = () =>
        incoming.pipe(
          httpRequest(
            {
              host: target.hostname,
              port: target.port,
              path: incoming.url,
              method: incoming.method,
              headers: incoming.headers,
            },
            (answer) => {
              outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
              answer.pipe(outgoing);
            },
          ),
        );
      if (incoming.url === `/jobs/${job.jobId}`) {
        release = forward;
        pollArrived();
        return;
      }
      forward();
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  after(async () => {
    proxy?.closeAllConnections();
    proxy?.close();
    await stack?.dispose();
  });

  it('exits 130 right after the poll answers, even with a long --interval', async () => {
    const arrived = new Promise<void>((resolve) => (pollArrived = resolve));
    const watcher = spawn(
      process.execPath,
      [CLI, 'watch', job.jobId, '--interval', '3600', '--api-url', proxyUrl, '--auth', 'token'],
      {
        env: { ...process.env, CODY_BATCH_TOKEN: stack.token },
      },
    );
    let stderr = '';
    watcher.stderr.on('data', (chunk) => (stderr += chunk));
    const exitCode = new Promise((resolve) => watcher.once('exit', resolve));
    try {
      await arrived;
      watcher.kill('SIGINT');
      // Give the signal time to land before the answer does.
      await new Promise((resolve) => setTimeout(resolve, 300));
      release!();
      assert.equal(await exitCode, 130, stderr);
      assert.match(stderr, new RegExp(`Job ${job.jobId} keeps running`));
    } finally {
      watcher.kill('SIGKILL');
    }
  });
});
