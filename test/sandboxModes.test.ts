import assert from 'node:assert/strict';
import { ApiError } from '../common/client';
import { SANDBOX_INSTALL } from '../common/sandbox';
import { createGitHosting, type GitHosting } from './helpers/git';
import { waitFor, waitForJob } from './helpers/jobs';
import { startStackProcess, type StackProcess } from './helpers/localStack';

// CODY_BATCH_SANDBOX on a machine where the sandbox cannot run. Made so on any machine: bubblewrap
// is looked for where there is none (CODY_BATCH_SANDBOX_BWRAP), so the runtime's own check fails as
// it does where bubblewrap is not installed. The sandbox itself is tested in `npm run test:sandbox`.

const MISSING_BWRAP = '/nonexistent/cody-batch-test/bwrap';
const INSTALL = process.platform === 'darwin' ? SANDBOX_INSTALL.darwin : SANDBOX_INSTALL.linux;

describe('CODY_BATCH_SANDBOX where the sandbox cannot run', function () {
  this.timeout(120_000);
  let hosting: GitHosting;

  before(async () => {
    hosting = await createGitHosting();
    await hosting.create('acme/widgets', { 'README.md': '# widgets\n' });
  });
  after(async () => {
    await hosting?.dispose();
  });

  async function refusal(promise: Promise<unknown>): Promise<ApiError> {
    const error = await promise.then(
      () => assert.fail('the job was accepted'),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof ApiError, String(error));
    return error;
  }

  describe('auto (the default)', () => {
    let stack: StackProcess;
    before(async () => {
      stack = await startStackProcess({
        env: {
          CODY_BATCH_SANDBOX: 'auto',
          CODY_BATCH_SANDBOX_BWRAP: MISSING_BWRAP,
          CODY_BATCH_GIT_BASE: hosting.gitBase,
          CODY_BATCH_CONCURRENCY: '1',
        },
      });
    });
    after(async () => {
      await stack?.dispose();
    });

    it('says so at start, with the one line that installs it, and GET /sandbox says the same', async () => {
      await waitFor('the warning', async () => (stack.output().includes(INSTALL) ? true : undefined), 20_000);
      assert.match(stack.output(), /WARNING: The command sandbox is unavailable here/);
      const status = await stack.client.sandbox();
      assert.equal(status.state, 'unavailable');
      assert.equal(status.mode, 'auto');
      assert.equal(status.install, INSTALL);
      assert.ok(status.defaultAllowedHosts.includes('registry.npmjs.org:443'));
    });

    it('refuses a job that lets Claude run commands with SANDBOX_UNAVAILABLE (400), and creates nothing', async () => {
      const before = (await stack.client.listJobs()).items.length;
      const error = await refusal(
        stack.client.createJob({ name: 'x', prompt: 'Fix it', allowCommands: true, repositories: ['acme/widgets'] }),
      );
      assert.equal(error.status, 400);
      assert.equal(error.code, 'SANDBOX_UNAVAILABLE');
      assert.match(error.message, new RegExp(INSTALL.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      assert.equal((await stack.client.listJobs()).items.length, before);
    });

    it("still runs a job's own command, and its log says the sandbox was missing and how to install it", async () => {
      const created = await stack.client.createJob({
        name: 'Command',
        command: 'echo changed > changed.txt',
        repositories: ['acme/widgets'],
        sandbox: { allowHosts: ['registry.example.com'] },
      });
      assert.deepEqual(created.sandbox, { allowHosts: ['registry.example.com'] });
      const job = await waitForJob(stack.client, created.jobId);
      assert.equal(job.status, 'COMPLETED');
      const log = await stack.client.getLog(job.jobId, 'acme/widgets');
      assert.match(
        log,
        /WARNING: the command sandbox is unavailable \(bubblewrap is not at .*\): commands run with your user's rights/,
      );
      assert.ok(log.includes(`Install it with: ${INSTALL}`));
    });
  });

  describe('require', () => {
    let stack: StackProcess;
    before(async () => {
      stack = await startStackProcess({
        env: { CODY_BATCH_SANDBOX: 'require', CODY_BATCH_SANDBOX_BWRAP: MISSING_BWRAP, CODY_BATCH_CONCURRENCY: '0' },
      });
    });
    after(async () => {
      await stack?.dispose();
    });

    it('refuses every job with a command (command, setup, verify) but takes a prompt alone', async () => {
      for (const body of [
        { command: 'true' },
        { prompt: 'p', setupCommand: 'npm ci' },
        { prompt: 'p', verifyCommand: 'npm test' },
        { prompt: 'p', allowCommands: true },
      ]) {
        const error = await refusal(stack.client.createJob({ name: 'x', repositories: ['acme/widgets'], ...body }));
        assert.equal(error.code, 'SANDBOX_UNAVAILABLE', JSON.stringify(body));
        assert.match(error.message, /CODY_BATCH_SANDBOX=require|allowCommands/);
      }
      const job = await stack.client.createJob({ name: 'x', prompt: 'p', repositories: ['acme/widgets'] });
      assert.equal(job.status, 'PENDING');
    });
  });

  describe('off', () => {
    let stack: StackProcess;
    before(async () => {
      stack = await startStackProcess({
        env: { CODY_BATCH_SANDBOX: 'off', CODY_BATCH_GIT_BASE: hosting.gitBase, CODY_BATCH_CONCURRENCY: '1' },
      });
    });
    after(async () => {
      await stack?.dispose();
    });

    it('warns at start and in every run’s log, and runs what it is given, Claude’s commands included', async () => {
      await waitFor('the warning', async () =>
        /WARNING: The command sandbox is off/.test(stack.output()) ? true : undefined,
      );
      assert.equal((await stack.client.sandbox()).state, 'off');
      const created = await stack.client.createJob({
        name: 'Command',
        command: 'echo changed > changed.txt',
        repositories: ['acme/widgets'],
      });
      const job = await waitForJob(stack.client, created.jobId);
      assert.equal(job.status, 'COMPLETED');
      assert.match(
        await stack.client.getLog(job.jobId, 'acme/widgets'),
        /WARNING: the command sandbox is off \(CODY_BATCH_SANDBOX=off\)/,
      );
      const claude = await stack.client.createJob({
        name: 'Claude',
        prompt: 'p',
        allowCommands: true,
        repositories: ['acme/widgets'],
      });
      await stack.client.cancelJob(claude.jobId);
    });
  });

  it('stops the stack at start on a value it does not know', async () => {
    await assert.rejects(
      startStackProcess({ env: { CODY_BATCH_SANDBOX: 'sometimes', CODY_BATCH_CONCURRENCY: '0' } }),
      /CODY_BATCH_SANDBOX must be one of auto, require, off, not "sometimes"/,
    );
  });
});
