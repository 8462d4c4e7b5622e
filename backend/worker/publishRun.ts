import { rm } from 'node:fs/promises';
import { Redactor } from '../../common/redact';
import type { Publication, RepositoryResult } from '../../common/schemas';
import { jobAtRevision } from '../../common/tasks';
import { type CodeHost, hostRedaction } from '../hosts';
import { workerHost } from './workerHost';
import { ConfigError } from './config';
import { GitCheckout, gitEnvironment } from './git';
import { Liveness } from './liveness';
import { publishChange } from './publish';
import { RunArtifacts } from './runArtifacts';
import { RunFailure, type RunContext } from './runContext';
import { makeRunFolder } from './runFolders';
import { RunLog } from './runLog';
import type { WorkerDependencies, WorkerExit } from './worker';

// A worker in publish mode (CODY_BATCH_RUN_KIND=publish): index i of the job's `publishRun`
// publishes one COMPLETED repository its publish queued. It claims the row's publication (never
// its run status: the row stays COMPLETED, its review and attempt unchanged), clones the recorded
// base commit, and hands over to the one publishing path (./publish.ts), which commits the stored
// diff onto it. Its log lines are appended to the attempt's log.

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
  // The patch's latest revision: a reviewer may have left hunks out of the worker's diff.
  const artifacts = new RunArtifacts(
    deps.artifacts,
    job.jobId,
    repositoryName,
    redactor,
    attempt,
    claimed.patchRevisions?.find((entry) => entry.revision === claimed.patchRevision),
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
    const published = await publish(deps, claimed, jobOfRun, { host, log, liveness, artifacts, draft: run.draft });
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

async function publish(
  deps: WorkerDependencies,
  row: RepositoryResult,
  job: RunContext['job'],
  parts: Pick<RunContext, 'log' | 'liveness' | 'artifacts'> & {
    host: CodeHost;
    draft?: boolean;
  },
) {
  const { config, store } = deps;
  const { host, log } = parts;
  if (!row.base)
    throw new RunFailure(
      'PATCH_FAILED',
      `${row.repositoryName} was changed before base commits were recorded: retry it, then publish the new diff`,
    );
  const root = await makeRunFolder(config.workDir);
  try {
    const url = host.cloneUrl(row.repositoryName);
    let checkout: GitCheckout;
    try {
      checkout = await GitCheckout.clone(url, root, row.base.branch, {
        env: gitEnvironment(deps.env),
        authHeader: await host.gitAuthHeader(row.repositoryName),
      });
      // The branch may have moved on since the diff was made: the diff goes onto its own base.
      await checkout.ensureCommit(url, row.base.commit);
    } catch (error) {
      throw new RunFailure(
        'CLONE_FAILED',
        `Fetching ${row.repositoryName} at ${row.base.commit} failed: ${log.redact((error as Error).message).trim()}`,
      );
    }
    checkout.base = { branch: row.base.branch, head: row.base.commit };
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
