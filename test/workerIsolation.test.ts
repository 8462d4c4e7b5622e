import assert from 'node:assert/strict';
import { createGitHosting, type GitHosting } from './helpers/git';
import { repositoriesByName, waitForJob } from './helpers/jobs';
import { startStackProcess, type StackProcess } from './helpers/localStack';
import { killRunning, processesRunning, uniqueSleep } from './helpers/processes';

// What a command job's code can reach on the real local stack: no process that lives on after its
// repository finished.

describe('worker isolation: what a command can reach on the local stack', function () {
  this.timeout(120_000);
  let hosting: GitHosting;
  let stack: StackProcess;
  const leftovers: string[][] = [];

  before(async () => {
    hosting = await createGitHosting();
    await hosting.create('acme/daemon', { 'README.md': '# daemon\n' });
    stack = await startStackProcess({
      env: {
        CODY_BATCH_GIT_BASE: hosting.gitBase,
        CODY_BATCH_CONCURRENCY: '2',
      },
    });
  });
  after(async () => {
    for (const argv of leftovers) await killRunning(argv);
    await stack?.dispose();
    await hosting?.dispose();
  });

  it('leaves no process running that a command or a verify command started with setsid', async () => {
    const fromCommand = uniqueSleep();
    const fromVerify = uniqueSleep();
    leftovers.push(fromCommand, fromVerify);
    const created = await stack.client.createJob({
      name: 'Daemons',
      command: `setsid ${fromCommand.join(' ')} > /dev/null 2>&1 &\necho changed > changed.txt`,
      verifyCommand: `setsid ${fromVerify.join(' ')} > /dev/null 2>&1 &`,
      repositories: ['acme/daemon'],
    });
    const job = await waitForJob(stack.client, created.jobId);
    const row = (await repositoriesByName(stack.client, job.jobId)).get('acme/daemon')!;
    assert.equal(row.status, 'COMPLETED', JSON.stringify(row.error));
    assert.equal(row.verification?.passed, true);
    assert.deepEqual(await processesRunning(fromCommand), [], "the command's setsid sleep is gone");
    assert.deepEqual(await processesRunning(fromVerify), [], "the verify command's setsid sleep is gone");
  });
});
