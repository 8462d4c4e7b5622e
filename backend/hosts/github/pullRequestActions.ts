import { HostRateLimited, HostRefusal, HostUnavailable, type MergeOptions, type PullRequestRef } from '../codeHost';
import { type GitHubClient, githubMessage, rateLimitWait, statusOf } from './client';

// Merge, close and comment through GitHub's REST API. A merge names the head commit it was checked
// at, so GitHub refuses it (409) if someone pushed since; nothing here ever forces. What GitHub
// refuses is a HostRefusal with GitHub's reason; a rate limit longer than the client waits is a
// HostRateLimited with the wait.

export async function mergePullRequest(github: GitHubClient, ref: PullRequestRef, options: MergeOptions) {
  const { owner, repo } = split(ref);
  await act(async () => {
    await github.rest.pulls.merge({
      owner,
      repo,
      pull_number: ref.number,
      merge_method: options.method,
      sha: options.expectedHeadSha,
    });
  }, 'merge');
  if (options.deleteBranch) {
    const { data } = await github.rest.pulls.get({ owner, repo, pull_number: ref.number });
    await deleteBranch(github, owner, repo, data.head.ref);
  }
}

export async function closePullRequest(
  github: GitHubClient,
  ref: PullRequestRef,
  options: { deleteBranch: boolean; branch?: string },
) {
  const { owner, repo } = split(ref);
  const { data } = await act(
    () => github.rest.pulls.update({ owner, repo, pull_number: ref.number, state: 'closed' }),
    'close',
  );
  if (options.deleteBranch) await deleteBranch(github, owner, repo, options.branch ?? data.head.ref);
}

export async function commentOnPullRequest(github: GitHubClient, ref: PullRequestRef, body: string) {
  const { owner, repo } = split(ref);
  await act(() => github.rest.issues.createComment({ owner, repo, issue_number: ref.number, body }), 'comment on');
}

async function deleteBranch(github: GitHubClient, owner: string, repo: string, branch: string) {
  await act(async () => {
    try {
      await github.rest.git.deleteRef({ owner, repo, ref: `heads/${branch}` });
    } catch (error) {
      // Gone already (GitHub's own "delete branch after merge"): what was asked is done.
      if (statusOf(error) !== 422 && statusOf(error) !== 404) throw error;
    }
  }, `delete the branch ${branch} of`);
}

/** Runs one call, turning GitHub's answers into the host's errors. */
export async function act<T>(call: () => Promise<T>, what: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const wait = rateLimitWait(error);
    if (wait !== undefined)
      throw new HostRateLimited(`GitHub's rate limit: it asks to wait ${wait} s before the next ${what}`, wait);
    // GitHub's GraphQL answers its refusals with HTTP 200 and `errors`: the caller reads them.
    if (Array.isArray((error as { errors?: unknown }).errors) && statusOf(error) === undefined) throw error;
    const status = statusOf(error);
    if (status === 405 || status === 409 || status === 422 || status === 403 || status === 404)
      throw new HostRefusal(`GitHub refused to ${what} it: ${githubMessage(error)}`);
    if (status !== undefined) throw new HostUnavailable(`GitHub answered HTTP ${status}: ${githubMessage(error)}`);
    throw new HostUnavailable(`GitHub could not be reached: ${(error as Error).message}`);
  }
}

export function split(ref: PullRequestRef): { owner: string; repo: string } {
  const [owner, repo] = ref.repositoryName.split('/') as [string, string];
  return { owner, repo };
}
