import assert from 'node:assert/strict';
import { RepositoryQuery, type RepositoryQueryInput } from '../../../common/schemas';
import { type FakeGitLab, type FakeProject, startFakeGitLab } from '../../../test/fakes/gitlabServer';
import { createGitHosting, type GitHosting, git, useGitHosting } from '../../../test/helpers/git';
import {
  autoMergeOrMerge,
  type CodeHost,
  codeHostFrom,
  HostRateLimited,
  HostRefusal,
  pullRequestKey,
  pullRequestsOf,
} from '..';
import { describeCodeHostContract } from '../codeHost.contract';
import type { GitLabHost } from './gitlabHost';
import { GITLAB_TOKEN_PATTERNS } from './tokens';

// GitLab on its REST API v4, through our fetch client against the loopback GitLab: groups with
// nested subgroups, users' namespaces, topics, search and code search, both pagination styles, rate
// limits; merge requests as drafts with labels and reviewers, their pipelines, approvals and
// merge status, merges done for real in the bare repositories, close, comment; what follow-up
// rounds read: failed pipeline jobs with their traces, commit statuses, notes and discussions.

const TOKEN = 'glpat-FAKEgitlabTOKENforHostTests01';

const PROJECTS: FakeProject[] = [
  { path: 'acme/alpha', topics: ['payments'], files: { 'main.go': 'oldFunction(1)' } },
  { path: 'acme/platform/beta', topics: ['payments', 'go'], files: { 'b.go': 'oldFunction(2)' } },
  { path: 'acme/platform/tools/gamma', topics: ['web'] },
  { path: 'acme/platform/delta-archive', archived: true },
  { path: 'acme/epsilon-fork', fork: true },
  { path: 'acme/empty', empty: true },
  { path: 'acme/zeta' },
  // Shared into acme from another group: not acme's to change.
  { path: 'other/shared-in', sharedWith: ['acme'] },
  { path: 'octo-user/tools', topics: ['payments'], files: { 'tool.go': 'oldFunction(3)' } },
];

async function hostedProjects(hosting: GitHosting): Promise<void> {
  for (const project of PROJECTS.filter((candidate) => !candidate.empty))
    await hosting.create(project.path, { 'README.md': `# ${project.path}\n`, 'src/main.js': 'const a = 1;\n' });
}

