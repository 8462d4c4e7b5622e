import { ApiError, type CodyBatchClient } from '../../common/client';
import { afterReview, placeInOrder, REVIEW_VERBS, reviewOrder } from '../../common/reviewQueue';
import type { Job, RepositoryResult, ReviewState } from '../../common/schemas';
import { sha256Hex } from '../../common/sha256';
import { reviewStateOf } from '../../common/status';
import { MAX_OPEN_KEYS } from '../../common/webviewProtocol';

// Reviewing in the web app's diff page, as the extension's diff panel does it: the job's COMPLETED
// repositories in the tree's (grouped) order, Approve/Reject moving on to the next unreviewed one,
// the progress line, and Viewed files kept in this browser's local storage per job, repository,
// attempt and patch (a new attempt or revision starts with nothing viewed). The order itself is
// common/reviewQueue.ts, shared with the extension.

const VIEWED_PREFIX = 'cody-batch.viewed:';

export interface ReviewLine {
  review?: { state: ReviewState; note?: string };
  progress?: string;
  previousRepository?: string;
  nextRepository?: string;
}

/** The job's repositories with a diff, in the tree's order. */
export async function reviewOrderOf(client: CodyBatchClient, job: Job, fresh?: RepositoryResult) {
  const rows = (await client.allRepositories(job.jobId)).map((row) =>
    fresh && row.repositoryName === fresh.repositoryName ? fresh : row,
  );
  return reviewOrder(rows, job, true);
}

/** What the diff page's header shows for the current attempt of `repository`. */
export function reviewLine(
  order: readonly RepositoryResult[],
  repository: RepositoryResult,
  current: boolean,
): ReviewLine {
  const state = reviewStateOf(repository);
  return {
    review: current ? { state, note: state === 'unreviewed' ? undefined : repository.review?.note } : undefined,
    ...placeInOrder(order, repository.repositoryName),
  };
}

/** Reviews the shown attempt, then says where to go: the next unreviewed repository, or here. */
export async function reviewAndMoveOn(
  client: CodyBatchClient,
  job: Job,
  shown: { repositoryName: string; attempt: number; digest?: string },
  state: ReviewState,
  note: string | undefined,
): Promise<{ goTo: string; notice: string }> {
  const [doing, done] = REVIEW_VERBS[state];
  let row: RepositoryResult;
  try {
    row = await client.reviewRepository(job.jobId, shown.repositoryName, {
      state,
      ...(note?.trim() ? { note: note.trim() } : {}),
      attempt: shown.attempt,
      ...(shown.digest ? { digest: shown.digest } : {}),
    });
  } catch (error) {
    // A refusal of what was painted (409) is the caller's to say: the page no longer shows what is there.
    if (error instanceof ApiError && error.status === 409) throw error;
    throw new Error(
      `${doing} ${shown.repositoryName} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return afterReview(await reviewOrderOf(client, job, row), shown.repositoryName, state, done);
}

export interface ViewedPlace {
  jobId: string;
  repositoryName: string;
  attempt: number;
  patch: string;
}

function viewedKey(place: ViewedPlace): string {
  return `${VIEWED_PREFIX}${JSON.stringify([place.jobId, place.repositoryName, place.attempt, sha256Hex(place.patch).slice(0, 16)])}`;
}

/** The files marked Viewed here; a damaged entry reads as none. */
export function viewedFiles(storage: Storage, place: ViewedPlace): string[] {
  try {
    const value: unknown = JSON.parse(storage.getItem(viewedKey(place)) ?? '[]');
    return Array.isArray(value)
      ? value.filter((path): path is string => typeof path === 'string').slice(0, MAX_OPEN_KEYS)
      : [];
  } catch {
    return [];
  }
}

export function setViewed(storage: Storage, place: ViewedPlace, path: string, viewed: boolean): void {
  const paths = new Set(viewedFiles(storage, place));
  if (viewed) paths.add(path);
  else paths.delete(path);
  storage.setItem(viewedKey(place), JSON.stringify([...paths].slice(0, MAX_OPEN_KEYS)));
}
