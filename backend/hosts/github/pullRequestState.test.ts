import assert from 'node:assert/strict';
import { useGitHubHost } from '../../../test/helpers/githubHost';
import { codeHostFrom, HostRateLimited, HostRefusal, pullRequestKey, pullRequestsOf } from '..';

// Pull requests after they open, on GitHub through the real Octokit against the loopback GitHub:
// states, checks and reviews in GraphQL batches, merge (never forced), close, comment, and
// GitHub's secondary rate limit.

const TOKEN = 'ghp_FAKEgithubTOKENforStateTests0123456789';

describe('GitHub code host: pull-request states and actions', function () {
  this.timeout(60_000);
  const fake = useGitHubHost({ token: TOKEN }, { each: true, maxRateLimitWaitSeconds: 0 });

  it('reads state, checks (check runs and commit statuses together), review and mergeability', async () => {
    const open = fake.github.addPull({ owner: 'acme', repo: 'alpha', head: 'b' });
    open.checkRuns = [{ name: 'build', status: 'completed', conclusion: 'success' }];
    open.statuses = [{ context: 'ci/lint', state: 'success' }];
    open.reviews = [{ user: 'alice', state: 'APPROVED' }];
    const failing = fake.github.addPull({ owner: 'acme', repo: 'beta', head: 'b', draft: true, mergeable: false });
    failing.checkRuns = [{ name: 'build', status: 'completed', conclusion: 'success' }];
    failing.statuses = [{ context: 'ci/test', state: 'failure' }];
    failing.reviews = [
      { user: 'alice', state: 'APPROVED' },
      { user: 'bob', state: 'CHANGES_REQUESTED' },
    ];
    const pending = fake.github.addPull({
      owner: 'acme',
      repo: 'gamma',
      head: 'b',
      mergeable: null,
      reviewRequired: true,
    });
    pending.checkRuns = [{ name: 'build', status: 'in_progress' }];
    const merged = fake.github.addPull({ owner: 'acme', repo: 'delta', head: 'b', merged: true, state: 'closed' });
    const closed = fake.github.addPull({ owner: 'acme', repo: 'zeta', head: 'b', state: 'closed' });
    const refs = [open, failing, pending, merged, closed].map((pull) => ({
      repositoryName: `${pull.owner}/${pull.repo}`,
      number: pull.number,
    }));
    const gone = { repositoryName: 'acme/gone', number: 99 };

    const statuses = await fake.pulls.pullRequestStatuses([...refs, gone]);
    const shape = (index: number) => {
      const { state, checks, review, mergeable } = statuses.get(pullRequestKey(refs[index]!))!;
      return { state, checks, review, mergeable };
    };
    assert.deepEqual(shape(0), { state: 'open', checks: 'passing', review: 'approved', mergeable: true });
    assert.deepEqual(shape(1), { state: 'draft', checks: 'failing', review: 'changes_requested', mergeable: false });
    assert.deepEqual(shape(2), { state: 'open', checks: 'pending', review: 'review_required', mergeable: null });
    assert.deepEqual(shape(3), { state: 'merged', checks: 'none', review: 'none', mergeable: true });
    assert.deepEqual(shape(4), { state: 'closed', checks: 'none', review: 'none', mergeable: true });
    assert.equal(statuses.get(pullRequestKey(refs[0]!))!.url, open.html_url);
    assert.equal(statuses.get(pullRequestKey(refs[0]!))!.headSha, open.headSha);
    assert.equal(statuses.has(pullRequestKey(gone)), false, 'a pull request GitHub does not have is left out');
    assert.equal(fake.github.requests.filter((request) => request.path === '/graphql').length, 1);
  });

  it('refreshes 1,000 pull requests in 10 requests (GraphQL, 100 a request)', async () => {
    const refs = Array.from({ length: 1_000 }, (_, index) => {
      const pull = fake.github.addPull({ owner: `org${index % 7}`, repo: `repo-${index}`, head: 'cody-batch/x' });
      return { repositoryName: `${pull.owner}/${pull.repo}`, number: pull.number };
    });
    const before = fake.github.requests.length;
    const statuses = await fake.pulls.pullRequestStatuses(refs);
    assert.equal(statuses.size, 1_000);
    assert.equal(fake.github.requests.length - before, 10);
  });

  it('merges with the head it checked, refuses what GitHub will not merge, closes, comments, deletes branches', async () => {
    const ready = fake.github.addPull({ owner: 'acme', repo: 'alpha', head: 'cody-batch/j' });
    const conflicting = fake.github.addPull({ owner: 'acme', repo: 'beta', head: 'cody-batch/j', mergeable: false });
    const ref = (pull: { owner: string; repo: string; number: number }) => ({
      repositoryName: `${pull.owner}/${pull.repo}`,
      number: pull.number,
    });

    await assert.rejects(
      fake.pulls.mergePullRequest(ref(ready), {
        method: 'squash',
        expectedHeadSha: 'f'.repeat(40),
        deleteBranch: false,
      }),
      (error: Error) => error instanceof HostRefusal && /Head branch was modified/.test(error.message),
    );
    assert.equal(ready.merged, false, 'a head that moved is not merged');
    await fake.pulls.mergePullRequest(ref(ready), {
      method: 'squash',
      expectedHeadSha: ready.headSha,
      deleteBranch: true,
    });
    assert.deepEqual([ready.merged, ready.mergeMethod], [true, 'squash']);
    assert.deepEqual(fake.github.deletedBranches, ['acme/alpha:cody-batch/j']);

    await assert.rejects(
      fake.pulls.mergePullRequest(ref(conflicting), {
        method: 'merge',
        expectedHeadSha: conflicting.headSha,
        deleteBranch: false,
      }),
      (error: Error) => error instanceof HostRefusal && /not mergeable/.test(error.message),
    );
    await fake.pulls.commentOnPullRequest(ref(conflicting), 'Closing: superseded.');
    await fake.pulls.closePullRequest(ref(conflicting), { deleteBranch: false });
    assert.deepEqual(
      [conflicting.state, conflicting.merged, conflicting.comments.map((comment) => comment.body)],
      ['closed', false, ['Closing: superseded.']],
    );
  });

  it('hands a secondary rate limit longer than it may wait to the caller, with the wait', async () => {
    const pull = fake.github.addPull({ owner: 'acme', repo: 'alpha', head: 'b' });
    fake.github.rateLimitNext('/repos/acme/alpha/issues', 7);
    await assert.rejects(
      fake.pulls.commentOnPullRequest({ repositoryName: 'acme/alpha', number: pull.number }, 'hi'),
      (error: Error) => error instanceof HostRateLimited && error.retryAfterSeconds === 7,
    );
    assert.equal(fake.github.rateLimited(), 1);
    // Where waiting is allowed (the default), Octokit waits it out and the call succeeds.
    const patient = codeHostFrom({
      gitBase: 'https://github.example.com/{owner}/{name}.git',
      apiUrl: fake.github.url,
      token: TOKEN,
    });
    fake.github.rateLimitNext('/repos/acme/alpha/issues', 1);
    await pullRequestsOf(patient).commentOnPullRequest({ repositoryName: 'acme/alpha', number: pull.number }, 'hello');
    assert.equal(fake.github.rateLimited(), 2);
    assert.deepEqual(
      pull.comments.map((comment) => comment.body),
      ['hello'],
    );
  });

  it('answers 304 to a conditional GET whose ETag still matches', async () => {
    const pull = fake.github.addPull({ owner: 'acme', repo: 'alpha', head: 'b' });
    const path = `${fake.github.url}/repos/acme/alpha/pulls/${pull.number}`;
    const headers = { authorization: `token ${TOKEN}` };
    const first = await fetch(path, { headers });
    const etag = first.headers.get('etag')!;
    assert.ok(etag);
    assert.equal((await fetch(path, { headers: { ...headers, 'if-none-match': etag } })).status, 304);
    pull.comments.push({ user: 'someone', body: 'changed' });
    pull.updatedAt = new Date(Date.now() + 1000).toISOString();
    assert.equal((await fetch(path, { headers: { ...headers, 'if-none-match': etag } })).status, 200);
  });
});
