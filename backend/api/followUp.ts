import { pullRequestBranch } from '../../common/pullRequestTemplate';
import {
  BranchName,
  type FollowUp,
  type FollowUpRequest,
  type FollowUpResponse,
  type Job,
  type PullRequestInfo,
  type RepositoryActionResult,
  type RepositoryResult,
} from '../../common/schemas';
import { isFinalJobStatus } from '../../common/status';
import {
  HostRateLimited,
  HostRefusal,
  HostUnavailable,
  type PullRequestRef,
  type PullRequestStatus,
  pullRequestKey,
} from '../hosts';
import { reviewStateOf } from '../store/reviews';
import { sealedPush } from '../store/rowSignatures';
import { jobVerifies, type WorkerSeal } from '../store/signing';
import { goneFromHost, matchesFilter } from './bulkActions';
import type { ApiDependencies } from './context';
import { RequestError } from './middleware/errors';
import { inFlight } from './publish';
import { pullRequestHost } from './pullRequestHost';
import { infoOf, pullRequestRefOf } from './pullRequestRefresh';

// POST /jobs/{id}/follow-up: a new round on open pull requests. Each chosen repository with an open
// pull request gets its next attempt, marked as a round (`followUp`): the worker starts from the
// pull request's head as it then is, reads the trigger from the host (failing checks, what
// reviewers said since the last round, the base to merge) or takes the owner's instruction, makes
// one commit on top and, once a person approved its diff (or at once with `push: auto`), pushes it
// as a fast-forward of that head. The host is asked about every pull request first (GraphQL, 100 a
// request), so what picks the rounds is what the host says now.

