import assert from 'node:assert/strict';
import { useTestStore } from '../../test/helpers/testStore';
import { newJob, sampleJob } from '../../test/helpers/jobs';
import { startThrottlingDynamoProxy } from '../../test/fakes/throttlingDynamoProxy';
import { Store } from './store';
import { InvalidTokenError } from './pagination';
import { jobItemBytes, MAX_JOB_ITEM_BYTES } from './jobs';
import type { Job } from '../../common/schemas';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';

const LONG_AGO = '2000-01-01T00:00:00.000Z';
const FUTURE = '2999-01-01T00:00:00.000Z';

function repositoryNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `acme/repo-${String(i).padStart(4, '0')}`);
}

/** What a worker does at the end of a run, through the store's own lifecycle call. */
function finish(store: Store, job: Job, name: string, to: 'COMPLETED' | 'NO_CHANGES' | 'FAILED', attempt = 1) {
  return store.transitionRepository(job.jobId, name, {
    from: ['RUNNING'],
    to,
    attempt,
    set: {
      finishedAt: new Date().toISOString(),
      ...(to === 'FAILED' ? { error: { code: 'COMMAND_FAILED', message: 'exit 1' } } : {}),
    },
  });
}

async function assertCountsMatchRows(store: Store, jobId: string): Promise<Job> {
  const job = (await store.jobs.get(jobId))!;
  const rows = await store.repositories.listAll(jobId);
  const tally = { pending: 0, running: 0, completed: 0, noChanges: 0, failed: 0, cancelled: 0 };
  const key = {
    PENDING: 'pending',
    RUNNING: 'running',
    COMPLETED: 'completed',
    NO_CHANGES: 'noChanges',
    FAILED: 'failed',
    CANCELLED: 'cancelled',
  } as const;
  for (const row of rows) tally[key[row.status]]++;
  assert.deepEqual(
    { ...job.counts, total: undefined },
    { ...tally, total: undefined },
    `counters of ${jobId} disagree with its rows`,
  );
  assert.equal(job.counts.total, rows.length);
  return job;
}

