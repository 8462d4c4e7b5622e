import assert from 'node:assert/strict';
import { createApp } from '../backend/api/app';
import { bearerOwner } from '../backend/api/middleware/auth';
import { MAX_BURNDOWN_POINTS, needsRefresh, refreshAll, withBurndownPoint } from '../backend/api/pullRequestRefresh';
import { IdleExecutor } from '../backend/executor/executor';
import { codeHostFrom } from '../backend/hosts';
import type { FolderArtifactStore } from '../backend/store/artifacts';
import { deleteExpiredJobs } from '../backend/store/retention';
import type { Store } from '../backend/store/store';
import { type ApiError, type BulkProgress, bearerAuth, CodyBatchClient } from '../common/client';
import { artifactKey } from '../common/names';
import type { BulkAction, BulkActionRequest } from '../common/schemas';
import type { FakeGitHub, FakePull } from './fakes/githubServer';
import { CREDENTIAL_KINDS, githubCredentials } from './helpers/githubCredentials';
import { jobWithPulls as seedJobWithPulls } from './helpers/pullRequests';
import { testKeys } from './helpers/keys';
import { startWorld, type World } from './helpers/world';

// Following pull requests after they open, through the API (in process, on a real dynalite and a
// real artifact folder) and Octokit against the loopback GitHub: the refresh of every row's state,
// checks and review with the job's counts and burndown; merge, close and comment in bulk, with one
// result per repository; deleting a job; and retention.

const TOKEN = 'ghp_FAKEgithubTOKENforFollowUpTests01234567';
const API_TOKEN = 'api-token';

