import { randomBytes } from 'node:crypto';
import type {
  Job,
  PublishRequest,
  PublishResponse,
  RepositoryActionResult,
  RepositoryResult,
} from '../../common/schemas';
import { notApprovedReason } from '../../common/publication';
import { isFinalJobStatus } from '../../common/status';
import { reviewStateOf } from '../store/reviews';
import { approvalVerifies, type Intent, publicationPayload, sealedPush, verifiedPatch } from '../store/rowSignatures';
import { jobVerifies, signJob } from '../store/signing';
import type { ApiDependencies } from './context';
import { RequestError } from './middleware/errors';
import { pullRequestsRefusal } from './pullRequestHost';

// POST /jobs/{id}/publish: pull requests for completed repositories that have none, after review.
// It runs where every publish runs: a short worker run in publish mode, through the executor (see
// docs/architecture.md, "Publishing"). This queues the rows, records the publish run on the job
// (signed with the job, as a run is) and starts its workers. Each row is queued with what its
// worker must push, signed (`publication.intent`): the current patch revision and digest, once the
// worker's seal (or the API's own signature of the revision) checks, the base commit it sealed,
// and, for a publish of approved repositories, that the approval holds that very digest.

/** A publication no worker has touched for this long lost its worker: it may be published again. */
export const PUBLICATION_STALE_MS = 10 * 60_000;

export async function publishJob(
  deps: ApiDependencies,
  job: Job,
  request: PublishRequest,
  now = Date.now(),
): Promise<PublishResponse> {
  const { store } = deps;
  const refusal = pullRequestsRefusal(deps);
  if (refusal) throw new RequestError('PULL_REQUESTS_UNSUPPORTED', refusal);
  if (!isFinalJobStatus(job.status))
    throw new RequestError('JOB_ACTIVE', `Job ${job.jobId} is ${job.status}; publish it once it has finished`);
  if (!jobVerifies(deps.keys.signer, job))
    throw new RequestError(
      'UNVERIFIED_JOB',
      `Job ${job.jobId} does not carry the API's signature of what it runs (written or changed around the API), so it cannot be published`,
    );
  const rows = await store.repositories.listAll(job.jobId);
  const busy = rows.filter((row) => inFlight(row, now));
  if (busy.length)
    throw new RequestError(
      'PUBLISH_IN_PROGRESS',
      `Job ${job.jobId} is publishing ${busy.length} ` +
        `${busy.length === 1 ? 'repository' : 'repositories'} ` +
        `(${someOf(busy.map((row) => row.repositoryName))}); publish again once they are done`,
    );
  const byName = new Map(rows.map((row) => [row.repositoryName.toLowerCase(), row]));
  let candidates: RepositoryResult[];
  if (request.repositories) {
    const unknown = request.repositories.filter((name) => !byName.has(name.toLowerCase()));
    if (unknown.length) throw new RequestError('VALIDATION_FAILED', `Not part of job ${job.jobId}: ${someOf(unknown)}`);
    candidates = [...new Set(request.repositories.map((name) => byName.get(name.toLowerCase())!))];
  } else {
    candidates = rows.filter((row) => row.status === 'COMPLETED');
  }

  const results: RepositoryActionResult[] = [];
  const eligible: { row: RepositoryResult; intent: Intent }[] = [];
  for (const row of candidates) {
    const reason = whyNot(row, request);
    if (reason) {
      results.push({ repositoryName: row.repositoryName, outcome: 'skipped', reason });
      continue;
    }
    const intent = intentFor(deps, row, request);
    if ('refused' in intent)
      results.push({ repositoryName: row.repositoryName, outcome: 'failed', reason: intent.refused });
    else eligible.push({ row, intent });
  }
  if (eligible.length === 0)
    throw new RequestError(
      'NOTHING_TO_PUBLISH',
      results.length
        ? `Nothing of job ${job.jobId} to publish: ${results
            .slice(0, 5)
            .map((result) => `${result.repositoryName} ${result.reason}`)
            .join('; ')}${results.length > 5 ? ` and ${results.length - 5} more` : ''}`
        : `Job ${job.jobId} has no COMPLETED repository to publish`,
    );

  // The names go into a list of their own, out of the job item (10,000 of them would not fit).
  const list = await store.lists.write(
    job.jobId,
    eligible.map(({ row }) => row.repositoryName),
    job.expiresAt,
  );
  const publishRun = {
    id: randomBytes(8).toString('hex'),
    list,
    ...(request.draft !== undefined ? { draft: request.draft } : {}),
    ...(request.autoMerge ? { autoMerge: request.autoMerge } : {}),
    requestedAt: new Date(now).toISOString(),
  };
  const signed = signJob(deps.keys.signer, { ...job, publishRun } as Job);
  const started = await store.jobs.startPublishRun(job.jobId, job.status, job.publishRun?.id, publishRun, signed);
  if (!started) {
    await store.lists.deleteList(job.jobId, list).catch(() => undefined);
    throw new RequestError(
      'PUBLISH_IN_PROGRESS',
      `Job ${job.jobId} changed while publishing (another publish or a retry); refresh and try again`,
    );
  }
  // The previous publish's workers are done (none is in flight, checked above): its list goes.
  if (job.publishRun) await store.lists.deleteList(job.jobId, job.publishRun.list).catch(() => undefined);
  const queued: string[] = [];
  for (const { row, intent } of eligible) {
    const moved = await store.repositories.queuePublication(
      job.jobId,
      row.repositoryName,
      row.attempt,
      {
        status: 'queued',
        runId: publishRun.id,
        requestedAt: publishRun.requestedAt,
        intent,
        signature: deps.keys.signer.sign(
          'publication',
          publicationPayload(job.jobId, row.repositoryName, publishRun.id, intent),
        ),
      },
      intent.patchRevision,
    );
    if (moved) queued.push(row.repositoryName);
    results.push(
      moved
        ? { repositoryName: row.repositoryName, outcome: 'queued' }
        : {
            repositoryName: row.repositoryName,
            outcome: 'skipped',
            reason: 'changed meanwhile; refresh and try again',
          },
    );
  }
  try {
    await deps.executor.start(started, 'publish');
  } catch (error) {
    deps.log?.error(`Executor failed to start the publish of job ${job.jobId}`, error);
    const message = `The publish workers could not be started: ${(error as Error).message}`;
    for (const name of queued)
      await store.repositories.failPublication(job.jobId, name, publishRun.id, ['queued'], {
        code: 'START_FAILED',
        message,
      });
    for (const result of results)
      if (result.outcome === 'queued') Object.assign(result, { outcome: 'failed', reason: message });
  }
  return { job: started, results };
}