export async function startFollowUp(
  deps: ApiDependencies,
  job: Job,
  request: FollowUpRequest,
  now = Date.now(),
): Promise<{ response: FollowUpResponse; started: boolean }> {
  const { store } = deps;
  const host = pullRequestHost(deps, 'follow pull requests up on');
  if (!isFinalJobStatus(job.status))
    throw new RequestError('JOB_ACTIVE', `Job ${job.jobId} is ${job.status}; follow up once it has finished`);
  if (job.command !== undefined && request.reason !== 'conflicts')
    throw new RequestError(
      'VALIDATION_FAILED',
      `reason: job ${job.jobId} runs a command, which can only update branches (conflicts: the ` +
        `base merged in and the command run again); checks, reviews and instructions need Claude`,
    );
  if (job.prompt !== undefined && job.maxCostUsd !== undefined && job.usage.costUsd >= job.maxCostUsd)
    throw new RequestError(
      'COST_LIMIT_REACHED',
      `Job ${job.jobId} has spent $${job.usage.costUsd.toFixed(2)} of its $${job.maxCostUsd.toFixed(2)} limit; follow-up rounds count toward it`,
    );
  if (!jobVerifies(deps.keys.signer, job))
    throw new RequestError(
      'UNVERIFIED_JOB',
      `Job ${job.jobId} does not carry the API's signature (it was written or changed around the API), so it cannot run again`,
    );

  const rows = await store.repositories.listAll(job.jobId);
  const busy = rows.filter((row) => inFlight(row, now));
  if (busy.length)
    throw new RequestError(
      'PUBLISH_IN_PROGRESS',
      `Job ${job.jobId} is publishing ${busy.length} ${busy.length === 1 ? 'repository' : 'repositories'}; follow up once they are done`,
    );
  const byName = new Map(rows.map((row) => [row.repositoryName.toLowerCase(), row]));
  if (request.repositories) {
    const unknown = request.repositories.filter((name) => !byName.has(name.toLowerCase()));
    if (unknown.length)
      throw new RequestError('VALIDATION_FAILED', `Not part of job ${job.jobId}: ${unknown.slice(0, 10).join(', ')}`);
  }
  const chosen = request.repositories
    ? [...new Set(request.repositories.map((name) => byName.get(name.toLowerCase())!))]
    : rows.filter((row) => row.pullRequestUrl);

  const results: RepositoryActionResult[] = [];
  const targets: { row: RepositoryResult; ref: PullRequestRef }[] = [];
  for (const row of chosen) {
    const ref = pullRequestRefOf(row);
    if (ref) targets.push({ row, ref });
    else results.push({ repositoryName: row.repositoryName, outcome: 'skipped', reason: 'has no pull request' });
  }
  const statuses = await askingHost(() => host.pullRequests.pullRequestStatuses(targets.map(({ ref }) => ref)));
  const instruction: { text: string; source?: { url: string; author: string } } | undefined = request.fromComment
    ? await promotedComment(deps, request.fromComment, targets)
    : request.instruction !== undefined
      ? { text: request.instruction }
      : undefined;

  const rounds: { row: RepositoryResult; followUp: Omit<FollowUp, 'attempt'> }[] = [];
  const requestedAt = new Date(now).toISOString();
  for (const { row, ref } of targets) {
    const status = statuses.get(pullRequestKey(ref));
    if (!status) {
      results.push(goneFromHost(host, row, 'skipped'));
      continue;
    }
    const info = infoOf(status);
    // What the host says now is what the row shows, whether or not it takes a round.
    await store.repositories.setPullRequest(row.jobId, row.repositoryName, { ...info, url: row.pullRequestUrl! });
    if (!request.repositories && !matchesFilter(status, request.filter)) continue;
    const reason = whyNot(row, status, request) ?? notOurBranch(job, row, status, deps.keys.workerSeal);
    if (reason) {
      results.push({ repositoryName: row.repositoryName, outcome: 'skipped', reason, pullRequest: info });
      continue;
    }
    const previous = row.followUp;
    rounds.push({
      row,
      followUp: {
        round: (previous?.round ?? 0) + 1,
        reason: request.reason,
        push: request.push,
        requestedAt,
        branch: status.headRef,
        baseBranch: status.baseRef,
        ...(instruction ? { instruction: instruction.text } : {}),
        ...(instruction?.source ? { instructionSource: instruction.source } : {}),
        ...(answeredUntil(previous) ? { since: answeredUntil(previous) } : {}),
      },
    });
  }
  if (rounds.length === 0) return { response: { job, results }, started: false };

  const outcome = await store.prepareFollowUp(job, rounds, deps.keys.signer);
  if (!outcome.ok) throw new RequestError(outcome.code, outcome.message);
  for (const { row } of rounds) results.push({ repositoryName: row.repositoryName, outcome: 'queued' });
  return { response: { job: outcome.job, results }, started: true };
}

/**
 * A round pushes only to the branch this job makes for the repository (its template, as the
 * publish rendered it) and a worker sealed its push to, and only when the host names branches git
 * could take; else why not.
 */
function notOurBranch(
  job: Job,
  row: RepositoryResult,
  status: PullRequestStatus,
  seal: WorkerSeal,
): string | undefined {
  if (!BranchName.safeParse(status.headRef).success || !BranchName.safeParse(status.baseRef).success)
    return 'the host names its branches in a way git does not take';
  const ours = pullRequestBranch(job.pullRequest, {
    jobId: job.jobId,
    jobName: job.name,
    description: job.description,
    repositoryName: row.repositoryName,
  });
  if (status.headRef !== ours)
    return `its pull request is from the branch ${status.headRef}, not the job's ${ours}: Cody Batch pushes only to its own branch`;
  if (status.headRef === status.baseRef) return 'its pull request goes from a branch into itself';
  // And only a branch a worker sealed a push to: the push of a round leases it as the rest of custody does.
  if (sealedPush(seal, row)?.branch !== status.headRef)
    return (
      `Cody Batch has no sealed record of pushing ${status.headRef} for it (published before ` +
      `seals, or written around the workers): publish it again first`
    );
  return undefined;
}

/** Feedback before this was answered by an earlier round; a review round reads only what came after. */
function answeredUntil(previous: FollowUp | undefined): string | undefined {
  if (!previous) return undefined;
  return previous.reason === 'review' ? previous.requestedAt : previous.since;
}

