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
  type PullRequestCodeHost,
  type PullRequestHost,
  type PullRequestRef,
  type PullRequestStatus,
  pullRequestKey,
} from '../hosts';
import type { ApiDependencies } from './context';
import { RequestError } from './middleware/errors';
import type { BatchOutcome, OperationWork } from './operations';
import { pullRequestHost } from './pullRequestHost';
import { infoOf, pullRequestRefOf, recountPullRequests } from './pullRequestRefresh';

// POST /jobs/{id}/pull-requests/{merge|close|comment}: one action on many pull requests, one
// result per repository, as an operation (backend/api/operations.ts) that answers at once and goes
// on within the host's pace. Each batch of up to 100 pull requests is looked at first (GraphQL,
// 100 a request), and the filter and the merge checks use what the host says now, not what the row
// last recorded. A merge never forces: a draft, a conflict, failing or pending checks or requested
// changes are reasons not to, and GitHub is told the head commit that was checked. The changes go
// as many at once as the host allows (`PullRequestHost.writesAtOnce`); a rate limit the host answers stops
// the batch, and the operation waits it out (the job's `operation.waitingSeconds` says so) and goes on.

/** Pull requests a batch looks at: one GraphQL query's worth. */
const BATCH = 100;

/** How long a request without an operation (a job's deletion closing its pull requests) acts before it answers the rest `waiting`. */
export const BULK_BUDGET_MS = 20_000;

/** The checks of the request that need no row: a 400 before anything starts. */
export function checkBulkAction(
  deps: ApiDependencies,
  action: BulkAction,
  request: BulkActionRequest,
): PullRequestCodeHost {
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
  return host;
}

/** The repositories named, as the job spells them (400 for one that is not the job's); undefined for a filter. */
export async function namedTargets(
  deps: ApiDependencies,
  job: Job,
  request: BulkActionRequest,
): Promise<string[] | undefined> {
  if (!request.repositories) return undefined;
  const rows = await deps.store.repositories.getMany(job.jobId, request.repositories);
  const byName = new Map(rows.map((row) => [row.repositoryName.toLowerCase(), row.repositoryName]));
  // Rows are keyed by the job's spelling; a name given in another case is found by reading them.
  const missing = request.repositories.filter((name) => !byName.has(name.toLowerCase()));
  if (missing.length) {
    for (const row of await deps.store.repositories.listAll(job.jobId))
      byName.set(row.repositoryName.toLowerCase(), row.repositoryName);
    const unknown = missing.filter((name) => !byName.has(name.toLowerCase()));
    if (unknown.length)
      throw new RequestError('VALIDATION_FAILED', `Not part of job ${job.jobId}: ${unknown.slice(0, 10).join(', ')}`);
  }
  return [...new Set(request.repositories.map((name) => byName.get(name.toLowerCase())!))];
}

/** The names a filter request looks at: every row with a pull request, in the job's order. */
async function filterTargets(deps: ApiDependencies, job: Job): Promise<string[]> {
  return (await deps.store.repositories.listAll(job.jobId))
    .filter((row) => row.pullRequestUrl)
    .map((row) => row.repositoryName);
}

/** The operation of one action: its names chosen by the request (named) or by its prepare (a filter). */
export function bulkActionWork(action: BulkAction): OperationWork {
  return {
    batchSize: BATCH,
    keepAllResults: true,
    prepareInline: (run) => run.job.counts.total <= 1_000,
    async prepare(run) {
      const names = await filterTargets(run.deps, run.job);
      const list = await run.deps.store.lists.write(run.job.jobId, names, run.job.expiresAt);
      if (!(await run.record({ phase: 'items', list, total: names.length })))
        throw new Error('Another operation took the job over');
    },
    names: (run, from, to) => run.deps.store.lists.slice(run.job.jobId, run.state.list!, from, to),
    process: (run, names) => {
      const { operations } = run.deps.store;
      const { jobId, operationId } = run.state;
      return actOnBatch(run.deps, run.job, action, run.request as BulkActionRequest, names, {
        keepAlive: () => run.keepAlive(),
        stop: () => run.pastDeadline(),
        acted: {
          read: (batch) => operations.acted(jobId, operationId, batch),
          record: (result) => operations.recordActed(jobId, operationId, result),
        },
      });
    },
    async finish(run) {
      await recountPullRequests(
        run.deps.store,
        (await run.deps.store.jobs.get(run.job.jobId)) ?? run.job,
        await run.deps.store.repositories.listAll(run.job.jobId),
      );
    },
  };
}

/** An operation's runner, as a batch sees it. */
export interface BatchRunner {
  /** Renews the lease; false once it is lost (another runner has the operation): the batch stops acting. */
  keepAlive?: () => Promise<boolean>;
  /** True once past the runner's deadline: the rest go back (`redo`). */
  stop?: () => boolean;
  /** The operation's record of what it did on the host, kept the moment each is done (OperationsTable.acted). */
  acted?: {
    read(names: readonly string[]): Promise<Map<string, RepositoryActionResult>>;
    record(result: RepositoryActionResult): Promise<void>;
  };
}

/**
 * One batch: each pull request looked at, then acted on, `writesAtOnce` at a time. A rate limit
 * stops new changes; those not done go back (`redo`) with the wait. Pull requests the filter does
 * not pick are left out of the results (`excluded` counts them). In an operation, each change
 * waits for the runner's lease to be renewed (a runner that lost it acts no more: its successor
 * does the batch), and what it did is recorded at once (`runner.acted`), so a successor that does
 * the batch again takes that result rather than act twice: only the change in flight when a runner
 * died can be made twice (a comment posted twice).
 */