describe('Store (DynamoDB on dynalite)', () => {
  const db = useTestStore();

  it('creates a job with all of its repository rows, in chunks of 25', async () => {
    const job = sampleJob({ repositories: repositoryNames(60) });
    await db.store.createJob(newJob(job));
    const rows = await db.store.repositories.listAll(job.jobId);
    assert.equal(rows.length, 60);
    assert.ok(rows.every((row) => row.status === 'PENDING' && row.attempt === 1));
    assert.deepEqual((await db.store.jobs.get(job.jobId))?.counts.pending, 60);
  });

  it('keeps the run out of the job item, in chunks a reader pages and checks against their digests', async function () {
    // 2,001 rows written, moved and deleted on dynalite: long when the suite runs in parallel on a busy
    // machine. 2,001 is the fewest that make three chunks (a first, a middle one to tamper with, a partial last).
    this.timeout(120_000);
    const names = repositoryNames(2_001);
    const job = await db.store.createJob(newJob(sampleJob({ repositories: names })));
    assert.equal(job.run.size, 2_001);
    assert.equal(job.run.digests.length, 3, 'chunks of 1,000 names');
    assert.ok(jobItemBytes(job) < 2_000, 'the names are not in the job item');
    assert.equal((await db.store.repositories.listAll(job.jobId)).length, 2_001, 'rows only: no chunk reads as a row');
    assert.deepEqual(await db.store.runNames(job, 998, 1_003), names.slice(998, 1_003), 'across a chunk boundary');
    // A chunk changed in the table (by someone holding its credentials) fails its digest.
    await db.store.repositories.putItems([
      {
        jobId: job.jobId,
        repositoryName: `#list/${job.run.id}/00001`,
        names: ['evil/one', ...names.slice(1_001, 2_000)],
      },
    ]);
    await assert.rejects(
      new Store(db.store.doc, db.store.tables).runNames(job, 1_000, 1_001),
      /does not match its digest/,
    );
    // Deleting the job takes its lists with its rows.
    await db.store.transitionRepositories(
      job.jobId,
      names.map((repositoryName) => ({ repositoryName, change: { from: ['PENDING'], to: 'CANCELLED' } })),
    );
    const final = (await db.store.jobs.get(job.jobId))!;
    assert.ok(await db.store.deleteJob(final, { deletePrefix: async () => undefined }));
    const left = await db.store.doc.send(
      new QueryCommand({
        TableName: db.store.tables.repositories,
        KeyConditionExpression: 'jobId = :jobId',
        ExpressionAttributeValues: { ':jobId': job.jobId },
      }),
    );
    assert.equal(left.Items?.length, 0);
  });

  it('refuses a job whose item would be over the limit, and writes nothing of it', async () => {
    const job = sampleJob({
      description: '€'.repeat(10_000),
      prompt: '€'.repeat(50_000),
      pullRequest: { body: '€'.repeat(60_000) },
    });
    await assert.rejects(db.store.createJob(newJob(job)), (error: Error) => error.name === 'JobTooLargeError');
    assert.equal(await db.store.jobs.get(job.jobId), undefined);
    assert.deepEqual(await db.store.repositories.listAll(job.jobId), []);
  });

  it('retries the writes DynamoDB leaves unprocessed until every row is stored', async () => {
    const proxy = await startThrottlingDynamoProxy(db.dynamo.endpoint, 7);
    try {
      const throttled = Store.connect({ endpoint: proxy.endpoint, tables: db.store.tables });
      const job = sampleJob({ repositories: repositoryNames(40) });
      await throttled.createJob(newJob(job));
      assert.equal((await db.store.repositories.listAll(job.jobId)).length, 40);
      // 40 rows at 7 accepted per call: at least ceil(25/7) + ceil(15/7) = 4 + 3 calls.
      assert.ok(proxy.batchWriteCalls() >= 7, `only ${proxy.batchWriteCalls()} BatchWriteItem calls`);
    } finally {
      await proxy.close();
    }
  });

  it('lets exactly one worker claim a row, and moves the job to RUNNING', async () => {
    const job = sampleJob();
    await db.store.createJob(newJob(job));
    const [first, second] = await Promise.all([
      db.store.claim(job.jobId, 'acme/widgets', 1, LONG_AGO),
      db.store.claim(job.jobId, 'acme/widgets', 1, LONG_AGO),
    ]);
    assert.equal([first, second].filter(Boolean).length, 1);
    const after = await assertCountsMatchRows(db.store, job.jobId);
    assert.equal(after.status, 'RUNNING');
    assert.ok(after.startedAt);
    assert.equal(after.counts.running, 1);
  });

  it("claims a row at its own attempt when none is named (a worker's first claim, no read before it), and nothing that is not claimable", async () => {
    const job = sampleJob({ repositories: ['acme/widgets', 'acme/gadgets'] });
    await db.store.createJob(newJob(job));
    // acme/widgets failed at attempt 1 and was retried: PENDING at attempt 2.
    await db.store.claim(job.jobId, 'acme/widgets', undefined, LONG_AGO);
    await db.store.transitionRepository(job.jobId, 'acme/widgets', { from: ['RUNNING'], to: 'FAILED', attempt: 1 });
    await db.store.repositories.update(job.jobId, 'acme/widgets', {
      from: ['FAILED'],
      to: 'PENDING',
      attempt: 1,
      incrementAttempt: true,
    });
    const claimed = await db.store.claim(job.jobId, 'acme/widgets', undefined, LONG_AGO);
    assert.equal(claimed?.attempt, 2);
    assert.equal(claimed?.status, 'RUNNING');
    // RUNNING with a fresh heartbeat: another worker's.
    assert.equal(await db.store.claim(job.jobId, 'acme/widgets', undefined, LONG_AGO), undefined);
    // Finished: nothing to claim.
    await db.store.claim(job.jobId, 'acme/gadgets', undefined, LONG_AGO);
    await db.store.transitionRepository(job.jobId, 'acme/gadgets', { from: ['RUNNING'], to: 'COMPLETED', attempt: 1 });
    assert.equal(await db.store.claim(job.jobId, 'acme/gadgets', undefined, new Date().toISOString()), undefined);
    assert.equal(await db.store.claim(job.jobId, 'acme/nowhere', undefined, LONG_AGO), undefined);
  });

  it('re-claims a RUNNING row of the same attempt only when its heartbeat is stale', async () => {
    const job = sampleJob();
    await db.store.createJob(newJob(job));
    await db.store.claim(job.jobId, 'acme/widgets', 1, LONG_AGO);
    assert.equal(
      await db.store.claim(job.jobId, 'acme/widgets', 1, LONG_AGO),
      undefined,
      'fresh heartbeat: not claimable',
    );
    assert.equal(
      await db.store.claim(job.jobId, 'acme/widgets', 2, FUTURE),
      undefined,
      'another attempt: not claimable',
    );
    assert.ok(await db.store.claim(job.jobId, 'acme/widgets', 1, FUTURE), 'stale heartbeat: claimable');
    assert.equal((await assertCountsMatchRows(db.store, job.jobId)).counts.running, 1);
  });

  it('finishes the job when its last repository finishes, with the status the results call for', async () => {
    const cases: [('COMPLETED' | 'NO_CHANGES' | 'FAILED')[], string][] = [
      [['COMPLETED', 'NO_CHANGES'], 'COMPLETED'],
      [['COMPLETED', 'FAILED'], 'COMPLETED_WITH_ERRORS'],
      [['FAILED', 'FAILED'], 'FAILED'],
    ];
    for (const [outcomes, expected] of cases) {
      const job = sampleJob();
      await db.store.createJob(newJob(job));
      for (const [i, name] of job.names.repositories.entries()) {
        await db.store.claim(job.jobId, name, 1, LONG_AGO);
        const result = await finish(db.store, job, name, outcomes[i]!);
        assert.equal(result?.job.status, i === job.names.repositories.length - 1 ? expected : 'RUNNING');
      }
      const final = await assertCountsMatchRows(db.store, job.jobId);
      assert.equal(final.status, expected);
      assert.ok(final.finishedAt);
    }
  });

  it('ignores a worker finishing a row it no longer owns', async () => {
    const job = sampleJob();
    await db.store.createJob(newJob(job));
    await db.store.claim(job.jobId, 'acme/widgets', 1, LONG_AGO);
    await db.store.requestCancel(job.jobId, 'local');
    await db.store.cancelUnfinished(job.jobId);
    assert.equal(await finish(db.store, job, 'acme/widgets', 'COMPLETED'), undefined);
    assert.equal(
      await db.store.repositories.heartbeat(job.jobId, 'acme/widgets', 1),
      false,
      'the heartbeat tells the worker to stop',
    );
    assert.equal((await assertCountsMatchRows(db.store, job.jobId)).status, 'CANCELLED');
  });

  it('ends a cancel whose earlier runner died between its rows and their counters: CANCELLED, counted from the rows', async () => {
    // A stack stopped mid-cancel (SIGTERM, a crash): its rows became CANCELLED, the job's counters
    // never heard. The next stack takes the cancel over; every row is already cancelled, so it moves
    // none, and waiting for someone else's counters would wait for ever.
    const job = sampleJob({ repositories: repositoryNames(2) });
    await db.store.createJob(newJob(job));
    await db.store.requestCancel(job.jobId, 'local');
    for (const name of job.names.repositories)
      await db.store.repositories.update(job.jobId, name, { from: ['PENDING'], to: 'CANCELLED' });
    assert.deepEqual(await db.store.cancelRows(job.jobId, job.names.repositories), [], 'the take-over moves none');
    const settled = await db.store.settleCancel(job.jobId, 2);
    assert.equal(settled.status, 'CANCELLED');
    assert.equal((await assertCountsMatchRows(db.store, job.jobId)).counts.cancelled, 2);
  });

  it('ends two concurrent cancels in one consistent CANCELLED state', async () => {
    const job = sampleJob({ repositories: repositoryNames(12) });
    await db.store.createJob(newJob(job));
    for (const name of job.names.repositories.slice(0, 4)) await db.store.claim(job.jobId, name, 1, LONG_AGO);
    const cancel = async () => {
      const outcome = await db.store.requestCancel(job.jobId, 'local');
      return outcome.ok ? db.store.cancelUnfinished(job.jobId) : outcome.job;
    };
    const [a, b] = await Promise.all([cancel(), cancel()]);
    const final = await assertCountsMatchRows(db.store, job.jobId);
    assert.equal(final.status, 'CANCELLED');
    assert.equal(final.counts.cancelled, 12);
    assert.equal(a?.status, 'CANCELLED');
    assert.equal(b?.status, 'CANCELLED');
    const again = await db.store.requestCancel(job.jobId, 'local');
    assert.equal(again.ok, false);
    assert.equal(!again.ok && again.code, 'JOB_FINAL');
  });

  it('ends a cancel racing a completion in one consistent state, whoever wins', async () => {
    for (let round = 0; round < 8; round++) {
      const job = sampleJob({ repositories: ['acme/a', 'acme/b'] });
      await db.store.createJob(newJob(job));
      await db.store.claim(job.jobId, 'acme/a', 1, LONG_AGO);
      await db.store.claim(job.jobId, 'acme/b', 1, LONG_AGO);
      await finish(db.store, job, 'acme/a', 'COMPLETED');
      const cancel = (async () => {
        await new Promise((resolve) => setTimeout(resolve, round % 3));
        const outcome = await db.store.requestCancel(job.jobId, 'local');
        if (outcome.ok) await db.store.cancelUnfinished(job.jobId);
        return outcome.ok;
      })();
      const completion = finish(db.store, job, 'acme/b', 'COMPLETED');
      const [cancelAccepted, completed] = await Promise.all([cancel, completion]);
      const final = await assertCountsMatchRows(db.store, job.jobId);
      const row = await db.store.repositories.get(job.jobId, 'acme/b');
      if (cancelAccepted) {
        assert.equal(final.status, 'CANCELLED');
      } else {
        assert.equal(final.status, 'COMPLETED', 'a cancel refused as too late means the job had completed');
      }
      assert.equal(row?.status, completed ? 'COMPLETED' : 'CANCELLED');
      assert.ok(final.finishedAt);
    }
  });

  it('retries the failed and cancelled repositories at the next attempt', async () => {
    const job = sampleJob({ repositories: ['acme/a', 'acme/b', 'acme/c'] });
    await db.store.createJob(newJob(job));
    for (const name of job.names.repositories) await db.store.claim(job.jobId, name, 1, LONG_AGO);
    await finish(db.store, job, 'acme/a', 'COMPLETED');
    await finish(db.store, job, 'acme/b', 'FAILED');
    await finish(db.store, job, 'acme/c', 'FAILED');
    assert.equal((await db.store.jobs.get(job.jobId))?.status, 'COMPLETED_WITH_ERRORS');
    await db.store.jobs.setAttributes(job.jobId, { executorRef: 'batch-run-1' });

    const outcome = await db.store.prepareRetry(job.jobId, 'local');
    assert.ok(outcome.ok);
    assert.deepEqual(await db.store.runNames(outcome.job), ['acme/b', 'acme/c']);
    assert.equal(outcome.job.status, 'RUNNING');
    assert.equal(outcome.job.finishedAt, undefined);
    assert.equal(outcome.job.executorRef, undefined, 'the ended run’s Batch job is not the new run’s');
    const retried = await db.store.repositories.get(job.jobId, 'acme/b');
    assert.equal(retried?.status, 'PENDING');
    assert.equal(retried?.attempt, 2);
    assert.equal(retried?.error, undefined);
    await assertCountsMatchRows(db.store, job.jobId);

    const whileRunning = await db.store.prepareRetry(job.jobId, 'local');
    assert.deepEqual(whileRunning, {
      ok: false,
      code: 'JOB_ACTIVE',
      message: `Job ${job.jobId} is RUNNING; retry it once it has finished`,
    });

    for (const name of ['acme/b', 'acme/c']) {
      await db.store.claim(job.jobId, name, 2, LONG_AGO);
      await finish(db.store, job, name, 'COMPLETED', 2);
    }
    assert.equal((await assertCountsMatchRows(db.store, job.jobId)).status, 'COMPLETED');
    const nothing = await db.store.prepareRetry(job.jobId, 'local');
    assert.equal(!nothing.ok && nothing.code, 'NOTHING_TO_RETRY');
  });

  it('retries only named repositories that failed, and lets one of two concurrent retries win', async () => {
    const job = sampleJob({ repositories: ['acme/a', 'acme/b'] });
    await db.store.createJob(newJob(job));
    for (const name of job.names.repositories) {
      await db.store.claim(job.jobId, name, 1, LONG_AGO);
      await finish(db.store, job, name, name === 'acme/a' ? 'COMPLETED' : 'FAILED');
    }
    const completedNamed = await db.store.prepareRetry(job.jobId, 'local', ['acme/a']);
    assert.equal(!completedNamed.ok && completedNamed.code, 'NOTHING_TO_RETRY');
    const unknown = await db.store.prepareRetry(job.jobId, 'local', ['acme/zzz']);
    assert.equal(!unknown.ok && unknown.code, 'VALIDATION_FAILED');
    const otherOwner = await db.store.prepareRetry(job.jobId, 'someone-else', ['acme/b']);
    assert.equal(!otherOwner.ok && otherOwner.code, 'NOT_FOUND');

    const [x, y] = await Promise.all([
      db.store.prepareRetry(job.jobId, 'local', ['acme/b']),
      db.store.prepareRetry(job.jobId, 'local', ['acme/b']),
    ]);
    assert.equal([x, y].filter((outcome) => outcome.ok).length, 1);
    const row = await db.store.repositories.get(job.jobId, 'acme/b');
    assert.equal(row?.attempt, 2, 'the losing retry did not bump the attempt again');
    await assertCountsMatchRows(db.store, job.jobId);
  });

  it('refuses a transition the status rules forbid, before writing anything', async () => {
    const job = sampleJob({ repositories: ['acme/a'] });
    await db.store.createJob(newJob(job));
    await db.store.claim(job.jobId, 'acme/a', 1, LONG_AGO);
    await finish(db.store, job, 'acme/a', 'COMPLETED');
    await assert.rejects(
      db.store.transitionRepository(job.jobId, 'acme/a', { from: ['COMPLETED'], to: 'RUNNING' }),
      /may not move from COMPLETED to RUNNING/,
    );
    assert.equal((await db.store.repositories.get(job.jobId, 'acme/a'))?.status, 'COMPLETED');
  });

  it('adds usage to the repository and to the job', async () => {
    const job = sampleJob();
    await db.store.createJob(newJob(job));
    const delta = { inputTokens: 100, outputTokens: 20, cacheReadTokens: 300, cacheWriteTokens: 50, costUsd: 0.0125 };
    await db.store.addUsage(job.jobId, 'acme/widgets', delta);
    await db.store.addUsage(job.jobId, 'acme/gadgets', delta);
    assert.deepEqual((await db.store.repositories.get(job.jobId, 'acme/widgets'))?.usage, delta);
    const usage = (await db.store.jobs.get(job.jobId))!.usage;
    assert.equal(usage.inputTokens, 200);
    assert.equal(usage.costUsd, 0.025);
  });

  it('reconciles counters a crash left off, and finishes the job', async () => {
    const job = sampleJob({ repositories: ['acme/a'] });
    await db.store.createJob(newJob(job));
    await db.store.claim(job.jobId, 'acme/a', 1, LONG_AGO);
    // A worker that died between its row write and its counter move:
    await db.store.repositories.update(job.jobId, 'acme/a', { from: ['RUNNING'], to: 'COMPLETED' });
    assert.equal((await db.store.jobs.get(job.jobId))?.counts.running, 1);
    const reconciled = await db.store.reconcile(job.jobId);
    assert.equal(reconciled.status, 'COMPLETED');
    await assertCountsMatchRows(db.store, job.jobId);
  });

  it('pages large jobs within DynamoDB’s 1 MB per query, without gaps', async () => {
    const repositories = Array.from(
      { length: 1000 },
      (_, i) => `a-rather-long-organisation-name/repository-${'x'.repeat(60)}-${i}`,
    );
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const job = sampleJob({
        repositories,
        prompt: 'p'.repeat(40_000),
        createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      });
      assert.ok(jobItemBytes(job) > 200_000 && jobItemBytes(job) <= MAX_JOB_ITEM_BYTES);
      await db.store.jobs.put(job);
      ids.unshift(job.jobId);
    }
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await db.store.jobs.listByOwner('local', 25, token);
      assert.ok(
        page.items.reduce((sum, job) => sum + jobItemBytes(job), 0) < 1_500_000,
        'a page stays far below Lambda’s 6 MB',
      );
      seen.push(...page.items.map((job) => job.jobId));
      token = page.nextToken;
    } while (token);
    assert.deepEqual(seen, ids);
  });

  it('lists an owner’s jobs newest first with opaque tokens that only that owner can use', async () => {
    const created: string[] = [];
    for (let i = 0; i < 7; i++) {
      const job = sampleJob({ createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() });
      await db.store.createJob(newJob(job));
      created.push(job.jobId);
    }
    await db.store.createJob(newJob(sampleJob({ owner: 'arn:aws:iam::123456789012:user/other' })));
    const first = await db.store.jobs.listByOwner('local', 3);
    assert.deepEqual(
      first.items.map((job) => job.jobId),
      created.slice(-3).reverse(),
    );
    assert.ok(first.nextToken);
    await assert.rejects(
      db.store.jobs.listByOwner('arn:aws:iam::123456789012:user/other', 3, first.nextToken),
      InvalidTokenError,
    );
    await assert.rejects(db.store.jobs.listByOwner('local', 3, 'not-a-token!'), InvalidTokenError);
    await assert.rejects(
      db.store.jobs.listByOwner('local', 3, Buffer.from('{"v":1,"k":{"a":"b"}}').toString('base64url')),
      InvalidTokenError,
    );
  });
});
