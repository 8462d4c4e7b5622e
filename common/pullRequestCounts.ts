import type { PullRequestCounts, RepositoryResult } from './schemas';

// A job's pull requests counted from its rows: by state, and of the open and draft ones by checks
// and review. The API stores it on the job at each refresh (with a burndown point); the overview
// counts the rows it has when it has them all. And which rows a bulk merge, close or comment takes
// (the extension's commands and the web app's job page choose the same). Browser-safe.

export function countPullRequests(
  rows: readonly Pick<RepositoryResult, 'pullRequest' | 'publication'>[],
): PullRequestCounts {
  const counts: PullRequestCounts = {
    open: 0,
    draft: 0,
    merged: 0,
    closed: 0,
    checksPassing: 0,
    checksFailing: 0,
    checksPending: 0,
    approved: 0,
    changesRequested: 0,
  };
  let publishing = 0;
  for (const { pullRequest, publication } of rows) {
    if (!pullRequest && (publication?.status === 'queued' || publication?.status === 'publishing')) publishing++;
    if (!pullRequest) continue;
    counts[pullRequest.state]++;
    if (pullRequest.state !== 'open' && pullRequest.state !== 'draft') continue;
    if (pullRequest.checks === 'passing') counts.checksPassing++;
    if (pullRequest.checks === 'failing') counts.checksFailing++;
    if (pullRequest.checks === 'pending') counts.checksPending++;
    if (pullRequest.review === 'approved') counts.approved++;
    if (pullRequest.review === 'changes_requested') counts.changesRequested++;
  }
  return publishing > 0 ? { ...counts, publishing } : counts;
}

/** Open (not a draft), checks passing or none, no changes requested, not known to conflict. */
export function readyToMerge(row: RepositoryResult): boolean {
  const pr = row.pullRequest;
  return (
    !!pr &&
    pr.state === 'open' &&
    (pr.checks === 'passing' || pr.checks === 'none') &&
    pr.review !== 'changes_requested' &&
    pr.mergeable !== false
  );
}

export function openPullRequest(row: RepositoryResult): boolean {
  return row.pullRequest?.state === 'open' || row.pullRequest?.state === 'draft';
}

export const READY_WORDS = 'open, checks passing or none, no changes requested';

/** Open (not a draft) and auto-merge not on yet: what Turn On Auto-Merge takes. */
export function autoMergeable(row: RepositoryResult): boolean {
  return row.pullRequest?.state === 'open' && !row.pullRequest.autoMerge;
}
