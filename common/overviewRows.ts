import type { Page, ListOptions } from './client';
import type { Job, RepositoryResult } from './schemas';
import type { RepositoryStatus } from './status';

// The rows the Job overview reads, one implementation for both hosts (the extension's panel and the
// web app): a small job's every row (the page counts them: the truth, newer than the job's stored
// counts), a large job's FAILED rows only, a page at a time up to a cap of rows and of pages (the
// failures by error code), its counts coming from the job item (`counts`, `reviewCounts`, `pullRequestCounts`).
// Browser-safe.

/** Jobs up to this many rows are read whole. */
export const OVERVIEW_ALL_ROWS_MAX = 1_000;
/** A large job's failures listed at most (the counts stay whole). */
export const OVERVIEW_FAILED_ROWS_MAX = 500;
/**
 * The API filters each page of 100 rows by status, so a few failures spread over 10,000 rows are
 * mostly empty pages: a load goes through at most this many (the page says how many it lists).
 */
export const OVERVIEW_FAILED_PAGES_MAX = 20;

export interface OverviewRowsSource {
  listRepositories(
    jobId: string,
    options?: ListOptions & { status?: RepositoryStatus },
  ): Promise<Page<RepositoryResult>>;
}

export interface OverviewRowsOptions {
  allRowsMax?: number;
  failedRowsMax?: number;
  failedPagesMax?: number;
}

export async function overviewRows(
  source: OverviewRowsSource,
  job: Pick<Job, 'jobId' | 'counts'>,
  options: OverviewRowsOptions = {},
): Promise<RepositoryResult[]> {
  const large = job.counts.total > (options.allRowsMax ?? OVERVIEW_ALL_ROWS_MAX);
  if (large && job.counts.failed === 0) return [];
  const max = large ? (options.failedRowsMax ?? OVERVIEW_FAILED_ROWS_MAX) : Number.POSITIVE_INFINITY;
  const status = large ? ('FAILED' as const) : undefined;
  const maxPages = large ? (options.failedPagesMax ?? OVERVIEW_FAILED_PAGES_MAX) : Number.POSITIVE_INFINITY;
  const rows: RepositoryResult[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await source.listRepositories(job.jobId, { limit: 100, nextToken, status });
    rows.push(...page.items);
    nextToken = page.nextToken;
    pages++;
  } while (nextToken && rows.length < max && pages < maxPages);
  return large ? rows.slice(0, max) : rows;
}
