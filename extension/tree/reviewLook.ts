import type { PullRequestInfo, RepositoryResult, ReviewState } from '../../common/schemas';
import type { IconSpec } from './iconSpec';

// How a repository's review and pull request look on its row: a codicon per pull-request state
// (merged, closed, draft, open; an open one's colour says its checks, and requested changes have
// their own icon), and the same said in words for the description, tooltip and screen readers.
// No vscode here.

/** The review of the row's current attempt (a review of an earlier attempt is no review of this diff). */
export function reviewOf(repository: Pick<RepositoryResult, 'review' | 'attempt'>): ReviewState {
  const review = repository.review;
  return review && review.attempt === repository.attempt ? review.state : 'unreviewed';
}

export function pullRequestIcon(pullRequest: PullRequestInfo): IconSpec {
  switch (pullRequest.state) {
    case 'merged':
      return { id: 'git-merge', color: 'charts.purple' };
    case 'closed':
      return { id: 'git-pull-request-closed', color: 'charts.red' };
    case 'draft':
      return { id: 'git-pull-request-draft', color: 'disabledForeground' };
    case 'open':
      if (pullRequest.review === 'changes_requested') return { id: 'request-changes', color: 'charts.orange' };
      if (pullRequest.checks === 'failing') return { id: 'git-pull-request', color: 'testing.iconFailed' };
      if (pullRequest.checks === 'pending') return { id: 'git-pull-request', color: 'charts.yellow' };
      return { id: 'git-pull-request', color: 'testing.iconPassed' };
  }
}

/**
 * The icon a row shows instead of its run state's, or undefined to keep that: the pull request's,
 * a publish under way or failed, else the review's (approved, rejected) of a changed repository.
 */
export function reviewOrPullRequestIcon(repository: RepositoryResult): IconSpec | undefined {
  if (repository.pullRequest) return pullRequestIcon(repository.pullRequest);
  const publication = repository.publication?.status;
  if (publication === 'queued' || publication === 'publishing') return { id: 'sync~spin', color: 'charts.blue' };
  if (publication === 'failed') return { id: 'cloud-upload', color: 'testing.iconFailed' };
  if (repository.status !== 'COMPLETED') return undefined;
  const review = reviewOf(repository);
  if (review === 'approved') return { id: 'thumbsup', color: 'testing.iconPassed' };
  if (review === 'rejected') return { id: 'thumbsdown', color: 'disabledForeground' };
  return undefined;
}

const CHECK_WORDS: Record<PullRequestInfo['checks'], string | undefined> = {
  passing: 'checks passing',
  failing: 'checks failing',
  pending: 'checks pending',
  none: undefined,
};

const HOST_REVIEW_WORDS: Record<PullRequestInfo['review'], string | undefined> = {
  approved: 'PR approved',
  changes_requested: 'changes requested',
  review_required: 'review required',
  none: undefined,
};

/** `PR merged`, `PR open · checks failing · changes requested`. */
export function pullRequestWords(pullRequest: PullRequestInfo): string[] {
  const words = [`PR ${pullRequest.state}`];
  if (pullRequest.state === 'open' || pullRequest.state === 'draft') {
    const checks = CHECK_WORDS[pullRequest.checks];
    const review = HOST_REVIEW_WORDS[pullRequest.review];
    if (checks) words.push(checks);
    if (review) words.push(review);
    if (pullRequest.state === 'open' && pullRequest.mergeable === false) words.push('not mergeable');
  }
  return words;
}

/**
 * The row's review and pull request in words, for its description: `approved`, `rejected`,
 * `publishing`, `publish failed`, `PR open · checks passing`; a row with only a URL (from before
 * states were followed) says `PR`.
 */
export function reviewAndPullRequestWords(repository: RepositoryResult): string[] {
  const words: string[] = [];
  const review = reviewOf(repository);
  if (review !== 'unreviewed') words.push(review);
  if (repository.pullRequest) words.push(...pullRequestWords(repository.pullRequest));
  else if (repository.publication?.status === 'queued' || repository.publication?.status === 'publishing')
    words.push('publishing');
  else if (repository.publication?.status === 'failed') words.push('publish failed');
  else if (repository.pullRequestUrl) words.push('PR');
  return words;
}

/**
 * The same words in the order a narrow sidebar should keep them, what tells most first: a pull
 * request's checks and requested changes before "PR open", then the review: `checks failing · PR
 * open · approved`. The row's colour then never says alone what its words do not.
 */
export function stateFirstWords(repository: RepositoryResult): string[] {
  const words = reviewAndPullRequestWords(repository);
  if (!repository.pullRequest) return words;
  const review = reviewOf(repository);
  const [state, ...telling] = pullRequestWords(repository.pullRequest);
  return [...telling, state!, ...(review !== 'unreviewed' ? [review] : [])];
}

/** The tooltip's lines about the review and pull request. */
export function reviewAndPullRequestTooltip(repository: RepositoryResult): string[] {
  const lines: string[] = [];
  const review = reviewOf(repository);
  if (review !== 'unreviewed') {
    const note = repository.review?.note?.replace(/\s+/g, ' ').trim().slice(0, 300);
    lines.push(`Review: ${review}${note ? ` — ${note}` : ''}`);
  }
  const pullRequest = repository.pullRequest;
  if (pullRequest) {
    const checks = pullRequest.checks === 'none' ? 'no checks' : `checks ${pullRequest.checks}`;
    const hostReview = pullRequest.review === 'none' ? 'no review' : pullRequest.review.replace('_', ' ');
    lines.push(`Pull request #${pullRequest.number}: ${pullRequest.state}, ${checks}, ${hostReview}`);
  }
  if (repository.publication?.status === 'failed' && repository.publication.error)
    lines.push(
      `Publish failed: ${repository.publication.error.code}: ${repository.publication.error.message.slice(0, 300)}`,
    );
  return lines;
}