export async function actOnBatch(
  deps: ApiDependencies,
  job: Job,
  action: BulkAction,
  request: BulkActionRequest,
  names: readonly string[],
  runner: BatchRunner = {},
): Promise<BatchOutcome & { excluded: number }> {
  const host = checkBulkAction(deps, action, request);
  const rows = new Map(
    (await deps.store.repositories.getMany(job.jobId, names)).map((row) => [row.repositoryName, row]),
  );
  const record = async (row: RepositoryResult, info: PullRequestInfo) =>
    deps.store.repositories.setPullRequest(row.jobId, row.repositoryName, { ...info, url: row.pullRequestUrl! });
  const actedBefore = (await runner.acted?.read(names)) ?? new Map<string, RepositoryActionResult>();
  const results: RepositoryActionResult[] = [];
  const targets: { row: RepositoryResult; ref: PullRequestRef }[] = [];
  for (const name of names) {
    const before = actedBefore.get(name);
    if (before) {
      // Done by a runner that may have died before it wrote the row: the row says what it did.
      const row = rows.get(name);
      if (action !== 'comment' && before.pullRequest && row?.pullRequestUrl) await record(row, before.pullRequest);
      results.push(before);
      continue;
    }
    const row = rows.get(name);
    const ref = row && pullRequestRefOf(row);
    if (row && ref) targets.push({ row, ref });
    else results.push({ repositoryName: name, outcome: 'skipped', reason: 'has no pull request' });
  }
  const statuses = await host.pullRequests.pullRequestStatuses(targets.map(({ ref }) => ref));

  let excluded = 0;
  const queue: { row: RepositoryResult; ref: PullRequestRef; status: PullRequestStatus }[] = [];
  for (const { row, ref } of targets) {
    const status = statuses.get(pullRequestKey(ref));
    if (!status) {
      results.push(goneFromHost(host, row, 'failed'));
      continue;
    }
    await record(row, infoOf(status));
    if (!matchesFilter(status, request.filter)) {
      excluded++;
      continue;
    }
    const reason = whyNot(action, status, row);
    if (reason)
      results.push({ repositoryName: row.repositoryName, outcome: 'skipped', reason, pullRequest: infoOf(status) });
    else queue.push({ row, ref, status });
  }

  let limited: HostRateLimited | undefined;
  let lost = false;
  const redo: string[] = [];
  let next = 0;
  const lane = async () => {
    while (next < queue.length) {
      const { row, ref, status } = queue[next++]!;
      const name = row.repositoryName;
      // Rate limited, or its runner's time is up (a request's moment): the rest go again later.
      if (limited || lost || runner.stop?.()) {
        redo.push(name);
        continue;
      }
      // Each change under a lease just renewed (a slow host must not cost it, and a runner whose lease
      // another took acts no more: the other does the rest).
      if (runner.keepAlive && !(await runner.keepAlive())) {
        lost = true;
        redo.push(name);
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
        const result: RepositoryActionResult = done.skipped
          ? { repositoryName: name, outcome: 'skipped', reason: done.reason, pullRequest: infoOf(status) }
          : {
              repositoryName: name,
              outcome: 'done',
              ...(done.reason ? { reason: done.reason } : {}),
              pullRequest: after,
            };
        await runner.acted?.record(result);
        if (action !== 'comment') await record(row, after);
        results.push(result);
      } catch (error) {
        if (error instanceof HostRateLimited) {
          limited ??= error;
          redo.push(name);
        } else if (error instanceof HostRefusal) {
          results.push({ repositoryName: name, outcome: 'failed', reason: error.message, pullRequest: infoOf(status) });
        } else {
          results.push({ repositoryName: name, outcome: 'failed', reason: (error as Error).message });
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, host.pullRequests.writesAtOnce ?? 1) }, lane));
  return {
    results,
    excluded,
    ...(redo.length ? { redo } : {}),
    ...(limited ? { waitSeconds: limited.retryAfterSeconds, reason: limited.message } : {}),
  };
}

/**
 * An action within one request, without an operation: what a job's deletion uses to close its pull
 * requests before it deletes them. A rate limit, or BULK_BUDGET_MS, ends it; the rest answer `waiting`.
 */
export async function runBulkAction(
  deps: ApiDependencies,
  job: Job,
  action: BulkAction,
  request: BulkActionRequest,
  budgetMs = BULK_BUDGET_MS,
): Promise<RepositoryActionResult[]> {
  checkBulkAction(deps, action, request);
  const names = (await namedTargets(deps, job, request)) ?? (await filterTargets(deps, job));
  const deadline = Date.now() + budgetMs;
  const results: RepositoryActionResult[] = [];
  let offset = 0;
  while (offset < names.length) {
    const batch = names.slice(offset, offset + BATCH);
    offset += batch.length;
    const outcome = await actOnBatch(deps, job, action, request, batch);
    results.push(...outcome.results);
    const stopped = outcome.waitSeconds !== undefined ? outcome : Date.now() > deadline ? {} : undefined;
    if (stopped) {
      for (const name of [...(outcome.redo ?? []), ...names.slice(offset)])
        results.push({
          repositoryName: name,
          outcome: 'waiting',
          reason: outcome.reason ?? 'not reached in this request: send it again',
          retryAfterSeconds: outcome.waitSeconds ?? 0,
        });
      break;
    }
  }
  await recountPullRequests(deps.store, job, await deps.store.repositories.listAll(job.jobId));
  return results;
}

/** The result for a row whose pull request the host no longer has, `outcome` as the action counts it. */
export function goneFromHost(
  host: { label: string },
  row: RepositoryResult,
  outcome: 'failed' | 'skipped',
): RepositoryActionResult {
  return { repositoryName: row.repositoryName, outcome, reason: `${host.label} no longer has ${row.pullRequestUrl}` };
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
