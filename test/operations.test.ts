import assert from 'node:assert/strict';
import path from 'node:path';
import type { OperationStep } from '../common/client';
import { afterOperation } from '../common/operationProgress';
import type { ChangeGroup } from '../common/schemas';
import { FolderArtifactStore } from '../backend/store/artifacts';
import type { FakePull } from './fakes/githubServer';
import { waitFor } from './helpers/jobs';
import { cancelledJobWithPlantedRow, stackStore } from './helpers/localStack';
import { useWorld } from './helpers/world';
import { completeAllAsWorkers, jobWithPulls } from './helpers/pullRequests';

// Bulk work out of the request, on the real local stack: with CODY_BATCH_OPERATION_MOMENT_MS=0 every
// retry, cancel, group review and pull-request action answers at once with its operation, which
// goes on in the stack's process; clients follow it (common/client.ts). A stack killed in the
// middle of one picks it up where it was at its next start: every pull request is merged once.

const TOKEN = 'ghp_FAKEgithubTOKENforOperationTests012345';
const PATCH = 'diff --git a/src/x.js b/src/x.js\n--- a/src/x.js\n+++ b/src/x.js\n@@ -1 +1 @@\n-old(1);\n+renewed(1);\n';

describe('bulk operations on the local stack: answered at once, done after, picked up after a crash', function () {
  this.timeout(240_000);
  const world = useWorld({
    token: TOKEN,
    github: {},
    gitHttp: false,
    stack: {
      concurrency: 0,
      env: {
        CODY_BATCH_OPERATION_MOMENT_MS: '0',
        CODY_BATCH_GIT_BASE: 'https://git.example/{owner}/{name}.git',
        // GitHub Enterprise's pace, slowed: a merge of six takes seconds, long enough to stop the stack in.
        CODY_BATCH_GITHUB_WRITES_AT_ONCE: '1',
        CODY_BATCH_GITHUB_WRITE_INTERVAL_MS: '600',
      },
    },
  });

  /** A job of 300 rows (`acme/{prefix}000`...), each COMPLETED with the same change: one change group. */
  const completedGroup = async (prefix: string, name: string) => {
    const { stack } = world;
    const names = Array.from({ length: 300 }, (_, i) => `acme/${prefix}${String(i).padStart(3, '0')}`);
    const job = await stack.client.createJob({ name, command: 'true', repositories: names });
    const artifacts = new FolderArtifactStore(path.join(stack.home, 'artifacts'));
    await completeAllAsWorkers({ store: stackStore(stack), artifacts, home: stack.home }, job, PATCH);
    const { groups } = await stack.client.getChanges(job.jobId);
    return { names, job, artifacts, groups };
  };

  it('a cancel of 1,001 rows answers CANCELLING with its operation; a retry answers RUNNING with its own; both end', async () => {
    // 1,001: one over the rows a cancel's or a retry's request reads itself (INLINE_PREPARE_ROWS,
    // backend/api/rowOperations.ts), so both read them in their operation; still six batches of
    // 200 and two chunks of the run's name list (1,000 a chunk). 2,000 went down the same paths.
    const ROWS = 1_001;
    const names = Array.from({ length: ROWS }, (_, i) => `acme/r${String(i).padStart(4, '0')}`);
    const job = await world.stack.client.createJob({ name: 'many', command: 'true', repositories: names });

    const cancelling = await world.stack.client.cancelJob(job.jobId);
    assert.equal(cancelling.status, 'CANCELLING');
    assert.equal(cancelling.operation?.kind, 'cancel');
    assert.equal(cancelling.operation?.status, 'running');
    const steps: OperationStep[] = [];
    const cancel = await world.stack.client.followOperation(job.jobId, cancelling.operation!.operationId, {
      intervalMs: 100,
      onProgress: (step) => steps.push(step),
    });
    assert.deepEqual([cancel.operation.status, cancel.operation.done, cancel.operation.left], ['done', ROWS, 0]);
    assert.ok(steps.length >= 1 && steps.at(-1)!.operation.status === 'done');
    const cancelled = await world.stack.client.getJob(job.jobId);
    assert.equal(cancelled.status, 'CANCELLED');
    assert.equal(cancelled.counts.cancelled, ROWS);

    // A job this large: the request checks what the job item says and answers; its operation reads the
    // rows, makes the job RUNNING with its new run, then moves them.
    const running = await world.stack.client.retryJob(job.jobId);
    assert.equal(running.status, 'CANCELLED', 'answered before its rows were read');
    assert.equal(running.operation?.kind, 'retry');
    assert.equal(running.operation?.status, 'running');
    // One operation at a time: another bulk request waits for it (a cancel would take it over).
    if (running.operation?.status === 'running')
      await assert.rejects(
        world.stack.client.pullRequestAction(job.jobId, 'comment', { body: 'x' }),
        /OPERATION_IN_PROGRESS|going on/,
      );
    const retry = await world.stack.client.followOperation(job.jobId, running.operation!.operationId, {
      intervalMs: 100,
    });
    assert.deepEqual([retry.operation.status, retry.operation.done], ['done', ROWS]);
    const after = await world.stack.client.getJob(job.jobId);
    assert.equal(after.status, 'RUNNING');
    assert.equal(after.counts.pending, ROWS);
    assert.equal(after.executorRef, 'local', 'the workers were started once the rows had moved');
    const pending = await world.stack.client.listRepositories(job.jobId, { status: 'PENDING', limit: 100 });
    assert.ok(pending.items.every((row) => row.attempt === 2));
    await world.stack.client
      .cancelJob(job.jobId)
      .then((again) =>
        again.operation
          ? world.stack.client.followOperation(job.jobId, again.operation.operationId, { intervalMs: 100 })
          : undefined,
      );
  });

  it('a retry of a large job whose one row’s task was written around the API ends UNVERIFIED_ROW: nothing moved', async () => {
    const job = await cancelledJobWithPlantedRow(world.stack);
    const answer = await world.stack.client.retryJob(job.jobId);
    assert.equal(answer.operation?.kind, 'retry');
    const { operation } = await world.stack.client.followOperation(job.jobId, answer.operation!.operationId, {
      intervalMs: 100,
    });
    assert.equal(operation.status, 'failed');
    assert.equal(operation.code, 'UNVERIFIED_ROW');
    assert.match(operation.message ?? '', /acme\/u0500/);
    // What the CLI's retry and the extension's follow: the operation's failure is a refusal, not a quiet end.
    await assert.rejects(
      afterOperation(world.stack.client, answer),
      (error: Error & { status?: number; code?: string }) =>
        error.status === 409 &&
        error.code === 'UNVERIFIED_ROW' &&
        /^The retry stopped: .*acme\/u0500/.test(error.message),
    );
    const after = await world.stack.client.getJob(job.jobId);
    assert.equal(after.status, 'CANCELLED', 'the job was not started');
    assert.equal(after.counts.cancelled, 1_001);
    const row = await world.stack.client.getRepository(job.jobId, 'acme/u0001');
    assert.equal(row.attempt, 1, 'no row moved');
  });

  it('a group review of 300 members goes on after the answer, and its results come as they settle', async () => {
    const { names, job, groups } = await completedGroup('g', 'group');
    assert.equal(groups.length, 1);
    const steps: OperationStep[] = [];
    const answer = await world.stack.client.reviewChangeGroup(
      job.jobId,
      groups[0]!.fingerprint,
      { state: 'approved', members: membersOf(groups[0]!) },
      { intervalMs: 100, onProgress: (step) => steps.push(step) },
    );
    assert.equal(answer.operation?.status, 'done');
    assert.equal(answer.operation?.done, 300);
    assert.equal(
      steps.reduce((sum, step) => sum + step.results.length, 0),
      300,
      'each member’s result once, as it came',
    );
    const reviewed = await world.stack.client.getJob(job.jobId);
    assert.deepEqual(reviewed.reviewCounts, { unreviewed: 0, approved: 300, rejected: 0 });
    const row = await world.stack.client.getRepository(job.jobId, names[7]!);
    assert.equal(row.review?.digest, groups[0]!.digests![names[7]!], 'each approval names the digest shown');
    assert.ok(row.review?.signature, 'and is signed by the API');
  });

  it('a group approval of 300 members whose one stored patch changed after it was shown is refused 409 PATCH_CHANGED by its request: none reviewed', async () => {
    const { job, artifacts, groups } = await completedGroup('t', 'tampered');
    // After the group was shown, one member's stored patch is replaced (its row still says the old digest).
    await artifacts.put(`jobs/${job.jobId}/acme/t250/diff.patch`, PATCH.replace('renewed(1)', 'renewed(2)'));
    await assert.rejects(
      world.stack.client.reviewChangeGroup(
        job.jobId,
        groups[0]!.fingerprint,
        { state: 'approved', members: membersOf(groups[0]!) },
        { intervalMs: 100 },
      ),
      (error: Error & { status?: number; code?: string }) =>
        error.status === 409 && error.code === 'PATCH_CHANGED' && /acme\/t250/.test(error.message),
    );
    const after = await world.stack.client.getJob(job.jobId);
    assert.deepEqual(after.reviewCounts, { unreviewed: 300, approved: 0, rejected: 0 });
    // The request hashed the stored patches before it answered: the 409 is its own, not an operation's failure.
    assert.equal(after.operation, undefined, 'no operation was started');
  });

  it('a merge picked up by the next stack after the first is killed in the middle merges each pull request once', async () => {
    const store = stackStore(world.stack);
    const artifacts = new FolderArtifactStore(path.join(world.stack.home, 'artifacts'));
    const passing = [{ name: 'ci', status: 'completed', conclusion: 'success' }];
    const { job, pulls } = await jobWithPulls(
      { client: world.stack.client, store, artifacts, github: world.github },
      Object.fromEntries(
        Array.from({ length: 6 }, (_, i) => [`acme/m${i}`, { checkRuns: passing as FakePull['checkRuns'] }]),
      ),
    );
    const answer = await world.stack.client.pullRequestAction(job.jobId, 'merge', { method: 'squash' });
    assert.ok(answer.operation, 'answered with the operation');
    const operationId = answer.operation.operationId;
    await waitFor('the first merge', async () => (pulls.some((pull) => pull.merged) ? true : undefined), 60_000, 50);
    await world.restartStack('SIGKILL');
    const { operation, results } = await world.stack.client.followOperation(job.jobId, operationId, {
      intervalMs: 200,
    });
    assert.equal(operation.status, 'done');
    assert.equal(operation.total, 6);
    assert.deepEqual(
      pulls.map((pull) => pull.merged),
      [true, true, true, true, true, true],
    );
    const mergeCalls = world.github.requests.filter(
      (request) => request.method === 'PUT' && /\/merge$/.test(request.path),
    );
    for (const pull of pulls)
      assert.equal(
        mergeCalls.filter((request) => request.path === `/repos/${pull.owner}/${pull.repo}/pulls/${pull.number}/merge`)
          .length,
        1,
        `${pull.repo} merged once`,
      );
    // The merge in flight when the stack died was done; the next stack found it merged.
    assert.ok(results.every((result) => result.outcome === 'done' || result.reason === 'already merged'));
    assert.equal((await world.stack.client.getJob(job.jobId)).pullRequestCounts?.merged, 6);
  });
});

/** A group's members as the reviewer was shown them, each with its digest. */
function membersOf(group: ChangeGroup) {
  return group.repositories.map((repositoryName) => ({ repositoryName, digest: group.digests![repositoryName]! }));
}
