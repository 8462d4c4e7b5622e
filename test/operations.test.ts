import assert from 'node:assert/strict';
import path from 'node:path';
import type { OperationStep } from '../common/client';
import { fingerprintRecord } from '../common/fingerprint';
import type { ChangeGroup, Job, RepositoryResult } from '../common/schemas';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { FolderArtifactStore } from '../backend/store/artifacts';
import { startFakeGitHub, type FakeGitHub, type FakePull } from './fakes/githubServer';
import { waitFor } from './helpers/jobs';
import { stackStore, startStackProcess, type StackProcess } from './helpers/localStack';
import { stackKeys, workerResult } from './helpers/keys';
import { jobWithPulls } from './helpers/pullRequests';

// Bulk work out of the request, on the real local stack: with CODY_BATCH_OPERATION_MOMENT_MS=0 every
// retry, cancel, group review and pull-request action answers at once with its operation, which
// goes on in the stack's process; clients follow it (common/client.ts). A stack killed in the
// middle of one picks it up where it was at its next start: every pull request is merged once.

const TOKEN = 'ghp_FAKEgithubTOKENforOperationTests012345';
const PATCH = 'diff --git a/src/x.js b/src/x.js\n--- a/src/x.js\n+++ b/src/x.js\n@@ -1 +1 @@\n-old(1);\n+renewed(1);\n';

