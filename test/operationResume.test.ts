import assert from 'node:assert/strict';
import type { ApiDependencies } from '../backend/api/context';
import { checkReview } from '../backend/api/custody';
import { runOperation } from '../backend/api/operations';
import { operationWorks } from '../backend/api/operationWorks';
import { reviewFrom } from '../backend/store/reviews';
import { Store } from '../backend/store/store';
import type { CodyBatchClient } from '../common/client';
import type { GroupReviewResponse, Operation } from '../common/schemas';
import { startDynamoProxy } from './fakes/dynamoProxy';
import type { FakePull } from './fakes/githubServer';
import { completeAllAsWorkers, jobWithPulls } from './helpers/pullRequests';
import { startWorld, type World } from './helpers/world';

// A bulk operation's runner that stops inside a batch (its process killed, or silent past its lease)
// leaves what it wrote of that batch without the counts it writes after. The next runner (the
// stack's start or sweep, the sweeper Lambda's invocation) does the batch again from the last
// progress it recorded; it must end the operation and the job as if no one had died: counts equal
// to the rows, each repository counted once, nothing done twice on the code host. Here the API runs
// in this process on dynalite; every request answers at once and hands its operation to a runner
// that never comes, whose leftovers the test writes through the store as that runner's code writes
// them; then the operation's runner is started again, as a sweep starts it.

const TOKEN = 'ghp_FAKEgithubTOKENforResumeTests01234567';
const API_TOKEN = 'api-token';
const PATCH = 'diff --git a/src/x.js b/src/x.js\n--- a/src/x.js\n+++ b/src/x.js\n@@ -1 +1 @@\n-old(1);\n+renewed(1);\n';
/** The runner that stopped: its lease runs out at once (`claim` with a lease of -1 ms). */
const DEAD = 'dead-runner:1:0';

