import { rm } from 'node:fs/promises';
import { Redactor } from '../../common/redact';
import type { MergeMethod, Publication, RepositoryResult } from '../../common/schemas';
import { jobAtRevision } from '../../common/tasks';
import { type CodeHost, hostRedaction } from '../hosts';
import { approvalVerifies, type Intent, publicationVerifies, pushPayload } from '../store/rowSignatures';
import { jobVerifies } from '../store/signing';
import { workerHost } from './workerHost';
import { ConfigError } from './config';
import { GitCheckout, gitEnvironment } from './git';
import { Liveness } from './liveness';
import { publishChange } from './publish';
import { RunArtifacts } from './runArtifacts';
import { RunFailure, type RunContext } from './runContext';
import { makeRunFolder } from './runFolders';
import { RunLog } from './runLog';
import type { WorkerDependencies, WorkerExit } from './workerDependencies';

// A worker in publish mode (CODY_BATCH_RUN_KIND=publish): index i of the job's `publishRun`
// publishes one COMPLETED repository its publish queued. It claims the row's publication (never
// its run status: the row stays COMPLETED, its review and attempt unchanged), clones the base
// commit, and hands over to the one publishing path (./publish.ts), which commits the stored diff
// onto it. Its log lines are appended to the attempt's log.
//
// What it pushes is what the API signed when it queued the row (`publication.intent`): the attempt,
// the patch revision and its digest, the base commit, and whether an approval must still hold that
// digest. The row's own `base` or `patchRevision`, which a table writer could change, are not read.

export async function runPublishWorker(deps: WorkerDependencies): Promise<WorkerExit> {
  const { config, store, print } = deps;
  const redactor = Redactor.fromEnvironment(deps.env, [], hostRedaction());
  const job = await store.jobs.get(config.jobId);
  if (!job) throw new ConfigError(`There is no job ${config.jobId}`);
  const run = job.publishRun;
  const repositoryName = run ? await store.lists.at(job.jobId, run.list, config.index) : undefined;
  if (!run || repositoryName === undefined)
    throw new ConfigError(`Job ${job.jobId} has no repository at index ${config.index} of its publish run`);
  const row = await store.repositories.get(job.jobId, repositoryName);
  if (!row) throw new ConfigError(`Job ${job.jobId} has no row for ${repositoryName}`);
  const claimed = await store.repositories.claimPublication(job.jobId, repositoryName, row.attempt, run.id);
  if (!claimed?.publication) {
    print(`${repositoryName}: not queued by publish ${run.id}; nothing to do`);
    return 'skipped';
  }
  const { attempt } = claimed;
  const jobOfRun = jobAtRevision(job, claimed.taskRevision ?? 1) ?? job;
  const intent = claimed.publication.intent;
  // The patch revision the API signed for this publish: a reviewer may have left hunks out of the worker's diff.
  const artifacts = new RunArtifacts(
    deps.artifacts,
    job.jobId,
    repositoryName,
    redactor,
    attempt,
    intent ? { revision: intent.patchRevision, digest: intent.digest } : undefined,
  );
  const earlier = await artifacts.readLog().catch(() => '');
  const log = new RunLog(
    redactor,
    (text) => artifacts.saveLog(earlier ? `${earlier.replace(/\n?$/, '\n')}${text}` : text),
    (line) => print(`${repositoryName}: ${line}`),
  );
  const liveness = new Liveness(
    () => store.repositories.beatPublication(job.jobId, repositoryName, attempt, run.id),
    (error) => log.step(`Heartbeat failed, will retry: ${redactor.error(error)}`),
  );
  deps.onLiveness?.(liveness);
  liveness.start(config.heartbeatMs);
  log.step(`Publishing ${repositoryName}, attempt ${attempt}, for publish ${run.id}`);
  const host = workerHost(config, redactor, log);

  const set: Record<string, unknown> = {};
  let failure: { code: string; message: string } | undefined;
  try {
    const refusal = !jobVerifies(config.keys.verifier, job)
      ? new RunFailure(
          'UNVERIFIED_JOB',
          "The job does not carry the API's signature of what it runs (it was written or changed around the API): nothing was pushed",
        )
      : whyNotPublish(deps, claimed);
    if (refusal) throw refusal;
    const published = await publish(deps, claimed, intent!, jobOfRun, {
      host,
      log,
      liveness,
      artifacts,
      draft: run.draft,
      autoMerge: run.autoMerge,
    });
    if (published.warnings.length)
      set.warnings = [...(claimed.warnings ?? []), ...published.warnings.map((warning) => redactor.text(warning))];
  } catch (error) {
    failure =
      error instanceof RunFailure
        ? { code: error.code, message: error.message }
        : { code: 'INTERNAL', message: redactor.error(error) };
  } finally {
    liveness.dispose();
  }
  if (liveness.stopped?.released) {
    log.step(`Stopped: ${liveness.stopped.message}`);
    await log.flush();
    return 'released';
  }
  log.step(failure ? `Publish failed (${failure.code}): ${failure.message.split('\n')[0]}` : 'Published');
  await log.flush();
  const publication: Publication = {
    ...claimed.publication,
    status: failure ? 'failed' : 'published',
    finishedAt: new Date().toISOString(),
    ...(failure ? { error: { code: failure.code, message: redactor.text(failure.message) } } : {}),
  };
  const recorded = await store.repositories.recordPublication(job.jobId, repositoryName, attempt, run.id, {
    ...set,
    publication,
  });
  return recorded ? 'recorded' : 'released';
}