describe('GitLab code host', function () {
  this.timeout(60_000);
  const hosted = useGitHosting(hostedProjects);
  let gitlab: FakeGitLab;
  let host: CodeHost;

  before(async () => {
    gitlab = await startFakeGitLab({
      token: TOKEN,
      root: hosted.hosting.root,
      projects: PROJECTS,
      users: ['octo-user', 'alice', 'bob'],
      // Two to a page: every listing spans pages.
      pageSize: 2,
    });
    host = codeHostFrom({ kind: 'gitlab', apiUrl: gitlab.url, token: TOKEN });
  });
  after(() => gitlab?.close());

  const resolve = (query: RepositoryQueryInput) => host.resolveQuery(RepositoryQuery.parse(query));
  const requestsTo = (prefix: string) => gitlab.requests.filter((request) => request.path.startsWith(prefix));

  describe('repository queries', () => {
    it('lists a group with all its subgroups across pages, leaving out archived projects, forks, shared and empty ones', async () => {
      const before = requestsTo('/api/v4/groups/acme/projects').length;
      const { repositories, notes } = await resolve({ owners: ['acme'] });
      assert.deepEqual(repositories, ['acme/alpha', 'acme/platform/beta', 'acme/platform/tools/gamma', 'acme/zeta']);
      // Eight projects (seven of acme's, one shared in), two to a page: four pages.
      assert.equal(requestsTo('/api/v4/groups/acme/projects').length - before, 4);
      assert.deepEqual(notes, [
        '1 project only shared into the group left out (they belong elsewhere)',
        '1 archived project left out (includeArchived keeps them)',
        '1 fork left out (includeForks keeps them)',
        '1 empty project skipped',
      ]);
      assert.ok(gitlab.requests.every((request) => request.authorization === `Bearer ${TOKEN}`));
    });

    it('names a subgroup by its path, and a user by name; keeps archived projects and forks when asked', async () => {
      const subgroup = await resolve({ owners: ['acme/platform'], includeArchived: true });
      assert.deepEqual(subgroup.repositories, [
        'acme/platform/beta',
        'acme/platform/delta-archive',
        'acme/platform/tools/gamma',
      ]);
      assert.ok(requestsTo('/api/v4/groups/acme%2Fplatform/projects').length > 0, 'the subgroup by its encoded path');
      const user = await resolve({ owners: ['octo-user', 'acme'], includeForks: true });
      assert.ok(user.repositories.includes('octo-user/tools'));
      assert.ok(user.repositories.includes('acme/epsilon-fork'));
    });

    it('follows X-Next-Page where GitLab sends no Link header, and Link where it sends no X-Next-Page', async () => {
      for (const style of ['x-next-page', 'link'] as const) {
        gitlab.options.pagination = style;
        try {
          const { repositories } = await resolve({ owners: ['acme'] });
          assert.equal(repositories.length, 4, style);
        } finally {
          gitlab.options.pagination = 'both';
        }
      }
    });

    it('refuses a group or user GitLab does not have, naming it', async () => {
      await assert.rejects(resolve({ owners: ['nobody-here'] }), (error: Error) => {
        assert.ok(error instanceof HostRefusal);
        assert.match(error.message, /GitLab has no group or user "nobody-here"/);
        return true;
      });
      await assert.rejects(resolve({ owners: ['acme/nothing'] }), /GitLab has no group "acme\/nothing"/);
    });

    it('finds projects by topic (any of them), narrows a group by topic, and searches names', async () => {
      const byTopic = await resolve({ topics: ['payments', 'web'] });
      assert.deepEqual(byTopic.repositories, [
        'acme/alpha',
        'acme/platform/beta',
        'acme/platform/tools/gamma',
        'octo-user/tools',
      ]);
      const narrowed = await resolve({ owners: ['acme'], topics: ['go'] });
      assert.deepEqual(narrowed.repositories, ['acme/platform/beta']);
      const searched = await resolve({ search: 'ta', owners: ['acme'] });
      assert.deepEqual(searched.repositories, ['acme/platform/beta', 'acme/zeta']);
    });

    it('filters the whole path with include and exclude', async () => {
      const { repositories } = await resolve({ owners: ['acme'], include: '^acme/platform/', exclude: 'tools' });
      assert.deepEqual(repositories, ['acme/platform/beta']);
    });

    it('refuses a code search where the instance has no advanced search, and runs it where it has', async () => {
      await assert.rejects(resolve({ codeSearch: 'oldFunction' }), (error: Error) => {
        assert.ok(error instanceof HostRefusal);
        assert.match(error.message, /needs GitLab's advanced search.*Choose by owners or topics/);
        return true;
      });
      gitlab.options.advancedSearch = true;
      try {
        const everywhere = await resolve({ codeSearch: 'oldFunction' });
        assert.deepEqual(everywhere.repositories, ['acme/alpha', 'acme/platform/beta', 'octo-user/tools']);
        assert.ok(
          everywhere.notes.includes('The code search matched 3 files in 3 projects'),
          everywhere.notes.join('; '),
        );
        const inGroup = await resolve({ codeSearch: 'oldFunction', owners: ['acme/platform'] });
        assert.deepEqual(inGroup.repositories, ['acme/platform/beta']);
      } finally {
        gitlab.options.advancedSearch = false;
      }
    });

    it('waits out a 429 with Retry-After and answers in full', async () => {
      const waits: number[] = [];
      const patient = codeHostFrom({
        kind: 'gitlab',
        apiUrl: gitlab.url,
        token: TOKEN,
        onRateLimitWait: (seconds) => waits.push(seconds),
      });
      const before = gitlab.rateLimited();
      gitlab.rateLimitNext('/groups/acme/projects', 1);
      const { repositories } = await patient.resolveQuery(RepositoryQuery.parse({ owners: ['acme'] }));
      assert.equal(gitlab.rateLimited(), before + 1);
      assert.deepEqual(waits, [1], 'the wait was shown');
      assert.equal(repositories.length, 4);
    });
  });

  describe('merge requests', () => {
    let counter = 0;
    /** A branch pushed to a project from a clone: what a worker's publish leaves. */
    async function pushBranch(projectPath: string, change = 'const a = 2;\n'): Promise<string> {
      const branch = `cody-batch/test-${++counter}`;
      const clone = await hosted.hosting.clone(projectPath);
      await git(clone, 'checkout', '-q', '-b', branch);
      await import('node:fs/promises').then(({ writeFile }) => writeFile(`${clone}/src/main.js`, change));
      await git(clone, 'commit', '-qam', 'Change');
      await git(clone, 'push', '-q', 'origin', branch);
      return branch;
    }
    const request = (repositoryName: string, head: string) => ({
      repositoryName,
      head,
      base: 'main',
      title: 'Move to newFunction',
      body: 'Made by Cody Batch.',
      draft: true,
      labels: ['batch', 'cleanup'],
      reviewers: ['alice', 'nobody'],
      teamReviewers: ['platform-team'],
    });
    /** A ready merge request on acme/zeta whose head changes src/main.js to `change`, and its head commit. */
    async function openedOnZeta(change: string) {
      const pullRequests = pullRequestsOf(host);
      const head = await pushBranch('acme/zeta', change);
      const opened = await pullRequests.ensurePullRequest({ ...request('acme/zeta', head), draft: false });
      const ref = { repositoryName: 'acme/zeta', number: opened.number! };
      return { pullRequests, ref, sha: (await gitlab.branchHead('acme/zeta', head))! };
    }

    it('opens a draft with labels and reviewers (resolved to ids), warns about who GitLab has not, and never opens two', async () => {
      const head = await pushBranch('acme/platform/beta');
      const pullRequests = pullRequestsOf(host);
      const opened = await pullRequests.ensurePullRequest(request('acme/platform/beta', head));
      assert.equal(opened.created, true);
      assert.equal(opened.draft, true);
      assert.match(opened.url, /\/acme\/platform\/beta\/-\/merge_requests\/1$/);
      assert.deepEqual(opened.warnings, [
        'GitLab has no team reviewers: the team platform-team was not asked (name its members in reviewers)',
        'GitLab refused the reviewer @nobody: GitLab has no such user',
      ]);
      const stored = gitlab.mergeRequest('acme/platform/beta', opened.number!)!;
      assert.equal(stored.title, 'Draft: Move to newFunction');
      assert.deepEqual(stored.labels, ['batch', 'cleanup']);
      assert.equal(stored.reviewerIds.length, 1);

      const again = await pullRequests.ensurePullRequest({ ...request('acme/platform/beta', head), title: 'Renamed' });
      assert.deepEqual([again.created, again.url, again.draft], [false, opened.url, true]);
      assert.equal(stored.title, 'Draft: Renamed', 'an update keeps the draft');
      assert.equal(gitlab.mergeRequests.filter((mr) => mr.project === 'acme/platform/beta').length, 1);
    });

    it('tells pipeline, approvals and merge status: approved only when none are left; a red required pipeline is not mergeable', async () => {
      const strict = gitlab.project('acme/platform/tools/gamma');
      strict.pipelineMustSucceed = true;
      strict.approvalsRequired = 2;
      const pullRequests = pullRequestsOf(host);
      const head = await pushBranch(strict.path);
      const opened = await pullRequests.ensurePullRequest({ ...request(strict.path, head), draft: false });
      const ref = { repositoryName: strict.path, number: opened.number! };
      const status = async () => (await pullRequests.pullRequestStatuses([ref])).get(pullRequestKey(ref))!;

      await gitlab.setPipeline(strict.path, head, 'running');
      gitlab.approve(strict.path, ref.number, 'alice');
      let now = await status();
      assert.deepEqual(
        [now.state, now.checks, now.review, now.mergeable],
        ['open', 'pending', 'review_required', false],
      );
      assert.equal(now.notMergeableBecause, 'its pipeline must pass first and is still running');

      await gitlab.setPipeline(strict.path, head, 'failed');
      now = await status();
      assert.deepEqual(
        [now.checks, now.mergeable, now.notMergeableBecause],
        ['failing', false, 'its pipeline must pass first'],
      );

      await gitlab.setPipeline(strict.path, head, 'success');
      now = await status();
      assert.deepEqual([now.checks, now.review, now.mergeable], ['passing', 'review_required', false]);
      assert.equal(now.notMergeableBecause, 'it still needs approvals');

      gitlab.approve(strict.path, ref.number, 'bob');
      now = await status();
      assert.deepEqual([now.checks, now.review, now.mergeable], ['passing', 'approved', true]);
      assert.equal(now.headSha, await gitlab.branchHead(strict.path, head));
    });

    it('merges for real with the head it checked, squashing when asked; a moved head is refused; closes and comments', async () => {
      const pullRequests = pullRequestsOf(host);
      const head = await pushBranch('acme/alpha');
      const opened = await pullRequests.ensurePullRequest({ ...request('acme/alpha', head), draft: false });
      const ref = { repositoryName: 'acme/alpha', number: opened.number! };
      const checked = (await pullRequests.pullRequestStatuses([ref])).get(pullRequestKey(ref))!;
      const mainBefore = await gitlab.branchHead('acme/alpha', 'main');

      await assert.rejects(
        pullRequests.mergePullRequest(ref, { method: 'squash', expectedHeadSha: 'f'.repeat(40), deleteBranch: false }),
        (error: Error) =>
          error instanceof HostRefusal && /SHA does not match HEAD of source branch/.test(error.message),
      );
      await assert.rejects(
        pullRequests.mergePullRequest(ref, { method: 'rebase', expectedHeadSha: checked.headSha, deleteBranch: false }),
        /project's own merge method/,
      );
      assert.equal(await gitlab.branchHead('acme/alpha', 'main'), mainBefore, 'nothing merged yet');

      await pullRequests.mergePullRequest(ref, {
        method: 'squash',
        expectedHeadSha: checked.headSha,
        deleteBranch: true,
      });
      const mr = gitlab.mergeRequest('acme/alpha', ref.number)!;
      assert.deepEqual([mr.state, mr.squash], ['merged', true]);
      const mainAfter = (await gitlab.branchHead('acme/alpha', 'main'))!;
      // A squash: one commit on main, its parent main's old head, holding the branch's change.
      const bare = hosted.hosting.repository('acme/alpha').bare;
      assert.equal((await git(bare, 'rev-parse', `${mainAfter}^`)).trim(), mainBefore);
      assert.equal(await git(bare, 'show', `${mainAfter}:src/main.js`), 'const a = 2;\n');
      assert.equal(await gitlab.branchHead('acme/alpha', head), undefined, 'the source branch was removed');
      assert.equal((await pullRequests.pullRequestStatuses([ref])).get(pullRequestKey(ref))!.state, 'merged');

      const other = await pushBranch('acme/zeta');
      const second = await pullRequests.ensurePullRequest({ ...request('acme/zeta', other), draft: false });
      const secondRef = { repositoryName: 'acme/zeta', number: second.number! };
      await pullRequests.commentOnPullRequest(secondRef, 'Superseded.');
      await pullRequests.closePullRequest(secondRef, { deleteBranch: true });
      const closed = gitlab.mergeRequest('acme/zeta', secondRef.number)!;
      assert.deepEqual([closed.state, closed.notes.map((note) => note.body)], ['closed', ['Superseded.']]);
      assert.deepEqual(gitlab.deletedBranches, [`acme/zeta:${other}`]);
      await assert.rejects(
        pullRequests.mergePullRequest(secondRef, {
          method: 'merge',
          expectedHeadSha: checked.headSha,
          deleteBranch: false,
        }),
        HostRefusal,
      );
    });

    it("auto-merge is merge when pipeline succeeds at the checked head; without a running pipeline it merges now under Merge Ready's rules", async () => {
      const project = gitlab.project('acme/platform/beta');
      project.pipelineMustSucceed = true;
      const pullRequests = pullRequestsOf(host);
      const head = await pushBranch(project.path, 'const a = 3;\n');
      const opened = await pullRequests.ensurePullRequest({ ...request(project.path, head), draft: false });
      await gitlab.setPipeline(project.path, head, 'running');
      const sha = (await gitlab.branchHead(project.path, head))!;
      const ref = { repositoryName: project.path, number: opened.number! };
      // A head that moved after the check is refused, and nothing is set.
      await assert.rejects(
        pullRequests.enableAutoMerge(ref, { method: 'merge', expectedHeadSha: 'f'.repeat(40) }),
        (error: Error) => error instanceof HostRefusal && /head moved/.test(error.message),
      );
      const answer = await pullRequests.enableAutoMerge(ref, { method: 'merge', expectedHeadSha: sha });
      assert.equal('enabled' in answer && answer.enabled.method, 'merge');
      const mr = gitlab.mergeRequest(project.path, ref.number)!;
      assert.deepEqual([mr.state, mr.mergeWhenPipelineSucceeds], ['opened', true], 'waiting for the pipeline');
      const status = (await pullRequests.pullRequestStatuses([ref])).get(pullRequestKey(ref))!;
      assert.deepEqual([status.autoMerge?.method, status.headRef, status.baseRef], ['merge', head, 'main']);
      await gitlab.setPipeline(project.path, head, 'success');
      assert.equal(mr.state, 'merged');
      project.pipelineMustSucceed = false;

      // No pipeline to wait for: the host says so, and the shared rule merges now at the checked head.
      const second = await pushBranch(project.path, 'const a = 4;\n');
      const other = await pullRequests.ensurePullRequest({ ...request(project.path, second), draft: false });
      const otherRef = { repositoryName: project.path, number: other.number! };
      const now = (await pullRequests.pullRequestStatuses([otherRef])).get(pullRequestKey(otherRef))!;
      const result = await autoMergeOrMerge(pullRequests, otherRef, now, 'squash');
      assert.equal(result.outcome, 'merged', JSON.stringify(result));
      assert.match('reason' in result ? result.reason : '', /GitLab runs no pipeline for it: merged now \(squash\)/);
      assert.equal(gitlab.mergeRequest(project.path, otherRef.number)!.state, 'merged');
    });

    it("reads a head pipeline's failed jobs with their trace's tail, and failed external statuses, each once", async () => {
      const { pullRequests, ref, sha } = await openedOnZeta('const a = 5;\n');
      // Megabytes of output first: only the end is read, as it streams.
      const trace = [
        ...Array.from({ length: 20_000 }, (_, index) => `early output ${index} ${'é'.repeat(50)}`),
        '\u001b[0KRunning with gitlab-runner 16.0.0',
        'section_start:1700000000:step_script\r\u001b[0K\u001b[0K\u001b[36;1mExecuting "step_script" stage\u001b[0;m',
        ...Array.from({ length: 300 }, (_, index) => `noise line ${index}`),
        '\u001b[31msrc/main.js:1:11  error  newFunction is not defined\u001b[0m',
        'section_end:1700000001:step_script\r\u001b[0K\u001b[31;1mERROR: Job failed: exit code 1\u001b[0;m',
      ].join('\n');
      // An older pipeline of the same head, then the head pipeline.
      await gitlab.setPipeline('acme/zeta', sha, 'failed', [{ name: 'stale', trace: 'old' }]);
      await gitlab.setPipeline('acme/zeta', sha, 'failed', [
        { name: 'lint', stage: 'test', trace },
        { name: 'flaky', stage: 'test', allowFailure: true, trace: 'allowed to fail' },
        { name: 'unit', stage: 'test', status: 'success' },
        { name: 'e2e', stage: 'test', failureReason: 'stuck_or_timeout_failure' },
        { name: 'build', stage: 'build', status: 'success' },
      ]);
      await gitlab.addCommitStatus('acme/zeta', sha, {
        name: 'ci/legacy',
        status: 'failed',
        description: 'The legacy build failed',
        targetUrl: 'https://ci.example.com/1',
      });
      await gitlab.addCommitStatus('acme/zeta', sha, { name: 'ci/other', status: 'success' });

      const checks = await pullRequests.failingChecks(ref, sha);
      assert.deepEqual(
        checks.map(({ kind, name, conclusion, title }) => [kind, name, conclusion, title]),
        [
          ['check', 'lint', 'script_failure', 'stage test'],
          ['check', 'e2e', 'stuck_or_timeout_failure', 'stage test'],
          ['status', 'ci/legacy', 'failed', undefined],
        ],
      );
      const [lint, e2e, legacy] = checks;
      assert.match(lint!.url!, /\/acme\/zeta\/-\/jobs\/\d+$/);
      const tail = lint!.logTail!;
      assert.equal(tail.split('\n').length, 200, 'the last 200 lines');
      assert.ok(tail.endsWith('src/main.js:1:11  error  newFunction is not defined\nERROR: Job failed: exit code 1'));
      assert.ok(!tail.includes('noise line 101\n') && tail.includes('noise line 102\n'));
      assert.ok(!tail.includes('\u001b') && !tail.includes('section_'), 'no escapes, no section markers');
      assert.equal(e2e!.logNote, 'its trace is empty (erased, or the job wrote nothing)');
      assert.deepEqual([legacy!.summary, legacy!.url], ['The legacy build failed', 'https://ci.example.com/1']);
      const pipeline = gitlab.requests.find((request) => /\/pipelines\/\d+\/jobs\?/.test(request.path))!;
      assert.match(decodeURIComponent(pipeline.path), /scope\[\]=failed/);

      // A head no pipeline ran on has no failing job.
      assert.deepEqual(await pullRequests.failingChecks(ref, 'e'.repeat(40)), []);
    });

    it('follows a failed trigger job to its child pipelines for their failed jobs, and names one in another project without reading it', async () => {
      const { pullRequests, ref, sha } = await openedOnZeta('const a = 6;\n');
      await gitlab.setPipeline('acme/zeta', sha, 'failed', [
        { name: 'build', stage: 'build', status: 'success' },
        {
          name: 'frontend',
          stage: 'test',
          downstream: {
            status: 'failed',
            jobs: [
              { name: 'jest', stage: 'test', trace: 'FAIL src/app.test.ts\n  newFunction is not defined' },
              { name: 'lint', stage: 'test', status: 'success' },
              // A child of the child, as a monorepo's pipelines nest.
              {
                name: 'e2e-suite',
                stage: 'e2e',
                downstream: { status: 'failed', jobs: [{ name: 'playwright', stage: 'e2e', trace: '1 failed' }] },
              },
            ],
          },
        },
        {
          name: 'deploy-docs',
          stage: 'deploy',
          downstream: { status: 'failed', project: 'acme/alpha', jobs: [{ name: 'pages', trace: 'no index.html' }] },
        },
        // A child GitLab will not give (its jobs erased, say).
        {
          name: 'security',
          stage: 'test',
          downstream: { status: 'failed', unreadable: true, jobs: [{ name: 'scan' }] },
        },
      ]);

      const checks = await pullRequests.failingChecks(ref, sha);
      assert.deepEqual(
        checks.map(({ name, title, logTail }) => [name, title, logTail]),
        [
          [
            'jest',
            'stage test, in the downstream pipeline of frontend',
            'FAIL src/app.test.ts\n  newFunction is not defined',
          ],
          ['playwright', 'stage e2e, in the downstream pipeline of frontend → e2e-suite', '1 failed'],
          ['deploy-docs', 'stage deploy, a trigger job', undefined],
          ['security', 'stage test, a trigger job', undefined],
        ],
      );
      assert.match(checks[0]!.url!, /\/acme\/zeta\/-\/jobs\/\d+$/);
      // Another project's pipeline: its address, and why its logs are not here; GitLab was not asked for them.
      assert.match(checks[2]!.url!, /\/acme\/alpha\/-\/pipelines\/\d+$/);
      assert.equal(
        checks[2]!.logNote,
        'its downstream pipeline is in another project, whose CI logs Cody Batch does not read',
      );
      const elsewhere = /\/pipelines\/(\d+)$/.exec(checks[2]!.url!)![1];
      assert.ok(!gitlab.requests.some((request) => request.path.includes(`/pipelines/${elsewhere}/`)));
      assert.match(
        checks[3]!.logNote!,
        /^GitLab did not give its downstream pipeline \(GitLab refused to read the failed jobs of it: 404 Project Not Found\)$/,
      );
      assert.match(checks[3]!.url!, /\/acme\/zeta\/-\/pipelines\/\d+$/);
    });

    it('reads diff notes with their line and hunk and other notes since a time, never its own or GitLab’s; a note by its address', async () => {
      const pullRequests = pullRequestsOf(host);
      const head = await pushBranch('acme/platform/tools/gamma', 'const a = 6;\n');
      const opened = await pullRequests.ensurePullRequest({
        ...request('acme/platform/tools/gamma', head),
        draft: false,
      });
      const ref = { repositoryName: 'acme/platform/tools/gamma', number: opened.number! };
      const at = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
      const before = (await pullRequests.pullRequestStatuses([ref])).get(pullRequestKey(ref))!;
      assert.equal(before.feedbackAt, undefined, 'no notes, no feedback');
      await pullRequests.commentOnPullRequest(ref, 'Our own note, never feedback.');
      const ours = (await pullRequests.pullRequestStatuses([ref])).get(pullRequestKey(ref))!;
      assert.equal(ours.feedbackAt, undefined, 'our own note is not feedback');

      gitlab.addNote(ref.repositoryName, ref.number, { author: 'bob', body: 'Old news.', createdAt: at(-10) });
      const diffNote = gitlab.addNote(ref.repositoryName, ref.number, {
        author: 'alice',
        body: 'Call it `total`.',
        createdAt: at(-3),
        position: { new_path: 'src/main.js', new_line: 1, old_path: 'src/main.js' },
      });
      gitlab.addNote(ref.repositoryName, ref.number, {
        author: 'alice',
        body: 'approved this merge request',
        system: true,
        createdAt: at(-2),
      });
      gitlab.addNote(ref.repositoryName, ref.number, { author: 'bob', body: 'And a test, please.', createdAt: at(-1) });

      const feedback = await pullRequests.reviewFeedback(ref, at(-5));
      assert.deepEqual(feedback, [
        {
          kind: 'review-comment',
          author: 'alice',
          body: 'Call it `total`.',
          createdAt: diffNote.createdAt,
          url: diffNote.url,
          path: 'src/main.js',
          line: 1,
          diffHunk: '@@ -1 +1 @@\n-const a = 1;\n+const a = 6;',
        },
        {
          kind: 'comment',
          author: 'bob',
          body: 'And a test, please.',
          createdAt: feedback[1]!.createdAt,
          url: feedback[1]!.url,
        },
      ]);
      assert.equal((await pullRequests.reviewFeedback(ref)).length, 3, 'without since: bob’s old note too');
      const status = (await pullRequests.pullRequestStatuses([ref])).get(pullRequestKey(ref))!;
      assert.equal(status.feedbackAt, feedback[1]!.createdAt, 'the last note of someone else');

      // A note by its address, read through the API.
      assert.deepEqual(await pullRequests.pullRequestComment(diffNote.url), {
        ref,
        author: 'alice',
        body: 'Call it `total`.',
        url: diffNote.url,
      });
      for (const [url, words] of [
        [
          `https://gitlab.example.com/${ref.repositoryName}/-/merge_requests/1#note_${diffNote.id}`,
          /not a note of this stack's GitLab/,
        ],
        [`${gitlab.url}/${ref.repositoryName}/-/issues/1#note_${diffNote.id}`, /not a merge-request note's address/],
        [
          `${gitlab.url}/${ref.repositoryName}/-/merge_requests/${ref.number}#note_999999`,
          /GitLab refused to read the note of it: 404/,
        ],
      ] as const)
        await assert.rejects(
          pullRequests.pullRequestComment(url),
          (error: Error) => error instanceof HostRefusal && words.test(error.message),
        );
    });

    it('@codeowners asks no one: GitLab applies its own Code Owners approval rules', () => {
      const pullRequests = pullRequestsOf(host);
      assert.deepEqual(pullRequests.codeOwnersPaths, []);
      const owners = pullRequests.codeOwners('acme/zeta', '* @alice\n', ['a.js']);
      assert.deepEqual([owners.reviewers, owners.teamReviewers], [[], []]);
      assert.match(owners.notes[0]!, /Code Owners approval rules/);
    });

    it('hands a rate limit longer than it may wait to the caller, with the wait', async () => {
      const impatient = codeHostFrom({ kind: 'gitlab', apiUrl: gitlab.url, token: TOKEN, maxRateLimitWaitSeconds: 5 });
      gitlab.rateLimitNext('/projects/acme%2Fzeta/merge_requests/1/notes', 30);
      await assert.rejects(
        pullRequestsOf(impatient).commentOnPullRequest({ repositoryName: 'acme/zeta', number: 1 }, 'hi'),
        (error: Error) => error instanceof HostRateLimited && error.retryAfterSeconds === 30,
      );
    });
  });

  it('authenticates git as oauth2 with the token in a Basic header, clones {url}/{path}.git, and knows GitLab’s token shapes', async () => {
    const header = (await host.gitAuthHeader('acme/platform/beta'))!;
    assert.equal(Buffer.from(header.replace(/^Authorization: Basic /, ''), 'base64').toString(), `oauth2:${TOKEN}`);
    assert.equal(host.cloneUrl('acme/platform/beta'), `${gitlab.url}/acme/platform/beta.git`);
    assert.equal(codeHostFrom({ kind: 'gitlab' }).cloneUrl('a/b/c'), 'https://gitlab.com/a/b/c.git');
    assert.equal(host.kind, 'gitlab');
    const shapes = [
      TOKEN,
      'glpat-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789.01.0w1hj6ibt',
      'gldt-AbCdEfGhIjKlMnOpQrSt',
      'glcbt-64_AbCdEfGhIjKlMnOpQrSt',
      'glrt-t1_AbCdEfGhIjKlMnOpQrSt',
      'GR1348941AbCdEfGhIjKlMnOpQrSt',
    ];
    for (const shape of shapes)
      assert.ok(
        GITLAB_TOKEN_PATTERNS.some((pattern) => new RegExp(pattern.source).exec(`token=${shape} end`)?.[0] === shape),
        shape,
      );
    assert.equal(host.names.repository('acme/platform/tools/x'), undefined);
    assert.equal(await (host as GitLabHost).defaultBranch('acme/platform/beta'), 'main');
    assert.match(host.names.repository('acme/x.atom')!, /\.atom/);
  });
});

describeCodeHostContract(
  'GitLab',
  async () => {
    const hosting = await createGitHosting();
    const projects: FakeProject[] = [{ path: 'acme/one' }, { path: 'acme/deep/two' }, { path: 'acme/deep/er/three' }];
    for (const project of projects) await hosting.create(project.path, { 'a.txt': 'a\n' });
    const gitlab = await startFakeGitLab({ token: TOKEN, root: hosting.root, projects, pageSize: 1 });
    const clone = await hosting.clone('acme/deep/two');
    await git(clone, 'checkout', '-q', '-b', 'contract');
    await git(clone, 'commit', '-q', '--allow-empty', '-m', 'Contract');
    await git(clone, 'push', '-q', 'origin', 'contract');
    return {
      host: codeHostFrom({ kind: 'gitlab', apiUrl: gitlab.url, token: TOKEN }),
      owner: 'acme',
      ownerRepositories: ['acme/one', 'acme/deep/two', 'acme/deep/er/three'],
      pullRequestRepository: 'acme/deep/two',
      head: 'contract',
      base: 'main',
      async moveHead() {
        await git(clone, 'commit', '-q', '--allow-empty', '-m', 'Someone else');
        await git(clone, 'push', '-q', 'origin', 'contract');
      },
      async dispose() {
        await gitlab.close();
        await hosting.dispose();
      },
    };
  },
  { pullRequests: true },
);
