import { countPullRequests } from '../../common/pullRequestCounts';
import type { BurndownPoint, Job, PullRequestInfo, RepositoryResult } from '../../common/schemas';
import { isFinalJobStatus } from '../../common/status';
import {
  type CodeHost,
  opensPullRequests,
  type PullRequestHost,
  type PullRequestRef,
  type PullRequestStatus,
  pullRequestKey,
} from '../hosts';
import type { Store } from '../store/store';
import { PUBLICATION_STALE_MS } from './publish';

// Every row with a pull request records its state, checks and review as the code host last told
// them; the job counts them and keeps a bounded history of the counts (the burndown). A refresh
// asks the host about every pull request of a job that is not merged, in GraphQL batches of 100 on
// GitHub, and writes only the rows that changed. The local stack's loop and the sweeper on AWS
// refresh jobs with open pull requests; POST /jobs/{id}/pull-requests/refresh does it on request.

/** The burndown keeps at most this many points; past it, every other one of them goes. */
export const MAX_BURNDOWN_POINTS = 240;

/** The pull request of a row, as the host numbers it; undefined when the row has none. */
export function pullRequestRefOf(row: RepositoryResult): PullRequestRef | undefined {
  if (!row.pullRequestUrl) return undefined;
  const number = row.pullRequest?.number ?? Number(/\/pull\/(\d+)(?:[/?#]|$)/.exec(row.pullRequestUrl)?.[1]);
  return Number.isInteger(number) && number > 0 ? { repositoryName: row.repositoryName, number } : undefined;
}

export function infoOf(status: PullRequestStatus): PullRequestInfo {
  const { url, number, state, checks, review, mergeable, updatedAt, autoMerge, feedbackAt } = status;
  return {
    url,
    number,
    state,
    checks,
    review,
    mergeable,
    updatedAt,
    ...(autoMerge ? { autoMerge } : {}),
    ...(feedbackAt ? { feedbackAt } : {}),
  };
}

/** The burndown with one more point, thinned evenly (every other older point) once it is too long. */
export function withBurndownPoint(burndown: readonly BurndownPoint[], point: BurndownPoint): BurndownPoint[] {
  const points = [...burndown, point];
  if (points.length <= MAX_BURNDOWN_POINTS) return points;
  // Keep the first and the newest; of the others, every second one.
  return points.filter((_, index) => index === points.length - 1 || index % 2 === 0);
}

/**
 * Asks the host about the given rows' pull requests (all of a job's that are not merged, by
 * default) and writes the rows whose pull request changed. Returns the rows as they now are.
 */
export async function refreshRows(
  store: Store,
  host: PullRequestHost,
  rows: RepositoryResult[],
): Promise<RepositoryResult[]> {
  const refs = rows.flatMap((row) => {
    const ref = row.pullRequest?.state === 'merged' ? undefined : pullRequestRefOf(row);
    return ref ? [{ row, ref }] : [];
  });
  const statuses = await host.pullRequestStatuses(refs.map(({ ref }) => ref));
  const updated = new Map<string, RepositoryResult>();
  for (const { row, ref } of refs) {
    const status = statuses.get(pullRequestKey(ref));
    if (!status) continue;
    const info = infoOf(status);
    if (sameInfo(row.pullRequest, info)) continue;
    // The row may point at another pull request meanwhile (a new attempt): then it is not written.
    if (await store.repositories.setPullRequest(row.jobId, row.repositoryName, { ...info, url: row.pullRequestUrl! }))
      updated.set(row.repositoryName, { ...row, pullRequest: { ...info, url: row.pullRequestUrl! } });
  }
  return rows.map((row) => updated.get(row.repositoryName) ?? row);
}

/** Refreshes one job: its rows, its counts, a burndown point; stale publications are ended. */
export async function refreshJob(store: Store, host: PullRequestHost, job: Job, now = Date.now()): Promise<Job> {
  const rows = await failStalePublications(store, await store.repositories.listAll(job.jobId), now);
  const current = await refreshRows(store, host, rows);
  const counts = countPullRequests(current);
  const at = new Date(now).toISOString();
  const { open, draft, merged, closed } = counts;
  await store.jobs.setAttributes(job.jobId, {
    pullRequestCounts: counts,
    pullRequestsRefreshedAt: at,
    burndown: withBurndownPoint(job.burndown ?? [], { at, open, draft, merged, closed }),
  });
  return (await store.jobs.get(job.jobId)) ?? job;
}

/**
 * Writes a job's pull-request counts from its rows after a bulk action, with a burndown point: a
 * merge or a close is a step the burndown shows at once, not at the next refresh.
 */
export async function recountPullRequests(
  store: Store,
  job: Pick<Job, 'jobId' | 'burndown'>,
  rows: RepositoryResult[],
  now = Date.now(),
): Promise<void> {
  const counts = countPullRequests(rows);
  const { open, draft, merged, closed } = counts;
  await store.jobs.setAttributes(job.jobId, {
    pullRequestCounts: counts,
    burndown: withBurndownPoint(job.burndown ?? [], { at: new Date(now).toISOString(), open, draft, merged, closed }),
  });
}

/** Whether the scheduled refresh should look at this job: it has, or is about to have, open pull requests. */
export function needsRefresh(job: Job): boolean {
  if (!job.createPullRequests && !job.publishRun) return false;
  if (job.status === 'PENDING') return false;
  const counts = job.pullRequestCounts;
  if (!counts || !isFinalJobStatus(job.status)) return true;
  // Open ones change; so do the counts while a publish is still opening some.
  if (counts.open + counts.draft + (counts.publishing ?? 0) > 0) return true;
  // Pull requests opened since the last refresh (the run's end, a publish).
  const last = job.pullRequestsRefreshedAt ?? '';
  return last < (job.finishedAt ?? '') || last < (job.publishRun?.requestedAt ?? '');
}

export interface RefreshAllReport {
  jobs: number;
  errors: { jobId: string; message: string }[];
}

/** The schedule's refresh: every job that needs one, each on its own (one job's trouble stops no other). */
export async function refreshAll(
  store: Store,
  host: CodeHost | undefined,
  now = Date.now(),
): Promise<RefreshAllReport> {
  const report: RefreshAllReport = { jobs: 0, errors: [] };
  // No pull requests on this host, or no credentials to ask with (GitHub's GraphQL API wants a token).
  if (!host || !opensPullRequests(host) || !host.hasCredentials) return report;
  for (const job of await store.jobs.scanAll(needsRefresh)) {
    report.jobs++;
    try {
      await refreshJob(store, host.pullRequests, job, now);
    } catch (error) {
      report.errors.push({ jobId: job.jobId, message: (error as Error).message });
    }
  }
  return report;
}

/** Ends publications whose worker went silent or never started, so the row can be published again. */
async function failStalePublications(store: Store, rows: RepositoryResult[], now: number): Promise<RepositoryResult[]> {
  const result: RepositoryResult[] = [];
  for (const row of rows) {
    const publication = row.publication;
    const active = publication && (publication.status === 'queued' || publication.status === 'publishing');
    const last = publication && Date.parse(publication.heartbeatAt ?? publication.requestedAt);
    if (!active || last === undefined || last > now - PUBLICATION_STALE_MS) {
      result.push(row);
      continue;
    }
    const error = {
      code: publication.status === 'queued' ? 'NEVER_STARTED' : 'WORKER_LOST',
      message: `The publish stopped (last heard of ${publication.heartbeatAt ?? publication.requestedAt}); publish it again`,
    };
    const failed = await store.repositories.failPublication(
      row.jobId,
      row.repositoryName,
      publication.runId,
      [publication.status],
      error,
    );
    result.push(failed ? { ...row, publication: { ...publication, status: 'failed', error } } : row);
  }
  return result;
}

function sameInfo(a: PullRequestInfo | undefined, b: PullRequestInfo): boolean {
  return (
    a !== undefined &&
    a.number === b.number &&
    a.state === b.state &&
    a.checks === b.checks &&
    a.review === b.review &&
    a.mergeable === b.mergeable &&
    a.updatedAt === b.updatedAt &&
    a.feedbackAt === b.feedbackAt &&
    a.autoMerge?.enabledAt === b.autoMerge?.enabledAt
  );
}