describe('a bulk operation whose runner stopped inside a batch, ended by the next runner', function () {
  this.timeout(120_000);
  let world: World;
  let deps: ApiDependencies;
  let app: World['api']['app'];
  let client: CodyBatchClient;
  /** What the loopback GitHub does with a comment before it stores it (a test holds one there). */
  let beforeComment: ((pull: FakePull) => Promise<void>) | undefined;

  beforeEach(async () => {
    beforeComment = undefined;
    world = await startWorld({
      token: TOKEN,
      github: { beforeComment: async (pull) => beforeComment?.(pull) },
      api: {
        token: API_TOKEN,
        host: { writesAtOnce: 1, writeIntervalMs: 0 },
        // Each request answers at once with its operation, handed on to a runner that never comes.
        deps: { limits: { operationMomentMs: 0 }, background: { continueOperation: async () => undefined } },
      },
    });
    ({ deps, app, client } = world.api);
  });
  /** What a test started besides the world (a proxy). */
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    await world?.dispose();
  });

  /**
   * A runner on its own connection, whose first write that `picks` is held on its way to the
   * database until `release` (a runner gone silent, past its lease, inside a batch); `arrived` once held.
   */
  async function silentRunner(picks: (operation: string, request: Record<string, unknown>) => boolean) {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let arrived!: () => void;
    const holding = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    let waiting = true;
    const proxy = await startDynamoProxy(world.api.dynamoEndpoint, {
      turn: (operation, request) => {
        if (!waiting || !picks(operation, request)) return undefined;
        waiting = false;
        arrived();
        return { hold: held };
      },
    });
    closers.push(() => proxy.close());
    const store = Store.connect({ endpoint: proxy.endpoint, tables: deps.store.tables });
    return { deps: { ...deps, store }, arrived: holding, release };
  }

  /** An update of the jobs table whose expression has `part` (a counter write). */
  const jobWrite = (part: string) => (operation: string, request: Record<string, unknown>) =>
    operation === 'UpdateItem' &&
    request.TableName === deps.store.tables.jobs &&
    String(request.UpdateExpression).includes(part);

  /** The operation's counts as a client reads them. */
  const countsOf = (operation: Operation | undefined) =>
    operation && {
      status: operation.status,
      total: operation.total,
      done: operation.done,
      skipped: operation.skipped,
      failed: operation.failed,
      left: operation.left,
    };

  /** The runner that took the operation (`takeOver`: from the one that held it), whose lease then ran out. */
  const diedHolding = (jobId: string, operationId: string, takeOver = false) =>
    deps.store.operations
      .claim(jobId, operationId, DEAD, -1, takeOver)
      .then((claimed) => assert.ok(claimed, 'claimed'));

  it('a retry whose runner moved a batch of rows and died before counting it: every row counted moved once, the job RUNNING with its rows', async () => {
    const { store } = deps;
    const names = Array.from({ length: 450 }, (_, i) => `acme/r${String(i).padStart(3, '0')}`);
    const { jobId } = await client.createJob({ name: 'retried', command: 'true', repositories: names });
    const cancelling = await client.cancelJob(jobId);
    assert.equal(await runOperation(deps, operationWorks, jobId, cancelling.operation!.operationId), 'done');
    assert.equal((await client.getJob(jobId)).counts.cancelled, 450);

    const answer = await client.retryJob(jobId);
    assert.equal(answer.status, 'RUNNING');
    const { operationId } = answer.operation!;
    // Its runner read the first batch of the run and moved it back to PENDING, then died before the
    // write that counts the batch (and moves its cursor).
    const job = (await store.jobs.get(jobId))!;
    await diedHolding(jobId, operationId);
    const moved = await store.retryRows(job, await store.runNames(job, 0, 200), deps.keys.signer);
    assert.equal(moved.moved.length, 200);

    assert.equal(await runOperation(deps, operationWorks, jobId, operationId), 'done');
    const after = await client.getJob(jobId);
    assert.deepEqual(countsOf(after.operation), {
      status: 'done',
      total: 450,
      done: 450,
      skipped: 0,
      failed: 0,
      left: 0,
    });
    assert.equal(after.status, 'RUNNING');
    assert.deepEqual(after.counts, { ...after.counts, total: 450, pending: 450, cancelled: 0 });
    assert.equal(after.executorRef, 'idle', 'the workers were started, once the rows had moved');
    const rows = await store.repositories.listAll(jobId);
    assert.deepEqual(
      [...new Set(rows.map((row) => `${row.status} attempt ${row.attempt}`))],
      ['PENDING attempt 2'],
      'each row moved once',
    );
  });

  it('a retry half-way through its rows taken over by a cancel: the job ends CANCELLED, counted as its rows are', async () => {
    const { store } = deps;
    const names = Array.from({ length: 450 }, (_, i) => `acme/h${String(i).padStart(3, '0')}`);
    const { jobId } = await client.createJob({ name: 'retried, cancelled', command: 'true', repositories: names });
    assert.equal(
      await runOperation(deps, operationWorks, jobId, (await client.cancelJob(jobId)).operation!.operationId),
      'done',
    );
    const { operationId } = (await client.retryJob(jobId)).operation!;
    // Its runner has moved one batch back to PENDING (the job's counters say all 450 will be) when the
    // owner cancels: the cancel takes the job over and its runner stops at its next write.
    const job = (await store.jobs.get(jobId))!;
    await diedHolding(jobId, operationId);
    await store.retryRows(job, await store.runNames(job, 0, 200), deps.keys.signer);
    const cancel = (await client.cancelJob(jobId)).operation!;
    assert.equal(await runOperation(deps, operationWorks, jobId, cancel.operationId), 'done');
    assert.equal(await runOperation(deps, operationWorks, jobId, operationId), 'lost', 'the retry is over');
    const after = await client.getJob(jobId);
    assert.equal(after.status, 'CANCELLED');
    assert.deepEqual(after.counts, { ...after.counts, total: 450, pending: 0, running: 0, cancelled: 450 });
  });

  it('a revised continue whose runner moved a batch of rows and died before counting it: each row moved once, at the revision', async () => {
    const { store } = deps;
    const names = Array.from({ length: 250 }, (_, i) => `acme/s${String(i).padStart(3, '0')}`);
    const { jobId } = await client.createJob({
      name: 'sampled',
      command: 'true',
      repositories: names,
      sample: { size: 2 },
    });
    // Its sample ran as workers run it: SAMPLED, the rest waiting.
    const sample = await store.runNames((await store.jobs.get(jobId))!);
    for (const name of sample) {
      assert.ok(await store.claim(jobId, name, 1, '2000-01-01T00:00:00Z'));
      await store.transitionRepository(jobId, name, { from: ['RUNNING'], to: 'NO_CHANGES', attempt: 1 });
    }
    assert.equal((await client.getJob(jobId)).status, 'SAMPLED');

    const answer = await client.continueJob(jobId, { command: 'echo two' });
    assert.equal(answer.status, 'RUNNING');
    const { operationId } = answer.operation!;
    const job = (await store.jobs.get(jobId))!;
    await diedHolding(jobId, operationId);
    const revision = job.taskRevisions!.at(-1)!;
    const moved = await store.continueRows(job, revision, await store.runNames(job, 0, 200), deps.keys.signer);
    assert.equal(moved.moved.length, 200);

    assert.equal(await runOperation(deps, operationWorks, jobId, operationId), 'done');
    const after = await client.getJob(jobId);
    assert.deepEqual(countsOf(after.operation), {
      status: 'done',
      total: 250,
      done: 250,
      skipped: 0,
      failed: 0,
      left: 0,
    });
    assert.deepEqual(after.counts, { ...after.counts, total: 250, pending: 250, noChanges: 0 });
    const rows = await store.repositories.listAll(jobId);
    assert.ok(rows.every((row) => row.status === 'PENDING' && row.taskRevision === 2));
    assert.deepEqual(
      rows
        .filter((row) => row.attempt !== 1)
        .map((row) => `${row.repositoryName} ${row.attempt}`)
        .sort(),
      sample.map((name) => `${name} 2`).sort(),
      'the sample runs again once, at its next attempt',
    );
  });

  /** A job of 300 rows COMPLETED with one change, and the approval of that group, answered with its operation. */
  async function groupApproval() {
    const { store, artifacts } = deps;
    const names = Array.from({ length: 300 }, (_, i) => `acme/g${String(i).padStart(3, '0')}`);
    const created = await client.createJob({ name: 'group', command: 'true', repositories: names });
    await completeAllAsWorkers({ store, artifacts }, created, PATCH);
    const { groups } = await client.getChanges(created.jobId);
    assert.equal(groups.length, 1);
    const group = groups[0]!;
    const members = group.repositories.map((repositoryName) => ({
      repositoryName,
      digest: group.digests![repositoryName]!,
    }));
    const response = await app.request(`/jobs/${created.jobId}/changes/${group.fingerprint}/review`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'approved', members }),
    });
    assert.equal(response.status, 202);
    const { operationId } = ((await response.json()) as GroupReviewResponse).operation!;
    return { names, created, members, operationId };
  }

  it('a group approval whose runner reviewed a batch and died before counting it: the job counts every approval', async () => {
    const { store } = deps;
    const { names, created, members, operationId } = await groupApproval();

    // Its runner wrote the reviews of its first batch of 200, each as its code writes one (signed for
    // the digest shown, conditional on the attempt and revision), and died before the counters' write.
    await diedHolding(created.jobId, operationId);
    const reviewedAt = new Date().toISOString();
    const digests = new Map(members.map((member) => [member.repositoryName, member.digest]));
    for (const row of await store.repositories.getMany(created.jobId, names.slice(0, 200))) {
      const checked = await checkReview(
        deps,
        row,
        { state: 'approved', attempt: row.attempt, digest: digests.get(row.repositoryName) },
        { storedBytes: false },
      );
      const review = reviewFrom({ state: 'approved' }, row.attempt, reviewedAt, checked.approval);
      assert.ok(
        await store.repositories.setReview(created.jobId, row.repositoryName, review, {
          attempt: row.attempt,
          statuses: ['COMPLETED'],
          patchRevision: 0,
        }),
      );
    }

    assert.equal(await runOperation(deps, operationWorks, created.jobId, operationId), 'done');
    const after = await client.getJob(created.jobId);
    assert.deepEqual(countsOf(after.operation), {
      status: 'done',
      total: 300,
      done: 300,
      skipped: 0,
      failed: 0,
      left: 0,
    });
    const rows = await store.repositories.listAll(created.jobId);
    assert.equal(rows.filter((row) => row.review?.state === 'approved' && row.review.signature).length, 300);
    assert.deepEqual(after.reviewCounts, { unreviewed: 0, approved: 300, rejected: 0 }, 'counted as the rows are');
  });

  it('a group approval whose runner went silent past its lease between a batch’s reviews and their count: its late count is not added to its successor’s', async () => {
    const { created, operationId } = await groupApproval();
    const silent = await silentRunner(jobWrite('reviewCounts.'));
    const slow = runOperation(silent.deps, operationWorks, created.jobId, operationId);
    await silent.arrived;
    // Its lease ran out; the next runner took the operation and ended it, counting from the rows.
    await diedHolding(created.jobId, operationId, true);
    assert.equal(await runOperation(deps, operationWorks, created.jobId, operationId), 'done');
    assert.deepEqual((await client.getJob(created.jobId)).reviewCounts, { unreviewed: 0, approved: 300, rejected: 0 });
    silent.release();
    assert.equal(await slow, 'lost');
    assert.deepEqual(
      (await client.getJob(created.jobId)).reviewCounts,
      { unreviewed: 0, approved: 300, rejected: 0 },
      'the first batch counted once',
    );
  });

  it('a cancel whose runner went silent past its lease between a batch’s rows and their count: its late count is not added to its successor’s', async () => {
    const names = Array.from({ length: 450 }, (_, i) => `acme/x${String(i).padStart(3, '0')}`);
    const { jobId } = await client.createJob({ name: 'cancelled', command: 'true', repositories: names });
    const { operationId } = (await client.cancelJob(jobId)).operation!;
    const silent = await silentRunner(jobWrite('ADD counts.'));
    const slow = runOperation(silent.deps, operationWorks, jobId, operationId);
    await silent.arrived;
    await diedHolding(jobId, operationId, true);
    assert.equal(await runOperation(deps, operationWorks, jobId, operationId), 'done');
    silent.release();
    assert.equal(await slow, 'lost');
    const after = await client.getJob(jobId);
    assert.equal(after.status, 'CANCELLED');
    assert.deepEqual(after.counts, { ...after.counts, total: 450, pending: 0, running: 0, cancelled: 450 });
    const rows = await deps.store.repositories.listAll(jobId);
    assert.equal(rows.filter((row) => row.status === 'CANCELLED').length, 450);
  });

  it('a cancel taken over by a second cancel while its count was on its way: that count still lands, the job ends CANCELLED', async () => {
    const names = Array.from({ length: 450 }, (_, i) => `acme/y${String(i).padStart(3, '0')}`);
    const { jobId } = await client.createJob({ name: 'cancelled twice', command: 'true', repositories: names });
    const { operationId } = (await client.cancelJob(jobId)).operation!;
    const silent = await silentRunner(jobWrite('ADD counts.'));
    const first = runOperation(silent.deps, operationWorks, jobId, operationId);
    await silent.arrived;
    // A second cancel takes the job over: its operation reads the rows still unfinished, the first
    // batch's no longer among them.
    const again = (await client.cancelJob(jobId)).operation!;
    assert.notEqual(again.operationId, operationId);
    assert.equal(await runOperation(deps, operationWorks, jobId, again.operationId), 'done');
    silent.release();
    assert.equal(await first, 'lost');
    const after = await client.getJob(jobId);
    assert.equal(after.status, 'CANCELLED');
    assert.deepEqual(after.counts, { ...after.counts, total: 450, pending: 0, running: 0, cancelled: 450 });
  });

  it('a comment whose runner lost its lease inside a batch (a slow host) stops commenting; the next runner comments on each pull request once', async () => {
    const { job, pulls } = await jobWithPulls(
      { client, store: deps.store, artifacts: deps.artifacts, github: world.github },
      Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`acme/c${i}`, {}])),
    );
    const answer = await client.pullRequestAction(job.jobId, 'comment', { body: 'Heads up: this merges Friday.' });
    const { operationId } = answer.operation!;
    // The first comment is held on its way; meanwhile the lease runs out and another runner takes the
    // operation (what a sweep does with a runner gone silent for 30 s).
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let arrived!: () => void;
    const first = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    beforeComment = async () => {
      beforeComment = undefined;
      arrived();
      await held;
    };
    const slow = runOperation(deps, operationWorks, job.jobId, operationId);
    await first;
    await diedHolding(job.jobId, operationId, true);
    release();
    assert.equal(await slow, 'lost', 'the slow runner learns it lost the operation');
    assert.ok(
      pulls.filter((pull) => pull.comments.length > 0).length <= 1,
      `a runner that lost its lease posts no more comments (${pulls.map((pull) => pull.comments.length).join(', ')})`,
    );

    // The runner that took it over died in its turn: the next one does the batch again.
    assert.equal(await runOperation(deps, operationWorks, job.jobId, operationId), 'done');
    assert.deepEqual(
      pulls.map((pull) => pull.comments.length),
      [1, 1, 1, 1],
      'each pull request commented on once',
    );
    const { operation, results } = await client.followOperation(job.jobId, operationId, { intervalMs: 50 });
    assert.deepEqual(countsOf(operation), { status: 'done', total: 4, done: 4, skipped: 0, failed: 0, left: 0 });
    assert.deepEqual(results.map((result) => `${result.repositoryName} ${result.outcome}`).sort(), [
      'acme/c0 done',
      'acme/c1 done',
      'acme/c2 done',
      'acme/c3 done',
    ]);
  });
});
