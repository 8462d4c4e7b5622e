import type { ActionProgress } from './actionResults';
import type { PublishRequest, PublishResponse, RepositoryActionResult, RepositoryResult, ReviewState } from './schemas';

// After a publish: the repositories it queued are published by a short worker run. These follow
// them until each is published or failed, for the CLI's `publish --wait`, and VS Code's and the web
// app's Publish… (a queued repository is not a published one: its push may yet be refused).

export interface PublicationSource {
  allRepositories(jobId: string): Promise<RepositoryResult[]>;
}

/** The publish, then its worker run followed, under an action's progress: what could not be queued at once, then "2 of 5 published". */
export async function publishFollowed(
  client: PublicationSource & { publish(jobId: string, request?: PublishRequest): Promise<PublishResponse> },
  jobId: string,
  request: PublishRequest,
  progress: ActionProgress,
): Promise<RepositoryActionResult[]> {
  const answer = await client.publish(jobId, request);
  progress.add(answer.results.filter((result) => result.outcome !== 'queued'));
  return followPublication(client, jobId, answer.results, {
    onProgress: (busy, queued) => progress.say(`${queued - busy} of ${queued} published`),
  });
}

/** Whether a row's publish still runs. */
function publishing(row: RepositoryResult): boolean {
  return row.publication?.status === 'queued' || row.publication?.status === 'publishing';
}

/** The publish's results with each queued repository's outcome as its row now says: done or failed, with why. */
export function publicationResults(
  results: readonly RepositoryActionResult[],
  rows: readonly RepositoryResult[],
): RepositoryActionResult[] {
  return results.map((result) => {
    const row = rows.find((candidate) => candidate.repositoryName === result.repositoryName);
    if (!row || result.outcome !== 'queued') return result;
    return row.publication?.status === 'published'
      ? { ...result, outcome: 'done', ...(row.pullRequest ? { pullRequest: row.pullRequest } : {}) }
      : {
          ...result,
          outcome: 'failed',
          reason: row.publication?.error
            ? `${row.publication.error.code}: ${row.publication.error.message}`
            : 'not published',
        };
  });
}

export interface FollowOptions {
  /** After each look: how many of the queued ones are still publishing. */
  onProgress?(publishing: number, queued: number): void;
  intervalMs?: number;
  /** Stops following (the results then say what each row says at that moment). */
  cancelled?(): boolean;
}

/** Follows the queued repositories until each is published or failed; their results say which. */
export async function followPublication(
  client: PublicationSource,
  jobId: string,
  results: RepositoryActionResult[],
  options: FollowOptions = {},
): Promise<RepositoryActionResult[]> {
  const queued = new Set(results.filter((result) => result.outcome === 'queued').map((r) => r.repositoryName));
  if (queued.size === 0) return results;
  for (;;) {
    const rows = (await client.allRepositories(jobId)).filter((row) => queued.has(row.repositoryName));
    const busy = rows.filter(publishing).length;
    options.onProgress?.(busy, queued.size);
    if (busy === 0 || options.cancelled?.()) return publicationResults(results, rows);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 1_000));
  }
}

/** Why a publish of the approved ones (`approved: true`) leaves a repository out: it is not approved. */
export function notApprovedReason(state: ReviewState): string {
  return `is ${state}, not approved`;
}

/**
 * Whether a publish did what was asked of this repository: published (or queued), or, when only
 * the approved ones were asked for, left out for not being approved (a rejected one is no failure).
 */
export function publishedAsAsked(result: RepositoryActionResult, approvedOnly: boolean): boolean {
  if (result.outcome === 'queued' || result.outcome === 'done') return true;
  return (
    approvedOnly &&
    result.outcome === 'skipped' &&
    (result.reason === notApprovedReason('rejected') || result.reason === notApprovedReason('unreviewed'))
  );
}
