import { randomBytes } from 'node:crypto';
import type {
  Job,
  PublishRequest,
  PublishResponse,
  RepositoryActionResult,
  RepositoryResult,
} from '../../common/schemas';
import { isFinalJobStatus } from '../../common/status';
import { reviewStateOf } from '../store/reviews';
import type { ApiDependencies } from './context';
import { RequestError } from './middleware/errors';
import { pullRequestsRefusal } from './pullRequestHost';

// POST /jobs/{id}/publish: pull requests for completed repositories that have none, after review.
// It runs where every publish runs: a short worker run in publish mode, through the executor (see
// docs/architecture.md, "Publishing"). This queues the rows, records the publish run on the job
// (signed with the job on the local stack, as a run is) and starts its workers.

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
  if (deps.runMac && !deps.runMac.verifies(job))
    throw new RequestError(
      'UNVERIFIED_JOB',
      `Job ${job.jobId} was not created through this stack's API (its run MAC does not match), so it cannot be published`,
    );
  const rows = await store.repositories.listAll(job.jobId);
  const busy = rows.filter((row) => inFlight(row, now));
  if (busy.length)
    throw new RequestError(
      'PUBLISH_IN_PROGRESS',
      `Job ${job.jobId} is publishing ${busy.length} ${busy.length === 1 ? 'repository' : 'repositories'} (${someOf(busy.map((row) => row.repositoryName))}); publish again once they are done`,
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
  const eligible: RepositoryResult[] = [];
  for (const row of candidates) {
    const reason = whyNot(row, request);
    if (reason) results.push({ repositoryName: row.repositoryName, outcome: 'skipped', reason });
    else eligible.push(row);
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
    eligible.map((row) => row.repositoryName),
    job.expiresAt,
  );
  const publishRun = {
    id: randomBytes(8).toString('hex'),
    list,
    ...(request.draft !== undefined ? { draft: request.draft } : {}),
    requestedAt: new Date(now).toISOString(),
  };
  const signed = deps.runMac?.sign({ ...job, publishRun } as Job);
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
  for (const row of eligible) {
    const moved = await store.repositories.queuePublication(
      job.jobId,
      row.repositoryName,
      row.attempt,
      {
        status: 'queued',
        runId: publishRun.id,
        requestedAt: publishRun.requestedAt,
      },
      row.patchRevision ?? 0,
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

/** Why a row is not published by this request, or undefined when it is. */
function whyNot(row: RepositoryResult, request: PublishRequest): string | undefined {
  if (row.status !== 'COMPLETED') return `is ${row.status}: only a COMPLETED repository has a diff to publish`;
  if (row.publishedAttempt === row.attempt || (row.pullRequestUrl && row.publishedAttempt === undefined))
    return `already has its pull request ${row.pullRequestUrl}`;
  if (request.approved && reviewStateOf(row) !== 'approved') return `is ${reviewStateOf(row)}, not approved`;
  if (!row.base) return 'was changed before base commits were recorded: retry it to publish it';
  return undefined;
}

function inFlight(row: RepositoryResult, now: number): boolean {
  const publication = row.publication;
  if (!publication || (publication.status !== 'queued' && publication.status !== 'publishing')) return false;
  return Date.parse(publication.heartbeatAt ?? publication.requestedAt) > now - PUBLICATION_STALE_MS;
}

function someOf(names: string[], shown = 10): string {
  return names.length <= shown
    ? names.join(', ')
    : `${names.slice(0, shown).join(', ')} and ${names.length - shown} more`;
}
