import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { repositoriesByName, waitFor, waitForJob } from './helpers/jobs';
import { killRunning, processesRunning, uniqueSleep } from './helpers/processes';
import { useWorld } from './helpers/world';

// Cancel, crashes, retries and restarts through the real stack: worker processes, their command
// process groups, and the rows and counters they leave.

function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function numbersIn(folder: string, prefix: string): Promise<number[]> {
  const files = (await readdir(folder)).filter((file) => file.startsWith(prefix));
  return Promise.all(files.map(async (file) => Number((await readFile(path.join(folder, file), 'utf8')).trim())));
}

/** Three quick repositories and a slow one (its command waits while SLOW is there). */
const REPOSITORIES = {
  'acme/one': { 'src/main.js': 'oldFunction(1);\n' },
  'acme/two': { 'src/main.js': 'oldFunction(1);\n' },
  'acme/three': { 'src/main.js': 'oldFunction(1);\n' },
  'acme/slow': { 'src/main.js': 'oldFunction(1);\n', SLOW: 'yes\n' },
};

describe('worker lifecycle: cancel, crash, retry, restart', function () {
  this.timeout(120_000);
  let markers: string;

  beforeEach(async () => {
    markers = await mkdtemp(path.join(os.tmpdir(), 'cody-batch-markers-'));
  });
  afterEach(async () => {
    await rm(markers, { recursive: true, force: true });
  });

  describe('with one stack', () => {
    const world = useWorld({ repositories: REPOSITORIES, stack: { workDir: true } });

    it('cancels a job running `sleep 60`: CANCELLED, its process groups gone, the waiting repository never started', async () => {
      const created = await world.stack.client.createJob({
        name: 'Sleep',
        command: `echo $$ > "${markers}/pgid-$$"\nsleep 60`,
        repositories: ['acme/one', 'acme/two', 'acme/three'],
      });
      const groups = await waitFor('two commands to run', async () => {
        const found = await numbersIn(markers, 'pgid-');
        return found.length === 2 ? found : undefined;
      });
      assert.ok(groups.every(processGroupAlive));
      const answer = await world.stack.client.cancelJob(created.jobId);
      assert.ok(['CANCELLING', 'CANCELLED'].includes(answer.status));
      const job = await waitForJob(world.stack.client, created.jobId);
      assert.equal(job.status, 'CANCELLED');
      assert.deepEqual(
        { ...job.counts },
        { total: 3, pending: 0, running: 0, completed: 0, noChanges: 0, failed: 0, cancelled: 3 },
      );
      const rows = [...(await repositoriesByName(world.stack.client, job.jobId)).values()];
      for (const row of rows) {
        assert.equal(row.status, 'CANCELLED');
        assert.equal(row.error?.code, 'CANCELLED');
      }
      await waitFor('the command process groups to be gone', async () =>
        groups.some(processGroupAlive) ? undefined : true,
      );
      // The third repository was never started: never claimed (a row a worker claims has its start
      // time), so no worker can run it now that it is CANCELLED, and its command never ran.
      assert.equal(rows.filter((row) => row.startedAt === undefined).length, 1, 'one row never claimed');
      assert.equal((await numbersIn(markers, 'pgid-')).length, 2);
    });

    it('fails a worker killed with SIGKILL as WORKER_CRASHED, finishes the job, and a retry runs it at attempt 2', async () => {
      const daemon = uniqueSleep();
      const command = [
        `if [ -f SLOW ] && [ ! -f "${markers}/go" ]; then setsid ${daemon.join(' ')} > /dev/null 2>&1 & echo $PPID > "${markers}/worker.pid"; echo $$ > "${markers}/pgid-slow"; sleep 60; fi`,
        "sed -i 's/oldFunction(/newFunction(/' src/main.js",
      ].join('\n');
      const created = await world.stack.client.createJob({
        name: 'Crash',
        command,
        repositories: ['acme/slow', 'acme/one'],
      });
      const [workerPid] = await waitFor('the slow command to run', async () => {
        const found = await numbersIn(markers, 'worker.pid');
        return found.length === 1 ? found : undefined;
      });
      const [commandGroup] = await numbersIn(markers, 'pgid-slow');
      const runFolders = await readdir(world.workDir);
      assert.ok(runFolders.length > 0, 'the slow run has its folder');
      // The log is saved every few seconds and at each step: kill once the command's line is saved,
      // so the check below is about the crash keeping it, not about how fast a loaded machine saves.
      await waitFor('the running command to reach the saved log', async () =>
        /Command: \$ if \[ -f SLOW \]/.test(await world.stack.client.getLog(created.jobId, 'acme/slow').catch(() => ''))
          ? true
          : undefined,
      );
      process.kill(workerPid!, 'SIGKILL');

      const job = await waitForJob(world.stack.client, created.jobId);
      assert.equal(job.status, 'COMPLETED_WITH_ERRORS');
      const rows = await repositoriesByName(world.stack.client, job.jobId);
      assert.equal(rows.get('acme/one')!.status, 'COMPLETED');
      assert.equal(rows.get('acme/slow')!.status, 'FAILED');
      assert.equal(rows.get('acme/slow')!.error?.code, 'WORKER_CRASHED');
      // The command the dead worker started does not outlive it.
      await waitFor('the orphaned command to be killed', async () =>
        processGroupAlive(commandGroup!) ? undefined : true,
      );
      // Nor does what it started with setsid, out of the command's process group.
      await waitFor('the setsid command to be killed', async () =>
        (await processesRunning(daemon)).length ? undefined : true,
      ).finally(() => killRunning(daemon));
      // Nor its clone: the run folder of the dead worker is removed.
      const left = await readdir(world.workDir);
      assert.deepEqual(
        left.filter((folder) => runFolders.includes(folder)),
        [],
        "the dead worker's run folder is gone",
      );
      // What the worker logged before it died is kept.
      assert.match(await world.stack.client.getLog(job.jobId, 'acme/slow'), /Command: \$ if \[ -f SLOW \]/);

      await writeFile(path.join(markers, 'go'), '');
      const retry = await world.stack.client.retryJob(job.jobId);
      assert.equal(retry.run.size, 1, 'only acme/slow runs again');
      const retried = await waitForJob(world.stack.client, job.jobId);
      assert.equal(retried.status, 'COMPLETED');
      const after = await repositoriesByName(world.stack.client, job.jobId);
      assert.equal(after.get('acme/slow')!.attempt, 2);
      assert.equal(after.get('acme/slow')!.status, 'COMPLETED');
      assert.equal(after.get('acme/one')!.attempt, 1);
      assert.match((await world.stack.client.getDiff(job.jobId, 'acme/slow')).patch!, /\+newFunction\(1\);/);
    });
  });

  describe('across a restart', () => {
    const world = useWorld({ repositories: REPOSITORIES, stack: { concurrency: 1 } });

    it('re-runs what a stopped stack left running or pending when it starts again on the same home', async () => {
      const first = world.stack;
      const created = await first.client.createJob({
        name: 'Survive a restart',
        command: `echo started >> "${markers}/starts"\nwhile [ ! -f "${markers}/go" ]; do sleep 0.1; done\nsed -i 's/oldFunction(/newFunction(/' src/main.js`,
        repositories: ['acme/one', 'acme/two'],
      });
      await waitFor('the first repository to start', async () =>
        (await readFile(path.join(markers, 'starts'), 'utf8').catch(() => '')) ? true : undefined,
      );
      assert.equal(await first.stop(), 0);

      const second = await world.restartStack();
      await writeFile(path.join(markers, 'go'), '');
      const job = await waitForJob(second.client, created.jobId);
      assert.equal(job.status, 'COMPLETED');
      const rows = await repositoriesByName(second.client, job.jobId);
      assert.deepEqual([...rows.values()].map((row) => [row.repositoryName, row.status]).sort(), [
        ['acme/one', 'COMPLETED'],
        ['acme/two', 'COMPLETED'],
      ]);
      // The one that was running when the stack stopped ran again, as a new attempt.
      assert.deepEqual([...rows.values()].map((row) => row.attempt).sort(), [1, 2]);
    });
  });
});
