import { isUnreviewedAutoPush } from '../../common/followUps';
import { whyNotMerge } from '../../common/mergeReadiness';
import type {
  AutoMerge,
  BulkAction,
  BulkActionRequest,
  Job,
  PullRequestFilter,
  PullRequestInfo,
  RepositoryActionResult,
  RepositoryResult,
} from '../../common/schemas';
import {
  autoMergeOrMerge,
  HostRateLimited,
  HostRefusal,
  type PullRequestRef,
  type PullRequestStatus,
  type PullRequestHost,
  pullRequestKey,
} from '../hosts';
import type { ApiDependencies } from './context';
import { RequestError } from './middleware/errors';
import { pullRequestHost } from './pullRequestHost';
import { infoOf, pullRequestRefOf, recountPullRequests } from './pullRequestRefresh';

// POST /jobs/{id}/pull-requests/{merge|close|comment}: one action on many pull requests, one
// result per repository. Every pull request is looked at first (GraphQL, 100 a request), and the
// filter and the merge checks use what the host says now, not what the row last recorded. A merge
// never forces: a draft, a conflict, failing or pending checks or requested changes are reasons not
// to, and GitHub is told the head commit that was checked. Actions run one after another (GitHub
// asks for a second between writes); a rate limit longer than the request may wait, or the
// request's own time budget, ends it early, and the rest answer `waiting` for the client to send
// again after the wait (common/client.ts does, showing it).

/** How long one request acts before it leaves the rest `waiting` (API Gateway gives up at 30 s). */
export const BULK_BUDGET_MS = 20_000;

export async function runBulkAction(
  deps: ApiDependencies,
  job: Job,
  action: BulkAction,
  request: BulkActionRequest,
  budgetMs = BULK_BUDGET_MS,
): Promise<RepositoryActionResult[]> {
  const host = pullRequestHost(deps, 'act on pull requests with');
  if (action === 'comment' && !request.body)
    throw new RequestError('VALIDATION_FAILED', 'body: a comment needs a body');
  if (action !== 'comment' && request.body !== undefined)
    throw new RequestError('VALIDATION_FAILED', `body: only a comment takes a body, not a ${action}`);
  if (action !== 'merge' && action !== 'auto-merge' && request.method !== undefined)
    throw new RequestError('VALIDATION_FAILED', `method: only a merge takes a method, not a ${action}`);
  if ((action === 'comment' || action === 'auto-merge') && request.deleteBranch !== undefined)
    throw new RequestError(
      'VALIDATION_FAILED',
      `deleteBranch: ${action === 'comment' ? 'a comment' : 'auto-merge'} deletes no branch`,
    );

  const deadline = Date.now() + budgetMs;
  const rows = await deps.store.repositories.listAll(job.jobId);
  const results: RepositoryActionResult[] = [];
  const targets: { row: RepositoryResult; ref: PullRequestRef }[] = [];
  const byName = new Map(rows.map((row) => [row.repositoryName.toLowerCase(), row]));
  const chosen = request.repositories
    ? [...new Set(request.repositories.map((name) => byName.get(name.toLowerCase())))]
    : rows.filter((row) => row.pullRequestUrl);
  if (request.repositories) {
    const unknown = request.repositories.filter((name) => !byName.has(name.toLowerCase()));
    if (unknown.length)
      throw new RequestError('VALIDATION_FAILED', `Not part of job ${job.jobId}: ${unknown.slice(0, 10).join(', ')}`);
  }
  for (const row of chosen as RepositoryResult[]) {
    const ref = pullRequestRefOf(row);
    if (ref) targets.push({ row, ref });
    else results.push({ repositoryName: row.repositoryName, outcome: 'skipped', reason: 'has no pull request' });
  }

  const statuses = await host.pullRequests.pullRequestStatuses(targets.map(({ ref }) => ref));
  const current = new Map(rows.map((row) => [row.repositoryName, row]));
  const record = async (row: RepositoryResult, info: PullRequestInfo) => {
    const withUrl = { ...info, url: row.pullRequestUrl! };
    if (await deps.store.repositories.setPullRequest(row.jobId, row.repositoryName, withUrl))
      current.set(row.repositoryName, { ...row, pullRequest: withUrl });
  };

  let stopped: RepositoryActionResult | undefined;
  for (const { row, ref } of targets) {
    const name = row.repositoryName;
    const status = statuses.get(pullRequestKey(ref));
    if (!status) {
      results.push({
        repositoryName: name,
        outcome: 'failed',
        reason: `${host.label} no longer has ${row.pullRequestUrl}`,
      });
      continue;
    }
    await record(row, infoOf(status));
    if (!matchesFilter(status, request.filter)) continue;
    if (stopped) {
      results.push({ ...stopped, repositoryName: name });
      continue;
    }
    if (Date.now() > deadline) {
      stopped = {
        repositoryName: name,
        outcome: 'waiting',
        reason: 'not reached in this request: send it again',
        retryAfterSeconds: 0,
      };
      results.push(stopped);
      continue;
    }
    const reason = whyNot(action, status, row);
    if (reason) {
      results.push({ repositoryName: name, outcome: 'skipped', reason, pullRequest: infoOf(status) });
      continue;
    }
    try {
      const done = await act(host.pullRequests, action, ref, status, request);
      const after: PullRequestInfo = {
        ...infoOf(status),
        ...(done.merged ? { state: 'merged' } : action === 'close' ? { state: 'closed' } : {}),
        ...(done.autoMerge ? { autoMerge: done.autoMerge } : {}),
        updatedAt: new Date().toISOString(),
      };
      if (action !== 'comment') await record(row, after);
      results.push(
        done.skipped
          ? { repositoryName: name, outcome: 'skipped', reason: done.reason, pullRequest: infoOf(status) }
          : {
              repositoryName: name,
              outcome: 'done',
              ...(done.reason ? { reason: done.reason } : {}),
              pullRequest: after,
            },
      );
    } catch (error) {
      if (error instanceof HostRateLimited) {
        stopped = {
          repositoryName: name,
          outcome: 'waiting',
          reason: error.message,
          retryAfterSeconds: error.retryAfterSeconds,
        };
        results.push(stopped);
      } else if (error instanceof HostRefusal) {
        results.push({ repositoryName: name, outcome: 'failed', reason: error.message, pullRequest: infoOf(status) });
      } else {
        results.push({ repositoryName: name, outcome: 'failed', reason: (error as Error).message });
      }
    }
  }
  await recountPullRequests(deps.store, job, [...current.values()]);
  return results;
}