/**
 * What the row's publish must push, once the API has checked it: the patch the workers sealed (or
 * the revision the API signed), and for a publish of approved repositories an approval the API
 * signed for exactly that patch. Its stored bytes are checked by the worker, against this digest.
 */
function intentFor(
  deps: Pick<ApiDependencies, 'keys'>,
  row: RepositoryResult,
  request: PublishRequest,
): Intent | { refused: string } {
  const patch = verifiedPatch(deps.keys, row);
  if (!patch.ok) return { refused: `UNVERIFIED_ROW: ${patch.message}` };
  const approved = request.approved === true;
  const review = row.review;
  if (
    approved &&
    (!approvalVerifies(deps.keys.signer, row) ||
      review?.attempt !== row.attempt ||
      review.patchRevision !== patch.patchRevision ||
      review.digest !== patch.digest ||
      review.baseCommit !== patch.base.commit)
  )
    return {
      refused:
        `PATCH_CHANGED: its approval is not the API's signed approval of its current patch ` +
        `(${patch.digest.slice(0, 12)} on ${patch.base.commit.slice(0, 12)}): review it again`,
    };
  // The lease the API vouches for: what the row pushed last, if a worker sealed it (with the seal
  // key or the one before its rotation). Without one, the branch must not exist.
  const lease = sealedPush(deps.keys.workerSeal, row);
  // A round goes onto the branch its worker sealed, as a fast-forward of the head it sealed.
  const asked = row.followUp;
  const round =
    patch.round && asked
      ? {
          branch: patch.round.branch,
          head: patch.round.head,
          ...(patch.round.mergedBase ? { mergedBase: patch.round.mergedBase } : {}),
          round: asked.round,
          reason: asked.reason,
          baseBranch: asked.baseBranch,
          ...(asked.triggerSummary ? { triggerSummary: asked.triggerSummary } : {}),
        }
      : undefined;
  return {
    attempt: row.attempt,
    patchRevision: patch.patchRevision,
    digest: patch.digest,
    base: patch.base,
    ...(lease ? { lease } : {}),
    approved,
    ...(round ? { round } : {}),
  };
}

/** Why a row is not published by this request, or undefined when it is. */
function whyNot(row: RepositoryResult, request: PublishRequest): string | undefined {
  if (row.status !== 'COMPLETED') return `is ${row.status}: only a COMPLETED repository has a diff to publish`;
  if (row.publishedAttempt === row.attempt || (row.pullRequestUrl && row.publishedAttempt === undefined))
    return `already has its pull request ${row.pullRequestUrl}`;
  if (request.approved && reviewStateOf(row) !== 'approved') return notApprovedReason(reviewStateOf(row));
  const round = row.followUp?.attempt === row.attempt;
  if (round && (row.pullRequest?.state === 'merged' || row.pullRequest?.state === 'closed'))
    return `its pull request is ${row.pullRequest.state}: the follow-up has nothing to go onto`;
  if (!row.base) return 'was changed before base commits were recorded: retry it to publish it';
  return undefined;
}

/** A publication a worker is still on (queued or publishing, heard from within PUBLICATION_STALE_MS). */
export function inFlight(row: RepositoryResult, now: number): boolean {
  const publication = row.publication;
  if (!publication || (publication.status !== 'queued' && publication.status !== 'publishing')) return false;
  return Date.parse(publication.heartbeatAt ?? publication.requestedAt) > now - PUBLICATION_STALE_MS;
}

function someOf(names: string[], shown = 10): string {
  return names.length <= shown
    ? names.join(', ')
    : `${names.slice(0, shown).join(', ')} and ${names.length - shown} more`;
}