/** Why a pull request takes no round now, or undefined when it takes one. */
function whyNot(row: RepositoryResult, status: PullRequestStatus, request: FollowUpRequest): string | undefined {
  if (status.state === 'merged' || status.state === 'closed') return `its pull request is ${status.state}`;
  const rounds = row.followUp?.round ?? 0;
  if (rounds >= request.maxRounds)
    return `has had ${rounds} follow-up ${rounds === 1 ? 'round' : 'rounds'}, as many as maxRounds (${request.maxRounds}) allows`;
  // A diff the pull request does not hold yet would be replaced by the round's, unseen.
  const unpublished =
    row.status === 'COMPLETED' &&
    row.publishedAttempt !== row.attempt &&
    !(row.pullRequestUrl && row.publishedAttempt === undefined) &&
    reviewStateOf(row) !== 'rejected';
  if (unpublished) return `its attempt ${row.attempt} is not on its pull request yet: publish it or reject it first`;
  if (row.status === 'PENDING' || row.status === 'RUNNING') return `is ${row.status}`;
  if (!status.headRef) return 'the host does not say which branch its pull request is from';
  // The push rule: a round pushed without review never merges by itself.
  if (request.push === 'auto' && status.autoMerge)
    return `auto-merge is on for its pull request, so a round pushed at once would merge unreviewed: use push "review", or turn auto-merge off`;
  return nothingToActOn(row, status, request);
}

function nothingToActOn(
  row: RepositoryResult,
  status: PullRequestStatus,
  request: FollowUpRequest,
): string | undefined {
  switch (request.reason) {
    case 'checks':
      return status.checks === 'failing' ? undefined : `nothing to act on: its checks are ${checksWords(status)}`;
    case 'review': {
      const since = answeredUntil(row.followUp);
      if (status.feedbackAt && (!since || status.feedbackAt > since)) return undefined;
      if (!since && status.review === 'changes_requested') return undefined;
      return since
        ? 'nothing to act on: no review comment or requested change since its last review round'
        : 'nothing to act on: no review comment or requested change';
    }
    case 'conflicts':
      if (status.mergeable === false) return undefined;
      return status.mergeable === null
        ? 'the host has not yet worked out whether it can merge: try again shortly'
        : 'nothing to act on: it merges cleanly into its base';
    case 'instruction':
      return undefined;
  }
}

function checksWords(status: Pick<PullRequestInfo, 'checks'>): string {
  return status.checks === 'none' ? 'none' : status.checks;
}

/**
 * `fromComment`: a comment on one of the job's own pull requests, read from the host. Its text is
 * a reviewer's: promoting it makes it the owner's instruction, and the round records where from.
 */
async function promotedComment(
  deps: ApiDependencies,
  url: string,
  targets: readonly { row: RepositoryResult; ref: PullRequestRef }[],
): Promise<{ text: string; source: { url: string; author: string } }> {
  const comment = await askingHost(
    () => pullRequestHost(deps, 'read a comment of').pullRequests.pullRequestComment(url),
    'fromComment: ',
  );
  const own = targets.some(({ ref }) => pullRequestKey(ref) === pullRequestKey(comment.ref));
  if (!own)
    throw new RequestError(
      'VALIDATION_FAILED',
      `fromComment: ${url} is not on one of the chosen pull requests of this job; promote a comment from one of them`,
    );
  if (!comment.body.trim()) throw new RequestError('VALIDATION_FAILED', `fromComment: ${url} has no text`);
  return { text: comment.body, source: { url: comment.url, author: comment.author } };
}

/** A call to the host whose refusal is the caller's to fix (400) and whose absence is the host's (502). */
async function askingHost<T>(call: () => Promise<T>, field = ''): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof HostRefusal) throw new RequestError('VALIDATION_FAILED', `${field}${error.message}`);
    if (error instanceof HostRateLimited || error instanceof HostUnavailable)
      throw new RequestError('HOST_UNAVAILABLE', `${error.message}; nothing was started, try again`);
    throw error;
  }
}