/** Whether a pull request, as the host tells it now, is one the filter picks. */
export function matchesFilter(
  status: Pick<PullRequestInfo, 'state' | 'checks' | 'review' | 'mergeable'>,
  filter: PullRequestFilter | undefined,
): boolean {
  if (!filter) return true;
  return (
    (!filter.state || filter.state.includes(status.state)) &&
    (!filter.checks || filter.checks.includes(status.checks)) &&
    (!filter.review || filter.review.includes(status.review)) &&
    (filter.mergeable === undefined || status.mergeable === filter.mergeable)
  );
}

/** Why this action is not taken on this pull request, or undefined when it is. */
function whyNot(action: BulkAction, status: PullRequestStatus, row: RepositoryResult): string | undefined {
  if (action === 'comment') return undefined;
  if (status.state === 'merged') return 'already merged';
  if (status.state === 'closed') return 'already closed';
  if (action === 'close') return undefined;
  if (action === 'auto-merge') {
    if (status.state === 'draft') return 'is a draft: mark it ready for review first';
    if (status.autoMerge)
      return `auto-merge is already on (${status.autoMerge.method}, since ${status.autoMerge.enabledAt})`;
    // The push rule: what a round pushed without review does not merge unseen.
    if (isUnreviewedAutoPush(row))
      return `follow-up round ${row.followUp!.round} pushes (or pushed) onto it without review: approve its diff first, then turn auto-merge on`;
    return undefined;
  }
  return whyNotMerge(status);
}

interface Acted {
  merged?: boolean;
  autoMerge?: AutoMerge;
  /** Said beside the result (auto-merge that merged at once). */
  reason?: string;
  /** Looked at, and not done after all (auto-merge with nothing to wait for, not mergeable now). */
  skipped?: boolean;
}

async function act(
  host: PullRequestHost,
  action: BulkAction,
  ref: PullRequestRef,
  status: PullRequestStatus,
  request: BulkActionRequest,
): Promise<Acted> {
  if (action === 'merge') {
    await host.mergePullRequest(ref, {
      method: request.method ?? 'merge',
      expectedHeadSha: status.headSha,
      deleteBranch: request.deleteBranch ?? false,
    });
    return { merged: true };
  }
  if (action === 'auto-merge') {
    const result = await autoMergeOrMerge(host, ref, status, request.method ?? 'merge');
    if (result.outcome === 'enabled') return { autoMerge: result.autoMerge };
    if (result.outcome === 'merged') return { merged: true, reason: result.reason };
    return { skipped: true, reason: result.reason };
  }
  if (action === 'close') await host.closePullRequest(ref, { deleteBranch: request.deleteBranch ?? false });
  else await host.commentOnPullRequest(ref, request.body!);
  return {};
}