/** Why the claimed row may not be published as its publication says, or undefined when it may. */
function whyNotPublish(deps: WorkerDependencies, row: RepositoryResult): RunFailure | undefined {
  const { verifier } = deps.config.keys;
  const intent = row.publication?.intent;
  if (!intent || !publicationVerifies(verifier, row) || intent.attempt !== row.attempt)
    return new RunFailure(
      'UNVERIFIED_ROW',
      "This repository's publication does not carry the API's signature of what to push (written or changed around the API): nothing was pushed",
    );
  if (!intent.approved) return undefined;
  const review = row.review;
  if (
    !approvalVerifies(verifier, row) ||
    review?.attempt !== intent.attempt ||
    review.patchRevision !== intent.patchRevision ||
    review.digest !== intent.digest ||
    review.baseCommit !== intent.base.commit
  )
    return new RunFailure(
      'PATCH_CHANGED',
      'The approval of this repository no longer holds the patch this publish was to push (taken back, or changed since): nothing was pushed',
    );
  return undefined;
}

async function publish(
  deps: WorkerDependencies,
  row: RepositoryResult,
  intent: Intent,
  job: RunContext['job'],
  parts: Pick<RunContext, 'log' | 'liveness' | 'artifacts'> & {
    host: CodeHost;
    draft?: boolean;
    autoMerge?: MergeMethod;
  },
) {
  const { config, store } = deps;
  const { host, log } = parts;
  const base = intent.base;
  // A round goes onto its pull request's branch, as the API signed it (from the worker's sealed result).
  const round = intent.round;
  if (round && (row.pullRequest?.state === 'merged' || row.pullRequest?.state === 'closed'))
    throw new RunFailure(
      'PUSH_FAILED',
      `Its pull request is ${row.pullRequest.state}: the round has nothing to go onto`,
    );
  const root = await makeRunFolder(config.workDir);
  try {
    const url = host.cloneUrl(row.repositoryName);
    let checkout: GitCheckout;
    try {
      checkout = await GitCheckout.clone(url, root, base.branch, {
        env: gitEnvironment(deps.env),
        authHeader: await host.gitAuthHeader(row.repositoryName),
      });
      // The branch may have moved on since the diff was made: the diff goes onto its own base.
      await checkout.ensureCommit(url, base.commit);
      // A round's commit is a child of the head it started from (and of the base it merged).
      if (round) await checkout.ensureCommit(url, round.head);
    } catch (error) {
      throw new RunFailure(
        'CLONE_FAILED',
        `Fetching ${row.repositoryName} at ${base.commit} failed: ${log.redact((error as Error).message).trim()}`,
      );
    }
    checkout.base = { branch: base.branch, head: base.commit };
    const context: RunContext = {
      ...parts,
      job,
      row,
      repositoryName: row.repositoryName,
      checkout,
      deadline: Date.now() + config.wallTimeMs,
      commandEnv: {},
      runMarker: config.runMarker,
    };
    return await publishChange(context, {
      host,
      url,
      summary: row.summary ?? '',
      stats: row.diffStats ?? { files: 0, additions: 0, deletions: 0 },
      verification: row.verification,
      draft: parts.draft,
      autoMerge: parts.autoMerge,
      round,
      digest: intent.digest,
      // The lease the API signed (it checked the pushing worker's seal, with the previous seal key too).
      lease: intent.lease,
      recordPush: async (pushed) => {
        await store.repositories.recordPublication(job.jobId, row.repositoryName, row.attempt, row.publication!.runId, {
          pushedBranch: pushed.branch,
          pushedCommit: pushed.commit,
          pushSeal: config.keys.workerSeal.seal('push', pushPayload(job.jobId, row.repositoryName, pushed)),
        });
      },
      recordUrl: async (pullRequestUrl, pullRequest) => {
        await store.repositories.recordPublication(job.jobId, row.repositoryName, row.attempt, row.publication!.runId, {
          pullRequestUrl,
          publishedAttempt: row.attempt,
          ...(pullRequest ? { pullRequest } : {}),
        });
      },
    });
  } finally {
    await rm(root, { recursive: true, force: true }).catch(() => undefined);
  }
}
