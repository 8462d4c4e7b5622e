import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { localWorkerEnvironment, useTestStore } from '../../test/helpers/testStore';
import { useGitHosting } from '../../test/helpers/git';
import { newJob, sampleJob, waitFor } from '../../test/helpers/jobs';
import { REPO_ROOT } from '../../test/helpers/localStack';
import type { Job } from '../../common/schemas';
import { testKeys } from '../../test/helpers/keys';
import { LocalExecutor } from './local';

// The local pool with the real worker bundle (dist/worker.js), a real dynalite and real git: no
// row stays PENDING for want of a worker, and no clone outlives its worker.

const WORKER = path.join(REPO_ROOT, 'dist/worker.js');

describe('LocalExecutor: no PENDING row without a worker, no clone without one', function () {
  this.timeout(60_000);
  const db = useTestStore();
  // Its scratch folder (`work`) holds the artifacts and whatever else a test writes.
  const hosted = useGitHosting(async (hosting) => {
    for (const name of ['acme/one', 'acme/two', 'acme/three', 'acme/four', 'acme/five'])
      await hosting.create(name, { 'a.txt': 'old\n' });
    await hosting.create('acme/crash', { 'a.txt': 'old\n', CRASH: 'the worker dies on this one\n' });
    await hosting.create('acme/fails', { 'a.txt': 'old\n', FAIL: 'the command fails on this one\n' });
  });
  let executor: LocalExecutor | undefined;
  const keys = testKeys();

  afterEach(async () => {
    await executor?.stop();
    executor = undefined;
  });

  function pool(
    options: { concurrency?: number; nodeBinary?: string; workDir?: string; shardSize?: number } = {},
  ): LocalExecutor {
    return new LocalExecutor({
      store: db.store,
      workerScript: WORKER,
      concurrency: options.concurrency ?? 2,
      nodeBinary: options.nodeBinary,
      keys,
      env: {
        ...localWorkerEnvironment(db, hosted.hosting),
        ...(options.workDir ? { CODY_BATCH_WORK_DIR: options.workDir } : {}),
        ...(options.shardSize ? { CODY_BATCH_SHARD_SIZE: String(options.shardSize) } : {}),
      },
    });
  }

  /** A job as the local stack's API creates it: signed. */
  async function commandJob(repositories: string[], command = 'echo new > a.txt'): Promise<Job> {
    const job = await db.store.createJob(newJob(sampleJob({ repositories, prompt: undefined, command }), keys.signer));
    await db.store.jobs.setAttributes(job.jobId, { executorRef: 'local' });
    return job;
  }

  async function finished(jobId: string): Promise<Job> {
    return waitFor(`job ${jobId} to finish`, async () => {
      const job = await db.store.jobs.get(jobId);
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

  /** Each row's status and error code, in the order of `names`. */
  /**
   * acme/one, acme/crash (whose command kills its worker) and acme/three on one slot, `shardSize` a
   * shard: the job ends with acme/crash alone failed, WORKER_CRASHED.
   */
  async function crashJob(shardSize: number) {
    const names = ['acme/one', 'acme/crash', 'acme/three'];
    const job = await commandJob(names, CRASH_COMMAND);
    executor = pool({ concurrency: 1, shardSize });
    await executor.start(job);
    assert.equal((await finished(job.jobId)).status, 'COMPLETED_WITH_ERRORS');
    assert.deepEqual(await outcomes(job.jobId, names), [
      ['acme/one', 'COMPLETED', undefined],
      ['acme/crash', 'FAILED', 'WORKER_CRASHED'],
      ['acme/three', 'COMPLETED', undefined],
    ]);
    return job;
  }

  async function outcomes(jobId: string, names: string[]): Promise<unknown[]> {
    const rows = new Map((await db.store.repositories.listAll(jobId)).map((row) => [row.repositoryName, row]));
    return names.map((name) => [name, rows.get(name)!.status, rows.get(name)!.error?.code]);
  }

  /** Kills its own worker in acme/crash. */
  const CRASH_COMMAND = 'if [ -f CRASH ]; then kill -9 $PPID; sleep 5; fi; echo new > a.txt';

  /** The worker process that ran the repository, from its log's first line. */
  async function workerPid(jobId: string, name: string): Promise<string> {
    const { FolderArtifactStore } = await import('../store/artifacts/folderArtifactStore');
    const log = await new FolderArtifactStore(path.join(hosted.hosting.work, 'artifacts')).get(
      `jobs/${jobId}/${name}/log.txt`,
    );
    return /worker process (\d+)/.exec(log?.body.toString('utf8') ?? '')?.[1] ?? 'none';
  }

  it('runs a shard of repositories one after another in one worker process', async () => {
    const names = ['acme/one', 'acme/two', 'acme/three'];
    const job = await commandJob(names);
    executor = pool({ concurrency: 1, shardSize: 3 });
    assert.deepEqual(await executor.start(job), { executorRef: 'local', shardSize: 3 });
    assert.equal((await finished(job.jobId)).status, 'COMPLETED');
    const pids = new Set(await Promise.all(names.map((name) => workerPid(job.jobId, name))));
    assert.equal(pids.size, 1, `one process ran all three: ${[...pids]}`);
    assert.ok(!pids.has('none'));
  });

  it('starts one worker process per slot for a job of many shards: each takes the next shard when its own is done', async () => {
    // Six shards of one repository on two slots; the first shard's command fails, which ends
    // neither its process nor the shards after it.
    const names = ['acme/fails', 'acme/one', 'acme/two', 'acme/three', 'acme/four', 'acme/five'];
    const job = await commandJob(names, 'if [ -f FAIL ]; then exit 3; fi; echo new > a.txt');
    executor = pool({ concurrency: 2, shardSize: 1 });
    await executor.start(job);
    assert.equal((await finished(job.jobId)).status, 'COMPLETED_WITH_ERRORS');
    assert.deepEqual(await outcomes(job.jobId, names), [
      ['acme/fails', 'FAILED', 'COMMAND_FAILED'],
      ...names.slice(1).map((name) => [name, 'COMPLETED', undefined]),
    ]);
    const pids = await Promise.all(names.map((name) => workerPid(job.jobId, name)));
    assert.ok(!pids.includes('none'), `every log names its worker: ${pids}`);
    assert.equal(new Set(pids).size, 2, `two processes ran the six shards: ${pids}`);
    assert.equal(executor.workersStarted, 2);
  });

  it('starts a new process for another job’s shard: a worker takes only further shards of its own job', async () => {
    const first = await commandJob(['acme/one', 'acme/two']);
    const second = await commandJob(['acme/three']);
    executor = pool({ concurrency: 1, shardSize: 1 });
    await executor.start(first);
    await executor.start(second);
    for (const job of [first, second]) assert.equal((await finished(job.jobId)).status, 'COMPLETED');
    const one = await workerPid(first.jobId, 'acme/one');
    assert.equal(await workerPid(first.jobId, 'acme/two'), one, 'the first job’s two shards ran in one process');
    assert.notEqual(await workerPid(second.jobId, 'acme/three'), one);
    assert.equal(executor.workersStarted, 2);
  });

  it('runs a job’s later shards in a new process when a reused worker dies, failing only the row in flight', async () => {
    const job = await crashJob(1);
    // acme/crash was the second shard of the process that ran acme/one.
    const crashed = await workerPid(job.jobId, 'acme/one');
    assert.equal(await workerPid(job.jobId, 'acme/crash'), crashed);
    assert.notEqual(await workerPid(job.jobId, 'acme/three'), crashed);
    assert.equal(executor!.workersStarted, 2);
  });

  it('fails only the repository in flight when a shard’s worker dies, and runs the rest of the shard again', async () => {
    // The command kills its worker in acme/crash (the second of the shard): acme/one is done by then,
    // acme/three still PENDING.
    const job = await crashJob(3);
    assert.equal(
      (await db.store.repositories.get(job.jobId, 'acme/three'))!.attempt,
      1,
      'the rest of the shard ran at its own attempt, not as a retry',
    );
    assert.notEqual(await workerPid(job.jobId, 'acme/one'), await workerPid(job.jobId, 'acme/three'));
  });

  it('queues a new run even while a worker of the previous attempt is still exiting', async () => {
    const job = await commandJob(['acme/one'], 'sleep 30');
    executor = pool({ concurrency: 1 });
    await executor.start(job);
    await waitFor('the worker to claim its row', async () =>
      (await db.store.repositories.get(job.jobId, 'acme/one'))?.status === 'RUNNING' ? true : undefined,
    );
    // A retry's start for the same repository: the task waits for the pool, it is not dropped.
    await executor.start(job);
    assert.deepEqual(executor.load, { queued: 1, running: 1 });
    await executor.cancel(job);
    assert.deepEqual(executor.load, { queued: 0, running: 0 });
  });

  it('removes at start the run folders of workers that are gone, never those of a live one', async () => {
    const workDir = path.join(hosted.hosting.work, 'work');
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
    executor = pool({ concurrency: 1, nodeBinary: path.join(hosted.hosting.work, 'no-such-node') });
    await executor.start(job);
    const done = await finished(job.jobId);
    assert.equal(done.status, 'FAILED');
    for (const name of ['acme/one', 'acme/two']) {
      const row = (await db.store.repositories.get(job.jobId, name))!;
      assert.equal(row.error?.code, 'WORKER_CRASHED');
      assert.match(row.error?.message ?? '', /^The worker could not be started \(spawn .*no-such-node ENOENT\)/);
    }
    assert.deepEqual(executor.load, { queued: 0, running: 0 });
  });

  it('runs no job whose signature is missing or wrong, and fails its rows as UNVERIFIED_JOB', async () => {
    const marker = path.join(hosted.hosting.work, 'planted-ran');
    const command = `touch "${marker}"`;
    const unsigned = await db.store.createJob(
      newJob(sampleJob({ repositories: ['acme/one'], prompt: undefined, command })),
    );
    const signed = await commandJob(['acme/two'], 'echo new > a.txt');
    // The signed job's signature on another command, and on another run (other names, another job).
    const { run: _run, signature, ...fields } = signed;
    const copied = await db.store.createJob(
      newJob(sampleJob({ ...fields, jobId: sampleJob().jobId, command, repositories: ['acme/one'] })),
    );
    const otherRun = await db.store.createJob(
      newJob(sampleJob({ ...fields, jobId: sampleJob().jobId, repositories: ['acme/one'] })),
    );
    for (const job of [copied, otherRun]) await db.store.jobs.setAttributes(job.jobId, { signature });
    executor = pool({ concurrency: 2 });
    await assert.rejects(executor.start(unsigned), /not created through this stack’s API/);
    assert.equal(await executor.requeuePending(), 1, 'only the signed job is queued');
    assert.equal((await finished(signed.jobId)).status, 'COMPLETED');
    for (const job of [unsigned, copied, otherRun]) {
      const row = (await db.store.repositories.get(job.jobId, 'acme/one'))!;
      assert.equal(row.status, 'FAILED');
      assert.equal(row.error?.code, 'UNVERIFIED_JOB');
      assert.equal((await finished(job.jobId)).status, 'FAILED');
    }
    await assert.rejects(access(marker), 'the unverified command never ran');
  });
});
