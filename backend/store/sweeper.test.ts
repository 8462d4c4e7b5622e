import assert from 'node:assert/strict';
import { sampleJob } from '../../test/helpers/jobs';
import { startDynamo, type RunningDynamo } from '../local/dynamodb';
import { ensureTables } from './dynamo';
import { Store } from './store';
import { sweep } from './sweeper';
import { tableNamesFor } from './tables';

// The sweeper against a real dynalite: silent RUNNING rows fail with WORKER_LOST, live ones are
// left alone, counters are reconciled with the rows, and finished jobs get their final status.

function newJob(repositories: string[]) {
  return sampleJob({ repositories, prompt: undefined, command: 'true' });
}

describe('sweeper', () => {
  let dynamo: RunningDynamo;
  let store: Store;
  before(async () => {
    dynamo = await startDynamo({ hostname: '127.0.0.1', port: 0 });
    store = Store.connect({ endpoint: dynamo.endpoint, tables: tableNamesFor('test') });
    await ensureTables(store.doc, store.tables);
  });
  after(async () => {
    await dynamo?.close();
  });

  it('fails a stale RUNNING row with WORKER_LOST and finishes the job', async () => {
    const job = newJob(['acme/lost', 'acme/done']);
    await store.createJob(job);
    const past = new Date(Date.now() - 60_000).toISOString();
    assert.ok(await store.claim(job.jobId, 'acme/lost', 1, past));
    assert.ok(await store.claim(job.jobId, 'acme/done', 1, past));
    await store.transitionRepository(job.jobId, 'acme/done', { from: ['RUNNING'], to: 'COMPLETED', attempt: 1 });

    // Nothing is stale yet: the sweep leaves the live row alone.
    let report = await sweep(store, { staleAfterMs: 5 * 60_000 });
    assert.deepEqual(report.lost, []);
    assert.equal((await store.repositories.get(job.jobId, 'acme/lost'))!.status, 'RUNNING');

    report = await sweep(store, { staleAfterMs: 5 * 60_000, now: Date.now() + 10 * 60_000 });
    assert.deepEqual(report.lost, [{ jobId: job.jobId, repositoryName: 'acme/lost' }]);
    assert.deepEqual(report.finished, [job.jobId]);
    const row = (await store.repositories.get(job.jobId, 'acme/lost'))!;
    assert.equal(row.status, 'FAILED');
    assert.equal(row.error?.code, 'WORKER_LOST');
    const after = (await store.jobs.get(job.jobId))!;
    assert.equal(after.status, 'COMPLETED_WITH_ERRORS');
    assert.ok(after.finishedAt);
    assert.deepEqual({ ...after.counts }, { total: 2, pending: 0, running: 0, completed: 1, noChanges: 0, failed: 1, cancelled: 0 });
  });

  it('does not fail a row whose worker beat after the sweep read it', async () => {
    const job = newJob(['acme/alive']);
    await store.createJob(job);
    assert.ok(await store.claim(job.jobId, 'acme/alive', 1, new Date().toISOString()));
    const outcome = await store.transitionRepository(job.jobId, 'acme/alive', {
      from: ['RUNNING'],
      to: 'FAILED',
      attempt: 1,
      heartbeatBefore: new Date(Date.now() - 60_000).toISOString(),
    });
    assert.equal(outcome, undefined);
    assert.equal((await store.repositories.get(job.jobId, 'acme/alive'))!.status, 'RUNNING');
  });

  it('reconciles counters a crash left off and finalizes the job', async () => {
    const job = newJob(['acme/x']);
    await store.createJob(job);
    // The row moved but the crash came before its counter did.
    await store.repositories.update(job.jobId, 'acme/x', { from: ['PENDING'], to: 'NO_CHANGES' });
    await sweep(store, { staleAfterMs: 60_000 });
    const after = (await store.jobs.get(job.jobId))!;
    assert.equal(after.status, 'COMPLETED');
    assert.deepEqual({ ...after.counts }, { total: 1, pending: 0, running: 0, completed: 0, noChanges: 1, failed: 0, cancelled: 0 });
  });
});
