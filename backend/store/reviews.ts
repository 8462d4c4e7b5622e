import type { RepositoryResult, Review, ReviewCounts, ReviewState } from '../../common/schemas';
import { FINAL_REPOSITORY_STATUSES, type RepositoryStatus, reviewStateOf } from '../../common/status';
import type { JobsTable } from './jobs';
import type { RepositoriesTable } from './repositories';

// A person's review of a repository's diff. It belongs to the attempt whose diff was read: a new
// attempt (retry, revised continue) removes it, and the job's review counters move with every
// change, by atomic ADD after the row write that justifies it (as the run counters do).

/**
 * The review a request records on a row at `attempt`: none for `unreviewed`, a note only when it
 * says something, and an approval's custody fields (`approval`) only on an approval.
 */
export function reviewFrom(
  request: { state: ReviewState; note?: string },
  attempt: number,
  reviewedAt: string,
  approval: Pick<Review, 'patchRevision' | 'digest' | 'baseCommit' | 'signature'> | undefined,
): Review | undefined {
  if (request.state === 'unreviewed') return undefined;
  return {
    state: request.state,
    ...(request.note?.trim() ? { note: request.note.trim() } : {}),
    attempt,
    reviewedAt,
    ...(request.state === 'approved' ? approval : {}),
  };
}

/** The tables a review reads and writes (the Store has both; store.ts counts reviews with `countReviews`). */
export interface ReviewTables {
  readonly jobs: JobsTable;
  readonly repositories: RepositoriesTable;
}

export type ReviewOutcome =
  | { ok: true; row: RepositoryResult }
  | { ok: false; code: 'NOT_FOUND' | 'NOT_REVIEWABLE'; message: string };

export { reviewStateOf };

export function countReviews(states: readonly ReviewState[]): ReviewCounts {
  const counts: ReviewCounts = { unreviewed: 0, approved: 0, rejected: 0 };
  for (const state of states) counts[state]++;
  return counts;
}

export async function reviewRepository(
  store: ReviewTables,
  jobId: string,
  owner: string,
  repositoryName: string,
  /**
   * With `patchRevision`, the row must still be at that revision of its patch. An approval carries
   * what the API checked and signed (backend/api/custody.ts): the digest, revision and base it approves.
   */
  request: {
    state: ReviewState;
    note?: string;
    attempt?: number;
    patchRevision?: number;
    approval?: Pick<Review, 'patchRevision' | 'digest' | 'baseCommit' | 'signature'>;
  },
): Promise<ReviewOutcome> {
  const job = await store.jobs.getOwned(jobId, owner);
  const row = job ? await store.repositories.get(jobId, repositoryName) : undefined;
  if (!job || !row)
    return {
      ok: false,
      code: 'NOT_FOUND',
      message: `Job ${jobId} has no repository ${JSON.stringify(repositoryName)}`,
    };
  const name = row.repositoryName;
  if (request.attempt !== undefined && request.attempt !== row.attempt)
    return {
      ok: false,
      code: 'NOT_REVIEWABLE',
      message:
        `${name} is at attempt ${row.attempt} now: the diff of attempt ${request.attempt} is not ` +
        `the one a publish would push. Read the new diff and review it`,
    };
  const statuses: readonly RepositoryStatus[] =
    request.state === 'approved' ? ['COMPLETED'] : request.state === 'rejected' ? FINAL_REPOSITORY_STATUSES : [];
  if (request.patchRevision !== undefined && request.patchRevision !== (row.patchRevision ?? 0))
    return {
      ok: false,
      code: 'NOT_REVIEWABLE',
      message: `${name}'s patch is at revision ${row.patchRevision ?? 0} now, not ${request.patchRevision}`,
    };
  if (request.state === 'approved' && row.status !== 'COMPLETED')
    return {
      ok: false,
      code: 'NOT_REVIEWABLE',
      message: `${name} is ${row.status}: only a COMPLETED repository, which has a diff, can be approved`,
    };
  if (request.state === 'rejected' && !FINAL_REPOSITORY_STATUSES.includes(row.status))
    return { ok: false, code: 'NOT_REVIEWABLE', message: `${name} is ${row.status}: review it once it has finished` };
  const review = reviewFrom(request, row.attempt, new Date().toISOString(), request.approval);
  const before = await store.repositories.setReview(jobId, name, review, {
    attempt: row.attempt,
    statuses: statuses.length ? statuses : (['PENDING', 'RUNNING', ...FINAL_REPOSITORY_STATUSES] as const),
    ...(request.patchRevision !== undefined ? { patchRevision: request.patchRevision } : {}),
  });
  if (!before)
    return {
      ok: false,
      code: 'NOT_REVIEWABLE',
      message: `${name} changed while it was being reviewed (a new attempt, or another status); refresh and review it again`,
    };
  await moveReviewAfter(store, jobId, before, request.state);
  const after: RepositoryResult = { ...before };
  if (review) after.review = review;
  else delete after.review;
  return { ok: true, row: after };
}

/** Moves the job's review counters once a row written from `before` has review state `to`. */
export async function moveReviewAfter(
  store: ReviewTables,
  jobId: string,
  before: RepositoryResult,
  to: ReviewState,
): Promise<void> {
  const from = reviewStateOf(before);
  if (from !== to && !(await store.jobs.moveReviewCount(jobId, from, to))) await recountReviews(store, jobId);
}

/** Counts a job's reviews from its rows (a job from before review counters, or one whose counters drifted). */
export async function recountReviews(store: ReviewTables, jobId: string): Promise<ReviewCounts> {
  const counts = countReviews((await store.repositories.listAll(jobId)).map(reviewStateOf));
  await store.jobs.setAttributes(jobId, { reviewCounts: counts });
  return counts;
}
