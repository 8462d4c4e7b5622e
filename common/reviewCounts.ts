import type { Job, RepositoryResult } from './schemas';
import { reviewStateOf } from './status';

// How many repositories are reviewed, counted one way everywhere (the diff view's progress line,
// the overview, the tree's tooltip): only what can be reviewed counts — a COMPLETED repository's
// current diff. Failed and no-change repositories cannot be approved, so they are never
// "unreviewed"; where they are shown at all, they are "not reviewable". Pure and browser-safe.

export interface ReviewTally {
  /** Repositories with a diff to review. */
  reviewable: number;
  approved: number;
  rejected: number;
  unreviewed: number;
  /** Failed, no-change, cancelled, still running: nothing to review (yet). */
  notReviewable: number;
}

/** The tally of rows that are all reviewable (the diff view's review order). */
export function tallyReviewable(rows: readonly Pick<RepositoryResult, 'attempt' | 'review'>[]): ReviewTally {
  let approved = 0;
  let rejected = 0;
  for (const row of rows) {
    const state = reviewStateOf(row);
    if (state === 'approved') approved++;
    else if (state === 'rejected') rejected++;
  }
  return {
    reviewable: rows.length,
    approved,
    rejected,
    unreviewed: rows.length - approved - rejected,
    notReviewable: 0,
  };
}

/**
 * A job's tally: from its rows when they are all there (they are newer than the job's counters),
 * else from the job's counters, where reviews count against its COMPLETED repositories.
 */
export function reviewTally(
  job: Pick<Job, 'counts' | 'reviewCounts'>,
  rows?: readonly Pick<RepositoryResult, 'status' | 'attempt' | 'review'>[],
): ReviewTally {
  const total = job.counts.total;
  // A job from before review counters has only its rows to count.
  if (rows && (rows.length >= total || !job.reviewCounts)) {
    const tally = tallyReviewable(rows.filter((row) => row.status === 'COMPLETED'));
    return { ...tally, notReviewable: Math.max(total, rows.length) - tally.reviewable };
  }
  const reviewable = job.counts.completed;
  // A rejected kept change of a failed verification is a review of no COMPLETED repository.
  const approved = Math.min(job.reviewCounts?.approved ?? 0, reviewable);
  const rejected = Math.min(job.reviewCounts?.rejected ?? 0, reviewable - approved);
  return {
    reviewable,
    approved,
    rejected,
    unreviewed: reviewable - approved - rejected,
    notReviewable: total - reviewable,
  };
}