describe('bulk operations on the local stack: answered at once, done after, picked up after a crash', function () {
  this.timeout(240_000);
  let github: FakeGitHub;
  let stack: StackProcess;
  const env = () => ({
    CODY_BATCH_CONCURRENCY: '0',
    CODY_BATCH_OPERATION_MOMENT_MS: '0',
    CODY_BATCH_GIT_BASE: 'https://git.example/{owner}/{name}.git',
    GITHUB_API_URL: github.url,
    GITHUB_TOKEN: TOKEN,
    // GitHub Enterprise's pace, slowed: a merge of six takes seconds, long enough to stop the stack in.
    CODY_BATCH_GITHUB_WRITES_AT_ONCE: '1',
    CODY_BATCH_GITHUB_WRITE_INTERVAL_MS: '600',
  });

  before(async () => {
    github = await startFakeGitHub({ token: TOKEN });
    stack = await startStackProcess({ env: env() });
  });
  after(async () => {
    await stack?.dispose();
    await github?.close();
  });

  it('a cancel of 2,000 rows answers CANCELLING with its operation; a retry answers RUNNING with its own; both end', async () => {
    const names = Array.from({ length: 2_000 }, (_, i) => `acme/r${String(i).padStart(4, '0')}`);
    const job = await stack.client.createJob({ name: 'many', command: 'true', repositories: names });

    const cancelling = await stack.client.cancelJob(job.jobId);
    assert.equal(cancelling.status, 'CANCELLING');
    assert.equal(cancelling.operation?.kind, 'cancel');
    assert.equal(cancelling.operation?.status, 'running');
    const steps: OperationStep[] = [];
    const cancel = await stack.client.followOperation(job.jobId, cancelling.operation!.operationId, {
      intervalMs: 100,
      onProgress: (step) => steps.push(step),
    });
    assert.deepEqual([cancel.operation.status, cancel.operation.done, cancel.operation.left], ['done', 2_000, 0]);
    assert.ok(steps.length >= 1 && steps.at(-1)!.operation.status === 'done');
    const cancelled = await stack.client.getJob(job.jobId);
    assert.equal(cancelled.status, 'CANCELLED');
    assert.equal(cancelled.counts.cancelled, 2_000);

    // A job this large: the request checks what the job item says and answers; its operation reads the
    // rows, makes the job RUNNING with its new run, then moves them.
    const running = await stack.client.retryJob(job.jobId);
    assert.equal(running.status, 'CANCELLED', 'answered before its rows were read');
    assert.equal(running.operation?.kind, 'retry');
    assert.equal(running.operation?.status, 'running');
    // One operation at a time: another bulk request waits for it (a cancel would take it over).
    if (running.operation?.status === 'running')
      await assert.rejects(
        stack.client.pullRequestAction(job.jobId, 'comment', { body: 'x' }),
        /OPERATION_IN_PROGRESS|going on/,
      );
    const retry = await stack.client.followOperation(job.jobId, running.operation!.operationId, { intervalMs: 100 });
    assert.deepEqual([retry.operation.status, retry.operation.done], ['done', 2_000]);
    const after = await stack.client.getJob(job.jobId);
    assert.equal(after.status, 'RUNNING');
    assert.equal(after.counts.pending, 2_000);
    assert.equal(after.executorRef, 'local', 'the workers were started once the rows had moved');
    const pending = await stack.client.listRepositories(job.jobId, { status: 'PENDING', limit: 100 });
    assert.ok(pending.items.every((row) => row.attempt === 2));
    await stack.client
      .cancelJob(job.jobId)
      .then((again) =>
        again.operation
          ? stack.client.followOperation(job.jobId, again.operation.operationId, { intervalMs: 100 })
          : undefined,
      );
  });

  it('a retry of a large job whose one row’s task was written around the API ends UNVERIFIED_ROW: nothing moved', async () => {
    const names = Array.from({ length: 1_001 }, (_, i) => `acme/u${String(i).padStart(4, '0')}`);
    const job = await stack.client.createJob({ name: 'planted', command: 'true', repositories: names });
    const cancelling = await stack.client.cancelJob(job.jobId);
    if (cancelling.operation?.status === 'running')
      await stack.client.followOperation(job.jobId, cancelling.operation.operationId, { intervalMs: 100 });
    const store = stackStore(stack);
    await store.doc.send(
      new UpdateCommand({
        TableName: store.tables.repositories,
        Key: { jobId: job.jobId, repositoryName: 'acme/u0500' },
        // Its task revision, which its signature covers: the retry signs its task again, and may not.
        UpdateExpression: 'SET taskRevision = :planted',
        ExpressionAttributeValues: { ':planted': 2 },
      }),
    );
    const answer = await stack.client.retryJob(job.jobId);
    assert.equal(answer.operation?.kind, 'retry');
    const { operation } = await stack.client.followOperation(job.jobId, answer.operation!.operationId, {
      intervalMs: 100,
    });
    assert.equal(operation.status, 'failed');
    assert.equal(operation.code, 'UNVERIFIED_ROW');
    assert.match(operation.message ?? '', /acme\/u0500/);
    const after = await stack.client.getJob(job.jobId);
    assert.equal(after.status, 'CANCELLED', 'the job was not started');
    assert.equal(after.counts.cancelled, 1_001);
    const row = await stack.client.getRepository(job.jobId, 'acme/u0001');
    assert.equal(row.attempt, 1, 'no row moved');
  });

  it('a group review of 300 members goes on after the answer, and its results come as they settle', async () => {
    const names = Array.from({ length: 300 }, (_, i) => `acme/g${String(i).padStart(3, '0')}`);
    const job = await stack.client.createJob({ name: 'group', command: 'true', repositories: names });
    const store = stackStore(stack);
    const artifacts = new FolderArtifactStore(path.join(stack.home, 'artifacts'));
    await completeAll(store, artifacts, job, names, stack.home);
    const { groups } = await stack.client.getChanges(job.jobId);
    assert.equal(groups.length, 1);
    const steps: OperationStep[] = [];
    const answer = await stack.client.reviewChangeGroup(
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
    const reviewed = await stack.client.getJob(job.jobId);
    assert.deepEqual(reviewed.reviewCounts, { unreviewed: 0, approved: 300, rejected: 0 });
    const row = await stack.client.getRepository(job.jobId, names[7]!);
    assert.equal(row.review?.digest, groups[0]!.digests![names[7]!], 'each approval names the digest shown');
    assert.ok(row.review?.signature, 'and is signed by the API');
  });

  it('a group approval of 300 members whose one stored patch changed after it was shown is refused 409 PATCH_CHANGED by its request: none reviewed', async () => {
    const names = Array.from({ length: 300 }, (_, i) => `acme/t${String(i).padStart(3, '0')}`);
    const job = await stack.client.createJob({ name: 'tampered', command: 'true', repositories: names });
    const store = stackStore(stack);
    const artifacts = new FolderArtifactStore(path.join(stack.home, 'artifacts'));
    await completeAll(store, artifacts, job, names, stack.home);
    const { groups } = await stack.client.getChanges(job.jobId);
    // After the group was shown, one member's stored patch is replaced (its row still says the old digest).
    await artifacts.put(`jobs/${job.jobId}/acme/t250/diff.patch`, PATCH.replace('renewed(1)', 'renewed(2)'));
    await assert.rejects(
      stack.client.reviewChangeGroup(
        job.jobId,
        groups[0]!.fingerprint,
        { state: 'approved', members: membersOf(groups[0]!) },
        { intervalMs: 100 },
      ),
      (error: Error & { status?: number; code?: string }) =>
        error.status === 409 && error.code === 'PATCH_CHANGED' && /acme\/t250/.test(error.message),
    );
    const after = await stack.client.getJob(job.jobId);
    assert.deepEqual(after.reviewCounts, { unreviewed: 300, approved: 0, rejected: 0 });
    // The request hashed the stored patches before it answered: the 409 is its own, not an operation's failure.
    assert.equal(after.operation, undefined, 'no operation was started');
  });

  it('a merge picked up by the next stack after the first is killed in the middle merges each pull request once', async () => {
    const store = stackStore(stack);
    const artifacts = new FolderArtifactStore(path.join(stack.home, 'artifacts'));
    const passing = [{ name: 'ci', status: 'completed', conclusion: 'success' }];
    const { job, pulls } = await jobWithPulls(
      { client: stack.client, store, artifacts, github },
      Object.fromEntries(
        Array.from({ length: 6 }, (_, i) => [`acme/m${i}`, { checkRuns: passing as FakePull['checkRuns'] }]),
      ),
    );
    const answer = await stack.client.pullRequestAction(job.jobId, 'merge', { method: 'squash' });
    assert.ok(answer.operation, 'answered with the operation');
    const operationId = answer.operation.operationId;
    await waitFor('the first merge', async () => (pulls.some((pull) => pull.merged) ? true : undefined), 60_000, 50);
    const home = stack.home;
    await stack.stop('SIGKILL');
    stack = await startStackProcess({ home, env: env() });
    const { operation, results } = await stack.client.followOperation(job.jobId, operationId, { intervalMs: 200 });
    assert.equal(operation.status, 'done');
    assert.equal(operation.total, 6);
    assert.deepEqual(
      pulls.map((pull) => pull.merged),
      [true, true, true, true, true, true],
    );
    const mergeCalls = github.requests.filter((request) => request.method === 'PUT' && /\/merge$/.test(request.path));
    for (const pull of pulls)
      assert.equal(
        mergeCalls.filter((request) => request.path === `/repos/${pull.owner}/${pull.repo}/pulls/${pull.number}/merge`)
          .length,
        1,
        `${pull.repo} merged once`,
      );
    // The merge in flight when the stack died was done; the next stack found it merged.
    assert.ok(results.every((result) => result.outcome === 'done' || result.reason === 'already merged'));
    assert.equal((await stack.client.getJob(job.jobId)).pullRequestCounts?.merged, 6);
  });
});

/** Every row COMPLETED with the same one-line change, its fingerprint recorded as a worker records it. */
/** A group's members as the reviewer was shown them, each with its digest. */
function membersOf(group: ChangeGroup) {
  return group.repositories.map((repositoryName) => ({ repositoryName, digest: group.digests![repositoryName]! }));
}

async function completeAll(
  store: ReturnType<typeof stackStore>,
  artifacts: FolderArtifactStore,
  job: Job,
  names: string[],
  /** The stack's home: its workers' seal goes on each result, as a worker's does. */
  home: string,
): Promise<void> {
  const fingerprint = fingerprintRecord(PATCH, 1, 0);
  const seal = (await stackKeys(home)).workerSeal;
  const rows = await store.repositories.listAll(job.jobId);
  const done: RepositoryResult[] = rows.map((row) => ({
    ...row,
    status: 'COMPLETED',
    finishedAt: new Date().toISOString(),
    diffStats: { files: 1, additions: 1, deletions: 1 },
    fingerprint,
    ...workerResult(seal, row, PATCH),
  }));
  for (const name of names) await artifacts.put(`jobs/${job.jobId}/${name}/diff.patch`, PATCH);
  await store.repositories.putAll(done);
  await store.jobs.setCounts(job.jobId, { ...job.counts, pending: 0, completed: names.length });
  await store.finalizeIfDone((await store.jobs.get(job.jobId))!);
}
