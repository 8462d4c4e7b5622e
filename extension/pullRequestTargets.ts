import { currentRound, hasOpenPullRequest } from '../common/followUps';
import type { Job, RepositoryResult } from '../common/schemas';
import { filterText, matchesFilter, type RepositoryFilter } from './tree/repositoryFilter';
import { reviewOf } from './tree/reviewLook';

// Which of a job's repositories a job action takes, from their rows and the tree's filter (an
// action on a filtered job acts on what the tree shows). The server checks each again against the
// host, so a row that went stale is reported, never acted on blindly. No vscode here.

/**
 * Completed, not rejected, not being published, and either without a pull request yet or a
 * follow-up round its open pull request does not hold yet: what Publish… offers.
 */
export function publishable(row: RepositoryResult): boolean {
  const publication = row.publication?.status;
  const unpublishedRound =
    currentRound(row) !== undefined && row.publishedAttempt !== row.attempt && hasOpenPullRequest(row);
  return (
    row.status === 'COMPLETED' &&
    ((!row.pullRequest && !row.pullRequestUrl) || unpublishedRound) &&
    publication !== 'queued' &&
    publication !== 'publishing' &&
    reviewOf(row) !== 'rejected'
  );
}

export function approvedUnpublished(row: RepositoryResult): boolean {
  return publishable(row) && reviewOf(row) === 'approved';
}

export interface Targets {
  rows: RepositoryResult[];
  /** `ready (open, checks passing or none, no changes requested), shown by the tree's filter: PR open`. */
  description: string;
}

export function targetsOf(
  rows: readonly RepositoryResult[],
  choose: (row: RepositoryResult) => boolean,
  chosenWords: string,
  filter: RepositoryFilter | undefined,
): Targets {
  const shown = filterText(filter);
  return {
    rows: rows.filter((row) => choose(row) && matchesFilter(row, filter)),
    description: shown ? `${chosenWords}; only those the tree shows: ${shown}` : chosenWords,
  };
}

/** `1 pull request`, `3 pull requests`. */
export function countOf(count: number, thing: 'pull request' | 'repository'): string {
  const plural = thing === 'repository' ? 'repositories' : 'pull requests';
  return `${count} ${count === 1 ? thing : plural}`;
}

/** Whether a job can have pull requests to act on (for the palette's pick of jobs). */
export function mayHavePullRequests(job: Job): boolean {
  const prs = job.pullRequestCounts;
  return (!!prs && prs.open + prs.draft + prs.merged + prs.closed > 0) || !!job.publishRun || job.createPullRequests;
}

/** The names a confirmation lists, one a line: the first `limit`, then how many more. */
export function namesList(rows: readonly RepositoryResult[], limit = 20): string {
  const names = rows.slice(0, limit).map((row) => row.repositoryName);
  if (rows.length > limit) names.push(`… and ${rows.length - limit} more`);
  return names.join('\n');
}
