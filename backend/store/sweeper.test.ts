import assert from 'node:assert/strict';
import { newJob as toNewJob, sampleJob } from '../../test/helpers/jobs';
import { useTestStore } from '../../test/helpers/testStore';
import { sweep, type NeverStarted } from './sweeper';
import type { Job } from '../../common/schemas';

// The sweeper against a real dynalite: silent RUNNING rows fail with WORKER_LOST, live ones are
// left alone, PENDING rows whose worker the executor reports ended fail with NEVER_STARTED,
// abandoned cancels are completed, counters are reconciled with the rows, and finished jobs get
// their final status. The executor's answer (`neverStarted`) is given here as the test's own.

function newJob(repositories: string[]) {
  return sampleJob({ repositories, prompt: undefined, command: 'true' });
}

describe('sweeper', () => {
  const db = useTestStore({ each: false });

  it('fails a stale RUNNING row with WORKER_LOST and finishes the job', async () => {
    const job = newJob(['acme/lost', 'acme/done']);
    await db.store.createJob(toNewJob(job));
    const past = new Date(Date.now() - 60_000).toISOString();
    assert.ok(await db.store.claim(job.jobId, 'acme/lost', 1, past));
    assert.ok(await db.store.claim(job.jobId, 'acme/done', 1, past));
    await db.store.transitionRepository(job.jobId, 'acme/done', { from: ['RUNNING'], to: 'COMPLETED', attempt: 1 });

    // Nothing is stale yet: the sweep leaves the live row alone.
    let report = await sweep(db.store, { staleAfterMs: 5 * 60_000 });
    assert.deepEqual(report.lost, []);
    assert.equal((await db.store.repositories.get(job.jobId, 'acme/lost'))!.status, 'RUNNING');

    report = await sweep(db.store, { staleAfterMs: 5 * 60_000, now: Date.now() + 10 * 60_000 });
    assert.deepEqual(report.lost, [{ jobId: job.jobId, repositoryName: 'acme/lost' }]);
    assert.deepEqual(report.finished, [job.jobId]);
    const row = (await db.store.repositories.get(job.jobId, 'acme/lost'))!;
    assert.equal(row.status, 'FAILED');
    assert.equal(row.error?.code, 'WORKER_LOST');
    const after = (await db.store.jobs.get(job.jobId))!;
    assert.equal(after.status, 'COMPLETED_WITH_ERRORS');
    assert.ok(after.finishedAt);
    assert.deepEqual(
      { ...after.counts },
      { total: 2, pending: 0, running: 0, completed: 1, noChanges: 0, failed: 1, cancelled: 0 },
    );
  });

  it('does not fail a row whose worker beat after the sweep read it', async () => {
    const job = newJob(['acme/alive']);
    await db.store.createJob(toNewJob(job));
    assert.ok(await db.store.claim(job.jobId, 'acme/alive', 1, new Date().toISOString()));
    const outcome = await db.store.transitionRepository(job.jobId, 'acme/alive', {
      from: ['RUNNING'],
      to: 'FAILED',
      attempt: 1,
      heartbeatBefore: new Date(Date.now() - 60_000).toISOString(),
    });
    assert.equal(outcome, undefined);
    assert.equal((await db.store.repositories.get(job.jobId, 'acme/alive'))!.status, 'RUNNING');
  });

  it('reconciles counters a crash left off and finalizes the job', async () => {
    const job = newJob(['acme/x']);
    await db.store.createJob(toNewJob(job));
    await db.store.claim(job.jobId, 'acme/x', 1, new Date(0).toISOString());
    // The row moved but the crash came before its counter did.
    await db.store.repositories.update(job.jobId, 'acme/x', { from: ['RUNNING'], to: 'NO_CHANGES' });
    await sweep(db.store, { staleAfterMs: 60_000 });
    const after = (await db.store.jobs.get(job.jobId))!;
    assert.equal(after.status, 'COMPLETED');
    assert.deepEqual(
      { ...after.counts },
      { total: 1, pending: 0, running: 0, completed: 0, noChanges: 1, failed: 0, cancelled: 0 },
    );
  });
  /** A job whose run went to an executor (`executorRef`), with some rows already moved on. */
  async function submittedJob(repositories: string[], executorRef = 'batch-run-1'): Promise<Job> {
    const job = newJob(repositories);
    await db.store.createJob(toNewJob(job));
    await db.store.jobs.setAttributes(job.jobId, { executorRef });
    return (await db.store.jobs.get(job.jobId))!;
  }

  it('fails PENDING rows whose worker ended without running them with NEVER_STARTED, and finishes the job', async () => {
    const job = await submittedJob(['acme/ran', 'acme/running', 'acme/pull-error', 'acme/waiting']);
    const past = new Date(Date.now() - 60_000).toISOString();
    assert.ok(await db.store.claim(job.jobId, 'acme/ran', 1, past));
    await db.store.transitionRepository(job.jobId, 'acme/ran', { from: ['RUNNING'], to: 'COMPLETED', attempt: 1 });
    assert.ok(await db.store.claim(job.jobId, 'acme/running', 1, past));
    const asked: string[] = [];
    const neverStarted = async (candidate: Job): Promise<NeverStarted[]> => {
      asked.push(`${candidate.jobId} ${candidate.executorRef}`);
      // What the executor says ended: the finished worker, the one still running (its row is
      // RUNNING, so it ran) and the one that could not pull its image.
      return [
        { repositoryName: 'acme/ran', reason: 'child 0 ended SUCCEEDED' },
        { repositoryName: 'acme/running', reason: 'child 1 ended FAILED' },
        {
          repositoryName: 'acme/pull-error',
          reason:
            'AWS Batch job batch-run-1:2 ended FAILED (CannotPullContainerError: no such image) without running this repository',
        },
      ];
    };

    const report = await sweep(db.store, { staleAfterMs: 5 * 60_000, neverStarted });
    assert.deepEqual(asked, [`${job.jobId} batch-run-1`]);
    assert.deepEqual(report.neverStarted, [{ jobId: job.jobId, repositoryName: 'acme/pull-error' }]);
    const rows = new Map((await db.store.repositories.listAll(job.jobId)).map((row) => [row.repositoryName, row]));
    assert.equal(rows.get('acme/ran')!.status, 'COMPLETED');
    assert.equal(rows.get('acme/running')!.status, 'RUNNING', 'a row a worker claimed is the heartbeat’s business');
    assert.equal(rows.get('acme/waiting')!.status, 'PENDING', 'a worker that has not ended may still run it');
    const failed = rows.get('acme/pull-error')!;
    assert.equal(failed.status, 'FAILED');
    assert.deepEqual(failed.error, {
      code: 'NEVER_STARTED',
      message:
        'AWS Batch job batch-run-1:2 ended FAILED (CannotPullContainerError: no such image) without running this repository; retry to run it again',
    });
    assert.ok(failed.finishedAt);
    assert.equal((await db.store.jobs.get(job.jobId))!.status, 'RUNNING');

    // Once every worker has ended, the job gets its final status.
    await db.store.transitionRepository(job.jobId, 'acme/running', { from: ['RUNNING'], to: 'COMPLETED', attempt: 1 });
    const all = async () =>
      (await db.store.repositories.listAll(job.jobId)).map(({ repositoryName }) => ({
        repositoryName,
        reason: 'the array ended FAILED',
      }));
    const ended = await all();
    const final = await sweep(db.store, { staleAfterMs: 5 * 60_000, neverStarted: async () => ended });
    assert.deepEqual(final.neverStarted, [{ jobId: job.jobId, repositoryName: 'acme/waiting' }]);
    assert.ok(final.finished.includes(job.jobId));
    const after = (await db.store.jobs.get(job.jobId))!;
    assert.equal(after.status, 'COMPLETED_WITH_ERRORS');
    assert.deepEqual(
      { ...after.counts },
      { total: 4, pending: 0, running: 0, completed: 2, noChanges: 0, failed: 2, cancelled: 0 },
    );
  });

  it('asks the executor only about active runs with repositories pending', async () => {
    const running = await submittedJob(['acme/one']);
    assert.ok(await db.store.claim(running.jobId, 'acme/one', 1, new Date().toISOString()));
    const cancelling = await submittedJob(['acme/two']);
    await db.store.requestCancel(cancelling.jobId, 'local');
    const asked: string[] = [];
    await sweep(db.store, {
      staleAfterMs: 5 * 60_000,
      neverStarted: async (job) => {
        asked.push(job.jobId);
        return [];
      },
    });
    assert.ok(!asked.includes(running.jobId), 'nothing pending');
    assert.ok(!asked.includes(cancelling.jobId), 'cancelling');
  });

  it('leaves the rows of a retry alone when the run the executor was asked about has been replaced', async () => {
    const job = await submittedJob(['acme/again']);
    const neverStarted = async (): Promise<NeverStarted[]> => {
      // Between the question and the sweep's writes, a retry sends a new run to the executor.
      await db.store.jobs.setAttributes(job.jobId, { executorRef: 'batch-run-2' });
      return [{ repositoryName: 'acme/again', reason: 'batch-run-1 ended FAILED' }];
    };
    const report = await sweep(db.store, { staleAfterMs: 5 * 60_000, neverStarted });
    assert.deepEqual(
      report.neverStarted.filter((row) => row.jobId === job.jobId),
      [],
    );
    assert.equal((await db.store.repositories.get(job.jobId, 'acme/again'))!.status, 'PENDING');
  });

  it('completes a cancel whose API call died half-way, and leaves a fresh one to its caller', async () => {
    const abandoned = await submittedJob(['acme/a', 'acme/b']);
    assert.ok(await db.store.claim(abandoned.jobId, 'acme/a', 1, new Date().toISOString()));
    await db.store.requestCancel(abandoned.jobId, 'local');
    const fresh = await submittedJob(['acme/c']);
    await db.store.requestCancel(fresh.jobId, 'local');

    const report = await sweep(db.store, {
      staleAfterMs: 5 * 60_000,
      now: Date.now() + 3 * 60_000,
      cancelAbandonedAfterMs: 2 * 60_000,
    });
    assert.ok(report.cancelled.includes(abandoned.jobId));
    assert.ok(report.cancelled.includes(fresh.jobId), 'three minutes on, the fresh one is abandoned too');

    const later = await submittedJob(['acme/d']);
    await db.store.requestCancel(later.jobId, 'local');
    const now = await sweep(db.store, { staleAfterMs: 5 * 60_000 });
    assert.ok(!now.cancelled.includes(later.jobId), 'a cancel in progress is left to the API call making it');
    assert.equal((await db.store.jobs.get(later.jobId))!.status, 'CANCELLING');

    const after = (await db.store.jobs.get(abandoned.jobId))!;
    assert.equal(after.status, 'CANCELLED');
    assert.deepEqual(
      { ...after.counts },
      { total: 2, pending: 0, running: 0, completed: 0, noChanges: 0, failed: 0, cancelled: 2 },
    );
    assert.equal((await db.store.repositories.get(abandoned.jobId, 'acme/a'))!.error?.code, 'CANCELLED');
  });

  it('sweeps the other jobs when the executor cannot answer for one, and reports it', async () => {
    const broken = await submittedJob(['acme/x'], 'batch-broken');
    const fine = await submittedJob(['acme/y'], 'batch-fine');
    const report = await sweep(db.store, {
      staleAfterMs: 5 * 60_000,
      neverStarted: async (job) => {
        if (job.executorRef === 'batch-broken') throw new Error('Rate exceeded');
        return (await db.store.runNames(job)).map((repositoryName) => ({ repositoryName, reason: 'ended' }));
      },
    });
    assert.deepEqual(
      report.errors.filter((error) => error.jobId === broken.jobId),
      [{ jobId: broken.jobId, message: 'Rate exceeded' }],
    );
    assert.ok(report.neverStarted.some((row) => row.jobId === fine.jobId));
    assert.equal((await db.store.jobs.get(fine.jobId))!.status, 'FAILED');
    assert.equal((await db.store.repositories.get(broken.jobId, 'acme/x'))!.status, 'PENDING');
  });
});
