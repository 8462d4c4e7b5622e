import { countPullRequests } from '../../common/pullRequestCounts';
import type { Job, PullRequestCounts, RepositoryResult } from '../../common/schemas';
import { verificationFailed } from '../../common/statusText';
import { reviewTally } from '../../common/reviewCounts';
import type { RepositoryView } from '../../common/webviewProtocol';

// The Job overview's numbers, from the job and its rows: counts by run status, review and
// pull-request state, the cost, and the failures grouped by error code. Pure and browser-safe, so
// the same view can run in a web app with another host.

export interface Count {
  key: string;
  label: string;
  value: number;
}

/** A bar's counts: for each key of `labels`, in that order, its label and its number in `numbers`. */
function countsOf<K extends string>(numbers: Record<NoInfer<K>, number>, labels: Record<K, string>): Count[] {
  return (Object.keys(labels) as K[]).map((key) => ({ key, label: labels[key], value: numbers[key] }));
}

export interface FailedRepository {
  repositoryName: string;
  message: string;
  /** A command job's change kept though its verification failed opens as a diff; else the log. */
  view: RepositoryView;
}

export interface FailureGroup {
  code: string;
  repositories: FailedRepository[];
}

export interface OverviewModel {
  jobName: string;
  status: string;
  total: number;
  run: Count[];
  review: Count[];
  pullRequests: Count[];
  checks: Count[];
  costUsd: number;
  tokens: { input: number; output: number; cacheRead: number; cacheWrite: number };
  failures: FailureGroup[];
  /** Said above the failures when they are not all listed (a large job: its failed rows, capped). */
  failuresNote?: string;
  /** The job still runs, or publishes: the page looks again by itself. */
  active: boolean;
}

/**
 * The rows are the truth when the page has them all: the job's stored counts are as of its last
 * refresh, and a publish or a merge may have moved on since. Without every row, the job's counts.
 */
function pullRequestCounts(job: Job, rows: readonly RepositoryResult[]): PullRequestCounts {
  const complete = rows.length >= job.counts.total;
  if (job.pullRequestCounts && !complete) return job.pullRequestCounts;
  return countPullRequests(rows);
}

/** A failed row and a changed row whose verification failed both count as failures, under their code. */
function failureOf(row: RepositoryResult): { code: string; message: string; view: RepositoryView } | undefined {
  if (row.status === 'FAILED') {
    const code = row.error?.code ?? 'UNKNOWN';
    const keptDiff = code === 'VERIFY_FAILED' && !!row.diffStats;
    return { code, message: row.error?.message ?? '', view: keptDiff ? 'diff' : 'log' };
  }
  if (verificationFailed(row))
    return {
      code: 'VERIFY_FAILED',
      message: `${row.verification?.command ?? 'verification'} failed`,
      view: row.status === 'COMPLETED' ? 'diff' : 'log',
    };
  return undefined;
}

/** Failures by error code, the largest group first (then by code), each group's repositories by name. */
export function groupFailures(rows: readonly RepositoryResult[]): FailureGroup[] {
  const groups = new Map<string, FailedRepository[]>();
  for (const row of rows) {
    const failure = failureOf(row);
    if (!failure) continue;
    const list = groups.get(failure.code) ?? [];
    list.push({ repositoryName: row.repositoryName, message: failure.message, view: failure.view });
    groups.set(failure.code, list);
  }
  return [...groups.entries()]
    .map(([code, repositories]) => ({
      code,
      repositories: repositories.sort((a, b) => a.repositoryName.localeCompare(b.repositoryName)),
    }))
    .sort((a, b) => b.repositories.length - a.repositories.length || a.code.localeCompare(b.code));
}

/** A large job's page lists the failed rows it read (common/overviewRows.ts), perhaps not all of them. */
function failuresNote(job: Job, rows: readonly RepositoryResult[]): { failuresNote?: string } {
  if (rows.length >= job.counts.total) return {};
  const listed = rows.filter((row) => row.status === 'FAILED').length;
  if (listed >= job.counts.failed) return {};
  return {
    failuresNote: `Listing ${listed.toLocaleString('en-US')} of ${job.counts.failed.toLocaleString('en-US')} failed repositories.`,
  };
}

const ACTIVE = new Set(['PENDING', 'RUNNING', 'CANCELLING']);

export function overviewModel(job: Job, rows: readonly RepositoryResult[]): OverviewModel {
  const { counts } = job;
  // Only what can be reviewed counts (common/reviewCounts.ts, as the diff view's progress line does).
  const reviews = reviewTally(job, rows);
  const prs = pullRequestCounts(job, rows);
  // Without every row (a large job: its failed rows only), the job's count of publishes under way.
  const publishing =
    rows.some((row) => row.publication?.status === 'queued' || row.publication?.status === 'publishing') ||
    (rows.length < counts.total && (job.pullRequestCounts?.publishing ?? 0) > 0);
  return {
    jobName: job.name,
    status: job.status.toLowerCase().replaceAll('_', ' '),
    total: counts.total,
    run: countsOf(counts, {
      completed: 'Changed',
      noChanges: 'No changes',
      failed: 'Failed',
      cancelled: 'Cancelled',
      running: 'Running',
      pending: job.status === 'SAMPLED' ? 'Waiting' : 'Pending',
    }),
    review: countsOf(reviews, {
      approved: 'Approved',
      rejected: 'Rejected',
      unreviewed: 'Unreviewed',
      notReviewable: 'Not reviewable',
    }),
    pullRequests: countsOf(prs, { open: 'Open', draft: 'Draft', merged: 'Merged', closed: 'Closed' }),
    checks: countsOf(prs, {
      checksPassing: 'Checks passing',
      checksFailing: 'Checks failing',
      checksPending: 'Checks pending',
      approved: 'Approved on the host',
      changesRequested: 'Changes requested',
    }),
    costUsd: job.usage.costUsd,
    tokens: {
      input: job.usage.inputTokens,
      output: job.usage.outputTokens,
      cacheRead: job.usage.cacheReadTokens,
      cacheWrite: job.usage.cacheWriteTokens,
    },
    failures: groupFailures(rows),
    ...failuresNote(job, rows),
    active: ACTIVE.has(job.status) || publishing,
  };
}
