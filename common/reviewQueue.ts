import type { Job, RepositoryResult, ReviewState } from './schemas';
import { reviewStateOf } from './status';
import { groupRepositories } from './repositoryStates';
import { tallyReviewable } from './reviewCounts';

// The repositories a reviewer goes through in the diff view, in the order the Jobs tree shows them
// (grouped by state, or one flat list): the COMPLETED ones, which have a diff to approve. Where
// Next/Previous Repository go, where an approval moves on to, and the progress line. No vscode.

export interface ReviewProgress {
  reviewed: number;
  approved: number;
  rejected: number;
  total: number;
}

/** The job's COMPLETED rows in the tree's order. */
export function reviewOrder(
  rows: readonly RepositoryResult[],
  job: Pick<Job, 'status'>,
  grouped: boolean,
): RepositoryResult[] {
  const shown = grouped ? groupRepositories(rows, job).flatMap((group) => group.repositories) : rows;
  return shown.filter((row) => row.status === 'COMPLETED');
}

export function reviewProgress(order: readonly RepositoryResult[]): ReviewProgress {
  const { approved, rejected, reviewable } = tallyReviewable(order);
  return { reviewed: approved + rejected, approved, rejected, total: reviewable };
}

/** "12 of 40 reviewed · 10 approved, 2 rejected". */
export function progressText(progress: ReviewProgress): string {
  const head = `${progress.reviewed} of ${progress.total} reviewed`;
  if (progress.reviewed === 0) return head;
  return `${head} · ${progress.approved} approved, ${progress.rejected} rejected`;
}

/** The next repository without a review after `current`, going round to the top; never `current` itself. */
export function nextUnreviewed(order: readonly RepositoryResult[], current: string): RepositoryResult | undefined {
  const at = order.findIndex((row) => row.repositoryName === current);
  const after = [...order.slice(at + 1), ...order.slice(0, Math.max(at, 0))];
  return after.find((row) => row.repositoryName !== current && reviewStateOf(row) === 'unreviewed');
}

/**
 * The repository before or after `current`, going round at the ends as Approve does (so Next is
 * never off where Approve still moves on); never `current` itself. A repository not in the order (a
 * failed one opened from the tree) goes to the first or the last.
 */
export function neighbour(
  order: readonly RepositoryResult[],
  current: string,
  direction: 'next' | 'previous',
): RepositoryResult | undefined {
  const at = order.findIndex((row) => row.repositoryName === current);
  if (at < 0) return direction === 'next' ? order[0] : order.at(-1);
  if (order.length < 2) return undefined;
  return order[(at + (direction === 'next' ? 1 : -1) + order.length) % order.length];
}

/** A review's words while it runs and once done: `Approving`, `Approved`. */
export const REVIEW_VERBS: Record<ReviewState, readonly [doing: string, done: string]> = {
  approved: ['Approving', 'Approved'],
  rejected: ['Rejecting', 'Rejected'],
  unreviewed: ['Clearing the review of', 'Cleared the review of'],
};

/** Where `current` stands in the order, as a diff's review bar shows it: the progress and its neighbours. */
export function placeInOrder(
  order: readonly RepositoryResult[],
  current: string,
): { progress: string; previousRepository?: string; nextRepository?: string } {
  return {
    progress: progressText(reviewProgress(order)),
    previousRepository: neighbour(order, current, 'previous')?.repositoryName,
    nextRepository: neighbour(order, current, 'next')?.repositoryName,
  };
}

/** The neighbour in `direction`, or why there is none (Previous and Next Repository). */
export function stepTarget(
  order: readonly RepositoryResult[],
  from: string,
  direction: 'next' | 'previous',
): { goTo: string } | { message: string } {
  const to = neighbour(order, from, direction);
  if (to) return { goTo: to.repositoryName };
  return { message: noNeighbourText(order.length) };
}

/**
 * After `current` was reviewed `state` (`done` says it: `Approved`), where the diff view goes (the
 * next unreviewed repository, or it stays) and what it says.
 */
export function afterReview(
  order: readonly RepositoryResult[],
  current: string,
  state: ReviewState,
  done: string,
): { goTo: string; notice: string } {
  const next = state === 'unreviewed' ? undefined : nextUnreviewed(order, current);
  const notice =
    state === 'unreviewed'
      ? `${done} ${current}.`
      : next
        ? `${done} ${current}. Next unreviewed: ${next.repositoryName}.`
        : `${done} ${current}. No unreviewed repository is left in this job (${progressText(reviewProgress(order))}).`;
  return { goTo: next?.repositoryName ?? current, notice };
}

/** Why Previous or Next Repository goes nowhere: there is no other repository with a diff. */
export function noNeighbourText(count: number): string {
  return count === 0 ? 'No repository of this job has a diff.' : 'This is the only repository of this job with a diff.';
}