for (const kind of CREDENTIAL_KINDS) {
  const credentials = githubCredentials(kind, TOKEN);
  describe(`pull requests after they open (${credentials.label})`, function () {
    this.timeout(120_000);
    let world: World;
    let github: FakeGitHub;
    let store: Store;
    let artifacts: FolderArtifactStore;
    let client: CodyBatchClient;

    beforeEach(async () => {
      world = await startWorld({ token: TOKEN, credentials, github: {}, api: { token: API_TOKEN, retentionDays: 7 } });
      ({ github } = world);
      ({ store, artifacts, client } = world.api);
    });
    afterEach(async () => {
      // Whatever the test did, every request to GitHub went with the credentials of this kind.
      if (github) credentials.assertAuthenticated(github);
      await world?.dispose();
    });

    const jobWithPulls = (pulls: Record<string, Partial<FakePull>>) =>
      seedJobWithPulls({ client, store, artifacts, github }, pulls);

    it('refreshes every row’s state, checks and review; the job counts them and keeps a burndown', async () => {
      const { job, pulls } = await jobWithPulls({
        'acme/alpha': { checkRuns: [{ name: 'ci', status: 'completed', conclusion: 'success' }] },
        'acme/beta': { statuses: [{ context: 'ci', state: 'failure' }], draft: true },
        'acme/gamma': { reviews: [{ user: 'bob', state: 'CHANGES_REQUESTED' }] },
        'acme/delta': { merged: true, state: 'closed' },
      });
      assert.equal(job.status, 'COMPLETED');
      const refreshed = await client.refreshPullRequests(job.jobId);
      const rows = new Map(
        (await client.allRepositories(job.jobId)).map((row) => [row.repositoryName, row.pullRequest]),
      );
      assert.deepEqual(
        [...rows].map(([name, info]) => [name, info?.state, info?.checks, info?.review, info?.mergeable]),
        [
          ['acme/alpha', 'open', 'passing', 'none', true],
          ['acme/beta', 'draft', 'failing', 'none', true],
          ['acme/delta', 'merged', 'none', 'none', true],
          ['acme/gamma', 'open', 'none', 'changes_requested', true],
        ],
      );
      assert.deepEqual(refreshed.pullRequestCounts, {
        open: 2,
        draft: 1,
        merged: 1,
        closed: 0,
        checksPassing: 1,
        checksFailing: 1,
        checksPending: 0,
        approved: 0,
        changesRequested: 1,
      });
      assert.equal(refreshed.burndown?.length, 1);
      assert.deepEqual(
        { ...refreshed.burndown![0], at: undefined },
        { at: undefined, open: 2, draft: 1, merged: 1, closed: 0 },
      );

      // Merged elsewhere: the next refresh sees it, and adds one burndown point.
      Object.assign(pulls[0]!, { merged: true, state: 'closed', updatedAt: new Date().toISOString() });
      const graphqlBefore = github.requests.filter((request) => request.path === '/graphql').length;
      const again = await client.refreshPullRequests(job.jobId);
      assert.equal(github.requests.filter((request) => request.path === '/graphql').length - graphqlBefore, 1);
      assert.equal(again.pullRequestCounts?.merged, 2);
      assert.deepEqual(
        again.burndown?.map(({ open, merged }) => [open, merged]),
        [
          [2, 1],
          [1, 2],
        ],
      );
    });

    it('the schedule refreshes jobs with open pull requests and leaves the others', async () => {
      const { job: open } = await jobWithPulls({ 'acme/alpha': {} });
      const { job: none } = await client
        .createJob({ name: 'No PRs', command: 'true', repositories: ['acme/zeta'] })
        .then(async (created) => ({ job: created }));
      const host = codeHostFrom({
        gitBase: 'https://x/{owner}/{name}.git',
        apiUrl: github.url,
        ...credentials.hostConfig,
      });
      // A job without pull requests never needs one; a publish makes one need it.
      await store.jobs.setAttributes(open.jobId, {
        publishRun: { id: 'p1', list: { id: 'none', size: 0, digests: [] }, requestedAt: open.updatedAt },
      });
      const report = await refreshAll(store, host);
      assert.deepEqual(report, { jobs: 1, errors: [] });
      assert.equal((await client.getJob(open.jobId)).pullRequestCounts?.open, 1);
      assert.equal((await client.getJob(none.jobId)).pullRequestCounts, undefined);

      // A refresh that ran while a publish was still opening pull requests looks again at the next
      // one, though the job is final and nothing was open yet.
      const publishing = { ...(await client.getJob(open.jobId)).pullRequestCounts!, open: 0, publishing: 1 };
      await store.jobs.setAttributes(open.jobId, {
        pullRequestCounts: publishing,
        pullRequestsRefreshedAt: new Date(Date.now() + 60_000).toISOString(),
      });
      assert.equal(needsRefresh(await client.getJob(open.jobId)), true, 'still publishing: refreshed again');
      await store.jobs.setAttributes(open.jobId, { pullRequestCounts: { ...publishing, publishing: undefined } });
      assert.equal(needsRefresh(await client.getJob(open.jobId)), false, 'nothing open, nothing being opened');
    });

    it('thins the burndown evenly and keeps the newest point', () => {
      let points = Array.from({ length: MAX_BURNDOWN_POINTS }, (_, index) => ({
        at: new Date(index * 60_000).toISOString(),
        open: index,
        draft: 0,
        merged: 0,
        closed: 0,
      }));
      points = withBurndownPoint(points, { at: 'newest', open: -1, draft: 0, merged: 0, closed: 0 });
      assert.equal(points.length, MAX_BURNDOWN_POINTS / 2 + 1);
      assert.equal(points[0]!.open, 0);
      assert.equal(points.at(-1)!.at, 'newest');
      assert.ok(points.slice(1, -1).every((point, index) => point.open === (index + 1) * 2));
    });

    it('merges in bulk, never forcing: one result per repository, partial failure reported', async () => {
      const passing = [{ name: 'ci', status: 'completed', conclusion: 'success' }] as FakePull['checkRuns'];
      const { job, pulls } = await jobWithPulls({
        'acme/ready': { checkRuns: passing },
        'acme/conflicting': { checkRuns: passing, mergeable: false },
        'acme/failing': { statuses: [{ context: 'ci', state: 'failure' }] },
        'acme/pending': { checkRuns: [{ name: 'ci', status: 'in_progress' }] },
        'acme/changes': { checkRuns: passing, reviews: [{ user: 'bob', state: 'CHANGES_REQUESTED' }] },
        'acme/draft': { draft: true, checkRuns: passing },
        'acme/merged': { merged: true, state: 'closed' },
        'acme/moved': { checkRuns: passing },
      });
      // Someone pushes to one between the look and the merge: GitHub refuses the merge of the head we checked.
      github.options.beforeMerge = (pull) => {
        if (pull.repo === 'moved') pull.headSha = 'f'.repeat(40);
      };
      const results = await client.pullRequestActionAll(job.jobId, 'merge', { method: 'squash' });
      const byName = Object.fromEntries(results.map((result) => [result.repositoryName.slice(5), result]));
      assert.equal(results.length, 8);
      assert.deepEqual(
        Object.entries(byName)
          .map(([name, result]) => [name, result.outcome, result.reason])
          .sort(),
        [
          ['changes', 'skipped', 'changes requested'],
          ['conflicting', 'skipped', 'not mergeable: it conflicts with its base branch'],
          ['draft', 'skipped', 'is a draft: mark it ready for review first'],
          ['failing', 'skipped', 'checks failing'],
          ['merged', 'skipped', 'already merged'],
          ['moved', 'failed', 'GitHub refused to merge it: Head branch was modified. Review and try the merge again.'],
          ['pending', 'skipped', 'checks still running'],
          ['ready', 'done', undefined],
        ],
      );
      assert.deepEqual(
        pulls.filter((pull) => pull.merged).map((pull) => pull.repo),
        ['ready', 'merged'],
      );
      assert.equal(pulls[0]!.mergeMethod, 'squash');
      const rows = new Map((await client.allRepositories(job.jobId)).map((row) => [row.repositoryName, row]));
      assert.equal(rows.get('acme/ready')!.pullRequest?.state, 'merged');
      const after = await client.getJob(job.jobId);
      assert.equal(after.pullRequestCounts?.merged, 2);
      // The merge is a step of the burndown at once, not at the next refresh.
      const last = after.burndown?.at(-1);
      assert.deepEqual(last && [last.open, last.merged], [after.pullRequestCounts!.open, 2]);
    });

    it('waits out a secondary rate limit, visibly, and finishes every repository', async () => {
      const { job, pulls } = await jobWithPulls({ 'acme/one': {}, 'acme/two': {}, 'acme/three': {} });
      github.rateLimitNext('/repos/acme/two/issues', 2);
      const progress: BulkProgress[] = [];
      const slept: number[] = [];
      const results = await client.pullRequestActionAll(
        job.jobId,
        'comment',
        { body: 'Heads up: this merges Friday.' },
        {
          onProgress: (step) => progress.push(step),
          sleep: async (ms) => {
            slept.push(ms);
            await new Promise((resolve) => setTimeout(resolve, 50));
          },
        },
      );
      assert.deepEqual(
        results.map((result) => [result.repositoryName, result.outcome]),
        [
          ['acme/one', 'done'],
          ['acme/three', 'done'],
          ['acme/two', 'done'],
        ].sort(),
      );
      // The server waits it out (the operation says so while it waits); the client only looks again.
      assert.ok(
        slept.every((ms) => ms === 1_000),
        `the client slept only between looks: ${slept.join(', ')}`,
      );
      assert.ok(
        progress.some((step) => step.waitingSeconds === 2 && /rate limit/.test(step.reason ?? '')),
        JSON.stringify(progress),
      );
      assert.deepEqual(
        pulls.map((pull) => pull.comments.map((comment) => comment.body)),
        [['Heads up: this merges Friday.'], ['Heads up: this merges Friday.'], ['Heads up: this merges Friday.']],
      );
    });

    it('answers when its moment is up and merges the rest after, at the host’s pace', async () => {
      // One change at a time, 400 ms apart, and a request's moment of 300 ms: the answer has the first.
      const paced = createApp(
        {
          store,
          artifacts,
          executor: new IdleExecutor(),
          codeHost: codeHostFrom({
            gitBase: 'https://github.example.com/{owner}/{name}.git',
            apiUrl: github.url,
            ...credentials.hostConfig,
            writesAtOnce: 1,
            writeIntervalMs: 400,
          }),
          version: 'test',
          keys: testKeys(),
          limits: { operationMomentMs: 300 },
          log: { error: () => undefined },
        },
        bearerOwner(API_TOKEN),
      );
      const pacedClient = new CodyBatchClient({
        baseUrl: 'http://cody-batch.test',
        auth: bearerAuth(API_TOKEN),
        fetch: ((input: URL, init?: RequestInit) => paced.request(input.toString(), init)) as typeof fetch,
      });
      const passing = [{ name: 'ci', status: 'completed', conclusion: 'success' }] as FakePull['checkRuns'];
      const { job, pulls } = await jobWithPulls({
        'acme/p1': { checkRuns: passing },
        'acme/p2': { checkRuns: passing },
        'acme/p3': { checkRuns: passing },
        'acme/p4': { checkRuns: passing },
      });
      const answer = await pacedClient.pullRequestAction(job.jobId, 'merge', {});
      assert.equal(answer.operation?.status, 'running', 'the answer came before the end');
      assert.ok(answer.results.length < 4);
      const { operation, results } = await pacedClient.followOperation(job.jobId, answer.operation!.operationId, {
        intervalMs: 100,
      });
      assert.deepEqual([operation.status, operation.done, operation.left], ['done', 4, 0]);
      assert.deepEqual(results.map((result) => result.outcome).sort(), ['done', 'done', 'done', 'done']);
      assert.ok(pulls.every((pull) => pull.merged));
    });

    it('closes by filter, deleting branches; refuses bad requests with 400', async () => {
      const { job, pulls } = await jobWithPulls({
        'acme/failing': { statuses: [{ context: 'ci', state: 'failure' }] },
        'acme/passing': { statuses: [{ context: 'ci', state: 'success' }] },
      });
      const results = await client.pullRequestActionAll(job.jobId, 'close', {
        filter: { checks: ['failing'] },
        deleteBranch: true,
      });
      assert.deepEqual(
        results.map((result) => [result.repositoryName, result.outcome]),
        [['acme/failing', 'done']],
      );
      assert.deepEqual(
        pulls.map((pull) => pull.state),
        ['closed', 'open'],
      );
      assert.deepEqual(github.deletedBranches, [`acme/failing:cody-batch/${job.jobId}`]);
      const refused: [BulkAction, BulkActionRequest][] = [
        ['comment', {}],
        ['merge', { body: 'x' }],
        ['close', { repositories: ['acme/passing'], filter: { state: ['open'] } }],
        ['merge', { repositories: ['acme/nope'] }],
      ];
      for (const [action, body] of refused)
        await assert.rejects(
          client.pullRequestAction(job.jobId, action, body),
          (error: ApiError) => error.status === 400,
        );
    });

    it('deletes a final job with its rows and artifacts (409 while it runs); pull requests stay unless asked', async () => {
      const running = await client.createJob({ name: 'Running', command: 'true', repositories: ['acme/a'] });
      await assert.rejects(client.deleteJob(running.jobId), (error: ApiError) => {
        assert.deepEqual([error.status, error.code], [409, 'JOB_ACTIVE']);
        return true;
      });

      const { job, pulls } = await jobWithPulls({ 'acme/alpha': {}, 'acme/beta': {} });
      assert.ok(await artifacts.get(artifactKey(job.jobId, 'acme/alpha', 'diff.patch')));
      assert.deepEqual(await client.deleteJob(job.jobId), { jobId: job.jobId, deleted: true });
      await assert.rejects(client.getJob(job.jobId), (error: ApiError) => error.status === 404);
      assert.deepEqual(await store.repositories.listAll(job.jobId), []);
      assert.equal(await artifacts.get(artifactKey(job.jobId, 'acme/alpha', 'diff.patch')), undefined);
      assert.deepEqual(
        pulls.map((pull) => pull.state),
        ['open', 'open'],
      );

      const { job: second, pulls: secondPulls } = await jobWithPulls({ 'acme/gamma': {} });
      const answer = await client.deleteJob(second.jobId, { closePullRequests: true });
      assert.deepEqual(
        answer.results?.map((result) => [result.repositoryName, result.outcome]),
        [['acme/gamma', 'done']],
      );
      assert.equal(secondPulls[0]!.state, 'closed');
      await assert.rejects(client.deleteJob(second.jobId), (error: ApiError) => error.status === 404);
    });

    it('retention: jobs and rows carry expiresAt; the local sweep deletes expired final jobs only', async () => {
      const { job } = await jobWithPulls({ 'acme/alpha': {} });
      const created = Date.parse(job.createdAt);
      assert.equal(job.expiresAt, Math.floor(created / 1000) + 7 * 86_400);
      const [row] = await store.repositories.listAll(job.jobId);
      assert.equal(row!.expiresAt, job.expiresAt);
      const running = await client.createJob({ name: 'Running', command: 'true', repositories: ['acme/a'] });
      assert.deepEqual(await deleteExpiredJobs(store, artifacts, created + 6 * 86_400_000), []);
      assert.deepEqual(await deleteExpiredJobs(store, artifacts, created + 8 * 86_400_000), [job.jobId]);
      assert.equal(await store.jobs.get(job.jobId), undefined);
      assert.ok(await store.jobs.get(running.jobId), 'a job still running is kept');
    });
  });
}
