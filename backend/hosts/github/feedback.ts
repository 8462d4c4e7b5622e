import type { FeedbackItem } from '../../../common/schemas';
import { HostRefusal, type PullRequestComment, type PullRequestRef } from '../codeHost';
import { cutFeedback, newestFeedback } from '../triggerText';
import type { GitHubClient } from './client';
import { act, split } from './pullRequestActions';

// What people said on a pull request, for a review follow-up: review comments on lines (with the
// diff hunk each sits on), reviews that request changes or say something, and conversation
// comments. Cody Batch's own words are left out: its identity is GraphQL's `viewer` (a token's
// user, or an app's `slug[bot]`, for which REST's /user is refused). All of it is untrusted text.

/** Cody Batch's own login on GitHub, as the token says. */
export async function ownLogin(github: GitHubClient): Promise<string> {
  const answer = await act(
    () => github.graphql<{ viewer: { login: string } }>('query { viewer { login } }'),
    'ask who',
  );
  return answer.viewer.login;
}

export async function reviewFeedback(
  github: GitHubClient,
  ref: PullRequestRef,
  self: string,
  since?: string,
): Promise<FeedbackItem[]> {
  const { owner, repo } = split(ref);
  const pull_number = ref.number;
  const [lineComments, reviews, comments] = await act(
    () =>
      Promise.all([
        github.paginate(github.rest.pulls.listReviewComments, { owner, repo, pull_number, per_page: 100 }),
        github.paginate(github.rest.pulls.listReviews, { owner, repo, pull_number, per_page: 100 }),
        github.paginate(github.rest.issues.listComments, {
          owner,
          repo,
          issue_number: pull_number,
          per_page: 100,
          ...(since ? { since } : {}),
        }),
      ]),
    'read the reviews of',
  );
  const items: FeedbackItem[] = [];
  for (const comment of lineComments) {
    items.push({
      ...said('review-comment', comment, comment.created_at),
      path: comment.path,
      ...(typeof (comment.line ?? comment.original_line) === 'number'
        ? { line: (comment.line ?? comment.original_line)! }
        : {}),
      ...(comment.diff_hunk ? { diffHunk: comment.diff_hunk } : {}),
    });
  }
  for (const review of reviews) {
    // A review's line comments are listed above; the review itself counts when it says something or asks for changes.
    if (!review.submitted_at || (!review.body?.trim() && review.state !== 'CHANGES_REQUESTED')) continue;
    items.push({ ...said('review', review, review.submitted_at), state: review.state });
  }
  for (const comment of comments) {
    items.push(said('comment', comment, comment.created_at));
  }
  const others = items.filter((item) => item.author !== self && (!since || item.createdAt > since));
  return newestFeedback(others, (item) => item.createdAt).map((item) => ({
    ...item,
    body: cutFeedback(item.body),
    ...(item.diffHunk ? { diffHunk: cutFeedback(item.diffHunk) } : {}),
  }));
}

/** What a line comment, a review and a conversation comment give alike. */
function said(
  kind: FeedbackItem['kind'],
  from: { user?: { login: string } | null; body?: string | null; html_url: string },
  createdAt: string,
): FeedbackItem {
  return { kind, author: from.user?.login ?? 'ghost', body: from.body ?? '', createdAt, url: from.html_url };
}

/**
 * A comment by its address on GitHub: `…/pull/7#issuecomment-1`, `#discussion_r2` (a review
 * comment) or `#pullrequestreview-3`. HostRefusal for anything else.
 */
export async function pullRequestComment(github: GitHubClient, url: string): Promise<PullRequestComment> {
  const match =
    /^https?:\/\/[^/]+(?:\/[^/]+)*?\/([^/]+)\/([^/]+)\/pull\/(\d+)(?:\/files)?#(issuecomment-|discussion_r|pullrequestreview-)(\d+)$/.exec(
      url,
    );
  if (!match)
    throw new HostRefusal(
      `${url} is not a pull-request comment's address (…/pull/N#issuecomment-…, #discussion_r… or #pullrequestreview-…)`,
    );
  const [, owner, repo, number, kind, id] = match as unknown as [string, string, string, string, string, string];
  const ref = { repositoryName: `${owner}/${repo}`, number: Number(number) };
  if (kind === 'issuecomment-') {
    const { data } = await act(
      () => github.rest.issues.getComment({ owner, repo, comment_id: Number(id) }),
      'read the comment of',
    );
    return { ref, author: data.user?.login ?? 'ghost', body: data.body ?? '', url };
  }
  if (kind === 'discussion_r') {
    const { data } = await act(
      () => github.rest.pulls.getReviewComment({ owner, repo, comment_id: Number(id) }),
      'read the review comment of',
    );
    return { ref, author: data.user?.login ?? 'ghost', body: data.body, url };
  }
  const { data } = await act(
    () => github.rest.pulls.getReview({ owner, repo, pull_number: ref.number, review_id: Number(id) }),
    'read the review of',
  );
  return { ref, author: data.user?.login ?? 'ghost', body: data.body ?? '', url };
}
