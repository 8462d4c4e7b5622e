import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { RunningDynamo } from '../local/dynamodb';
import { newTestStore, startTestDynamo } from '../../test/helpers/dynamo';
import { createGitHosting, type GitHosting } from '../../test/helpers/git';
import { sampleJob, waitFor } from '../../test/helpers/jobs';
import { makeTempDir, REPO_ROOT } from '../../test/helpers/localStack';
import type { Job } from '../../common/schemas';
import { runMacWithKey } from '../store/runMac';
import type { Store } from '../store/store';
import { LocalExecutor } from './local';

// The local pool with the real worker bundle (dist/worker.js), a real dynalite and real git: no
// row stays PENDING for want of a worker, and no clone outlives its worker.

const WORKER = path.join(REPO_ROOT, 'dist/worker.js');

describe('LocalExecutor: no PENDING row without a worker, no clone without one', function () {
  this.timeout(60_000);
  let dynamo: RunningDynamo;
  let store: Store;
  let hosting: GitHosting;
  let home: string;
  let executor: LocalExecutor | undefined;
  const runMac = runMacWithKey(randomBytes(32));

  before(async () => {
    dynamo = await startTestDynamo();
    hosting = await createGitHosting();
    for (const name of ['acme/one', 'acme/two']) await hosting.create(name, { 'a.txt': 'old\n' });
    home = await makeTempDir();
  });
  beforeEach(async () => {
    store = await newTestStore(dynamo);
  });
  afterEach(async () => {
    await executor?.stop();
    executor = undefined;
  });
  after(async () => {
    await dynamo?.close();
    await hosting?.dispose();
    await rm(home, { recursive: true, force: true });
  });

  function pool(options: { concurrency?: number; nodeBinary?: string; workDir?: string } = {}): LocalExecutor {
    return new LocalExecutor({
      store,
      workerScript: WORKER,
      concurrency: options.concurrency ?? 2,
      nodeBinary: options.nodeBinary,
      runMac,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        CODY_BATCH_ENV: 'local',
        CODY_BATCH_JOBS_TABLE: store.tables.jobs,
        CODY_BATCH_REPOSITORIES_TABLE: store.tables.repositories,
        CODY_BATCH_DYNAMODB_ENDPOINT: dynamo.endpoint,
        CODY_BATCH_ARTIFACTS: path.join(home, 'artifacts'),
        CODY_BATCH_GIT_BASE: hosting.gitBase,
        ...(options.workDir ? { CODY_BATCH_WORK_DIR: options.workDir } : {}),
      },
    });
  }

  /** A job as the local stack's API creates it: with its run MAC. */
  async function commandJob(repositories: string[], command = 'echo new > a.txt'): Promise<Job> {
    const job = sampleJob({ repositories, prompt: undefined, command });
    job.runMac = runMac.sign(job);
    await store.createJob(job);
    await store.jobs.setAttributes(job.jobId, { executorRef: 'local' });
    return job;
  }

  async function finished(jobId: string): Promise<Job> {
    return waitFor(`job ${jobId} to finish`, async () => {
      const job = await store.jobs.get(jobId);
      return job?.finishedAt ? job : undefined;
    });
  }

  it('queues PENDING rows that no worker holds or waits for, once', async () => {
    // The state a lost crash record or a worker that exited without claiming leaves: rows PENDING,
    // nothing queued, nothing running.
    const job = await commandJob(['acme/one', 'acme/two']);
    executor = pool({ concurrency: 0 });
    assert.equal(await executor.requeuePending(), 2);
    assert.deepEqual(executor.load, { queued: 2, running: 0 });
    assert.equal(await executor.requeuePending(), 0, 'what waits already is not queued twice');
    await executor.stop();

    executor = pool();
    assert.equal(await executor.requeuePending(), 2);
    const done = await finished(job.jobId);
    assert.equal(done.status, 'COMPLETED');
    assert.equal(await executor.requeuePending(), 0);
  });

  it('queues a new run even while a worker of the previous attempt is still exiting', async () => {
    const job = await commandJob(['acme/one'], 'sleep 30');
    executor = pool({ concurrency: 1 });
    await executor.start(job);
    await waitFor('the worker to claim its row', async () =>
      (await store.repositories.get(job.jobId, 'acme/one'))?.status === 'RUNNING' ? true : undefined,
    );
    // A retry's start for the same repository: the task waits for the pool, it is not dropped.
    await executor.start(job);
    assert.deepEqual(executor.load, { queued: 1, running: 1 });
    await executor.cancel(job);
    assert.deepEqual(executor.load, { queued: 0, running: 0 });
  });

  it('removes at start the run folders of workers that are gone, never those of a live one', async () => {
    const workDir = path.join(home, 'work');
    const exited = spawn('true');
    const deadPid = await new Promise<number>((resolve) => exited.once('exit', () => resolve(exited.pid!)));
    const dead = `cody-batch-run-${deadPid}-aB3dEf`;
    const live = `cody-batch-run-${process.pid}-aB3dEf`;
    for (const folder of [dead, live, 'unrelated'])
      await mkdir(path.join(workDir, folder, 'clone'), { recursive: true });
    executor = pool({ concurrency: 0, workDir });
    await executor.resume();
    assert.deepEqual((await readdir(workDir)).sort(), [live, 'unrelated'].sort());
  });

  it('fails a row whose worker could not even be spawned, and frees its place in the pool', async () => {
    const job = await commandJob(['acme/one', 'acme/two']);
    executor = pool({ concurrency: 1, nodeBinary: path.join(home, 'no-such-node') });
    await executor.start(job);
    const done = await finished(job.jobId);
    assert.equal(done.status, 'FAILED');
    for (const name of job.repositories) {
      const row = (await store.repositories.get(job.jobId, name))!;
      assert.equal(row.error?.code, 'WORKER_CRASHED');
      assert.match(row.error?.message ?? '', /^The worker could not be started \(spawn .*no-such-node ENOENT\)/);
    }
    assert.deepEqual(executor.load, { queued: 0, running: 0 });
  });

  it('runs no job whose run MAC is missing or wrong, and fails its rows as UNVERIFIED_JOB', async () => {
    const marker = path.join(home, 'planted-ran');
    const command = `touch "${marker}"`;
    const unsigned = sampleJob({ repositories: ['acme/one'], prompt: undefined, command });
    const signed = await commandJob(['acme/two'], 'echo new > a.txt');
    // The signed job's MAC on another command, and on another run of the same job.
    const copied = sampleJob({ ...signed, jobId: sampleJob().jobId, command });
    const otherRun = { ...signed, jobId: sampleJob().jobId, run: ['acme/one'], repositories: ['acme/one'] };
    for (const job of [unsigned, copied, otherRun]) await store.createJob(job);
    executor = pool({ concurrency: 2 });
    await assert.rejects(executor.start(unsigned), /not created through this stack’s API/);
    assert.equal(await executor.requeuePending(), 1, 'only the signed job is queued');
    assert.equal((await finished(signed.jobId)).status, 'COMPLETED');
    for (const job of [unsigned, copied, otherRun]) {
      const row = (await store.repositories.get(job.jobId, job.run[0]!))!;
      assert.equal(row.status, 'FAILED');
      assert.equal(row.error?.code, 'UNVERIFIED_JOB');
      assert.equal((await finished(job.jobId)).status, 'FAILED');
    }
    await assert.rejects(access(marker), 'the unverified command never ran');
  });
});
