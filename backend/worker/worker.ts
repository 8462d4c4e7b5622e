import { Redactor } from '../../common/redact';
import type { Job, RepositoryResult } from '../../common/schemas';
import { jobAtRevision } from '../../common/tasks';
import { codeHostFrom, hostRedaction } from '../hosts';
import { pushPayload, resultPayload, roundResultOf, sealedPush, taskVerifies } from '../store/rowSignatures';
import { jobVerifies } from '../store/signing';
import { commandChange } from './commandChange';
import { resolveCommandUser } from './commandRunner';
import { ConfigError } from './config';
import { commandEnvironment } from './environment';
import { gitEnvironment } from './git';
import { Liveness } from './liveness';
import { RunArtifacts } from './runArtifacts';
import { RunLog } from './runLog';
import { runRepository, type RunOutcome } from './runRepository';
import type { WorkerDependencies, WorkerExit } from './workerDependencies';
import { workerHost } from './workerHost';
import { type CommandGuard, commandGuard } from './sandboxPolicy';

// A worker process's whole life: find its shard of the job's run, and for each repository of it
// claim the row, run it, record the outcome. Every write to a row is conditional on this worker's
// attempt. It runs only what the API signed: a job item that does not verify fails its shard with
// UNVERIFIED_JOB, a row whose task (note, task revision) does not verify fails with UNVERIFIED_ROW,
// each before anything is cloned (backend/store/signing.ts).

/**
 * Claims the row at whatever attempt it is, in one conditional write (no read first: the claim's
 * answer is the row). When that fails the row is read, to say why: AWS Batch's own retry of an
 * attempt (a lost host) finds the row still RUNNING under the dead worker's heartbeat, waits until
 * that heartbeat is stale, then claims it at that attempt.
 */
async function claimRow(
  deps: WorkerDependencies,
  jobId: string,
  repositoryName: string,
): Promise<{ claimed: RepositoryResult } | { row: RepositoryResult }> {
  const { store, config } = deps;
  const claim = (attempt?: number) =>
    store.claim(jobId, repositoryName, attempt, new Date(Date.now() - config.staleAfterMs).toISOString());
  const claimed = await claim();
  if (claimed) return { claimed };
  const row = await store.repositories.get(jobId, repositoryName);
  if (!row) throw new ConfigError(`Job ${jobId} has no row for ${repositoryName}`);
  const batchRetry = Number(deps.env.AWS_BATCH_JOB_ATTEMPT ?? '1') > 1;
  if (!batchRetry || row.status !== 'RUNNING' || !row.heartbeatAt) return { row };
  const waitMs = Date.parse(row.heartbeatAt) + config.staleAfterMs - Date.now() + 1_000;
  if (waitMs > config.staleAfterMs + 60_000) return { row };
  deps.print(
    `${repositoryName}: attempt ${row.attempt} still looks alive; retrying the claim in ${Math.ceil(Math.max(0, waitMs) / 1000)} s`,
  );
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, waitMs)));
  const retried = await claim(row.attempt);
  return retried ? { claimed: retried } : { row };
}

/**
 * Runs the worker's shard of the job's run: names `index × shardSize` onwards, one after another
 * in this process, each with its own claim, heartbeat, temporary folder, log, thread and limits.
 * A row that is not claimable (done, cancelled, another worker's) is passed over. It stops after
 * the repository in flight when asked to (`stopRequested`: a SIGTERM), and when one is released
 * (cancelled or swept under it: the job has moved on).
 */
export async function runWorker(deps: WorkerDependencies): Promise<WorkerExit> {
  // A publish run (POST /jobs/{id}/publish) publishes a row the change run completed.
  if (deps.config.runKind === 'publish') return (await import('./publishRun')).runPublishWorker(deps);
  const { config, store, print } = deps;
  const job = await store.jobs.get(config.jobId);
  if (!job) throw new ConfigError(`There is no job ${config.jobId}`);
  const first = config.index * config.shardSize;
  if (!Number.isSafeInteger(first) || first >= job.run.size) {
    throw new ConfigError(
      `Job ${job.jobId} has no repository at index ${config.index} of its run (${job.run.size} long, ${config.shardSize} a shard)`,
    );
  }
  if (job.status !== 'PENDING' && job.status !== 'RUNNING') {
    print(`Job ${job.jobId} is ${job.status}; nothing to do`);
    return 'skipped';
  }
  const names = await store.runNames(job, first, first + config.shardSize);
  if (!jobVerifies(config.keys.verifier, job)) return refuseShard(deps, job, names);
  let exit: WorkerExit = 'skipped';
  // One sandbox for the shard (or for the process's shards of this job: deps.guards): the job's
  // hosts are the same for each of its repositories.
  const guardFor = {
    cloneUrl: codeHostFrom(config.codeHost).cloneUrl(names[0] ?? 'owner/name'),
    commandUser: config.commandUser,
  };
  const guard = deps.guards
    ? await deps.guards.for(deps.env, job, guardFor)
    : await commandGuard(deps.env, job, guardFor);
  try {
    for (const repositoryName of names) {
      if (deps.stopRequested?.()) break;
      // A row released under it (cancelled, swept) does not end the shard: the next claims say
      // whether the job goes on.
      const outcome = await runOne(deps, job, repositoryName, guard);
      if (outcome === 'released' || (outcome === 'recorded' && exit === 'skipped')) exit = outcome;
    }
  } finally {
    if (!deps.guards) await guard?.dispose();
  }
  return exit;
}

/** A job item the API did not sign as it is: its shard's rows fail, unrun. */
async function refuseShard(deps: WorkerDependencies, job: Job, names: readonly string[]): Promise<WorkerExit> {
  const message =
    "Not run: the job does not carry the API's signature of what it runs (it was written or changed around the API)";
  deps.print(`Job ${JSON.stringify(job.jobId).slice(0, 80)}: ${message}`);
  const { moved } = await deps.store.transitionRepositories(
    job.jobId,
    names.map((repositoryName) => ({
      repositoryName,
      change: {
        from: ['PENDING', 'RUNNING'],
        to: 'FAILED',
        set: { finishedAt: new Date().toISOString(), error: { code: 'UNVERIFIED_JOB', message } },
      },
    })),
  );
  return moved.length ? 'recorded' : 'skipped';
}

/** One repository of the shard: claim its row, run it, record the outcome. */
async function runOne(
  deps: WorkerDependencies,
  job: Job,
  repositoryName: string,
  guard: CommandGuard | undefined,
): Promise<WorkerExit> {
  const { config, store, print } = deps;
  const redactor = Redactor.fromEnvironment(deps.env, [], hostRedaction());
  const claim = await claimRow(deps, job.jobId, repositoryName);
  if ('row' in claim) {
    const { row } = claim;
    const claimable = row.status === 'PENDING' || row.status === 'RUNNING';
    print(
      `${repositoryName}: ${row.status} at attempt ${row.attempt}${claimable ? ', not claimable' : ''}; nothing to do`,
    );
    return 'skipped';
  }
  const { claimed } = claim;
  deps.onClaimed?.(repositoryName, claimed.attempt);
  const attempt = claimed.attempt;
  if (!taskVerifies(config.keys.verifier, claimed)) {
    const message =
      "Not run: this repository's task (its note, its task revision) does not carry the API's signature: it was written or changed around the API";
    print(`${repositoryName}: ${message}`);
    const moved = await store.transitionRepository(job.jobId, repositoryName, {
      from: ['RUNNING'],
      to: 'FAILED',
      attempt,
      set: { finishedAt: new Date().toISOString(), error: { code: 'UNVERIFIED_ROW', message } },
    });
    return moved ? 'recorded' : 'released';
  }
  // The task this attempt runs is the revision its row names, whatever the job's latest is.
  const taskRevision = claimed.taskRevision ?? 1;
  const jobOfRun = jobAtRevision(job, taskRevision);

  const artifacts = new RunArtifacts(deps.artifacts, job.jobId, repositoryName, redactor, attempt);
  const log = new RunLog(
    redactor,
    (text) => artifacts.saveLog(text),
    (line) => print(`${repositoryName}: ${line}`),
  );
  const liveness = new Liveness(
    () => store.repositories.heartbeat(job.jobId, repositoryName, attempt),
    (error) => log.step(`Heartbeat failed, will retry: ${redactor.error(error)}`),
  );
  deps.onLiveness?.(liveness);
  liveness.start(config.heartbeatMs);
  const host = workerHost(config, redactor, log);
  log.step(
    `Worker for ${repositoryName}, job ${job.jobId}, attempt ${attempt}, task revision ${taskRevision} (worker process ${process.pid})`,
  );

  let outcome: RunOutcome;
  try {
    if (!jobOfRun) throw new Error(`Job ${job.jobId} has no task revision ${taskRevision}`);
    const commandUser = config.commandUser ? await resolveCommandUser(config.commandUser) : undefined;
    const commandEnv = commandEnvironment(deps.env);
    outcome = await runRepository({
      config,
      host,
      context: {
        job: jobOfRun,
        row: claimed,
        repositoryName,
        log,
        liveness,
        artifacts,
        deadline: Date.now() + config.wallTimeMs,
        commandEnv,
        commandUser,
        runMarker: config.runMarker,
      },
      commandUser,
      guard,
      gitEnv: gitEnvironment(deps.env),
      lease: sealedPush(config.keys.workerSeal, claimed),
      recordPush: async (pushed) => {
        await store.repositories.update(job.jobId, repositoryName, {
          from: ['RUNNING'],
          to: 'RUNNING',
          attempt,
          set: {
            pushedBranch: pushed.branch,
            pushedCommit: pushed.commit,
            pushSeal: config.keys.workerSeal.seal('push', pushPayload(job.jobId, repositoryName, pushed)),
          },
        });
      },
      changeMaker: async (context) => {
        if (jobOfRun.command !== undefined) return commandChange(context, jobOfRun.command);
        if (!deps.claude) throw new ConfigError('This worker cannot run Claude jobs');
        return deps.claude(context);
      },
      recordPullRequestUrl: async (url, pullRequest) => {
        await store.repositories.update(job.jobId, repositoryName, {
          from: ['RUNNING'],
          to: 'RUNNING',
          attempt,
          set: { pullRequestUrl: url, publishedAttempt: attempt, ...(pullRequest ? { pullRequest } : {}) },
        });
      },
    });
  } catch (error) {
    outcome = { status: 'FAILED', code: 'INTERNAL', message: redactor.error(error) };
  } finally {
    liveness.dispose();
  }

  const stopped = liveness.stopped;
  if (stopped?.released) {
    log.step(`Stopped: ${stopped.message}`);
    await log.flush();
    if (stopped.handOver) {
      // Stopped by a signal (a Spot reclaim, a shutdown): a retry of this attempt may claim the row
      // now rather than after the heartbeat goes stale. A cancel has already moved it; then this
      // conditional write does nothing.
      await store.repositories
        .update(job.jobId, repositoryName, {
          from: ['RUNNING'],
          to: 'RUNNING',
          attempt,
          set: { heartbeatAt: new Date(0).toISOString() },
        })
        .catch(() => undefined);
    }
    return 'released';
  }
  log.step(
    outcome.status === 'FAILED'
      ? `Finished: FAILED (${outcome.code}) ${outcome.message.split('\n')[0]}`
      : `Finished: ${outcome.status}`,
  );
  await log.flush();

  const now = new Date().toISOString();
  const set: Record<string, unknown> = { finishedAt: now, heartbeatAt: now };
  if (outcome.summary !== undefined) set.summary = redactor.text(outcome.summary);
  if (outcome.verification) set.verification = outcome.verification;
  // A round's row keeps what the worker found: the head it started from, the base it merged, the trigger in a line.
  if (outcome.followUp) {
    const { triggerSummary, ...round } = outcome.followUp;
    // The round's own cost: what the row's usage grew by since the claim (every attempt adds to it).
    const spent =
      ((await store.repositories.get(job.jobId, repositoryName))?.usage.costUsd ?? 0) - claimed.usage.costUsd;
    set.followUp = {
      ...round,
      ...(triggerSummary ? { triggerSummary: redactor.text(triggerSummary) } : {}),
      ...(spent > 0 ? { costUsd: Math.round(spent * 1e6) / 1e6 } : {}),
    };
  }
  if (outcome.status === 'FAILED') {
    set.error = { code: outcome.code, message: redactor.text(outcome.message) };
    if (outcome.diffStats) set.diffStats = outcome.diffStats;
  } else {
    set.diffStats = outcome.diffStats;
    if (outcome.status === 'COMPLETED' && outcome.base && outcome.diffDigest) {
      // What a publish builds on and what a reviewer's digest must match, sealed: the API signs
      // nothing on top of a base or digest that a worker did not record.
      set.base = outcome.base;
      set.diffDigest = outcome.diffDigest;
      set.resultSeal = config.keys.workerSeal.seal(
        'result',
        resultPayload({
          jobId: job.jobId,
          repositoryName,
          attempt,
          base: outcome.base,
          diffDigest: outcome.diffDigest,
          round: outcome.followUp ? roundResultOf({ attempt, followUp: outcome.followUp }) : undefined,
        }),
      );
    }
    if (outcome.status === 'COMPLETED' && outcome.fingerprint) set.fingerprint = outcome.fingerprint;
    if (outcome.pullRequestUrl) set.pullRequestUrl = outcome.pullRequestUrl;
    if (outcome.warnings) set.warnings = outcome.warnings.map((warning) => redactor.text(warning));
  }
  const moved = await store.transitionRepository(job.jobId, repositoryName, {
    from: ['RUNNING'],
    to: outcome.status,
    attempt,
    set,
  });
  return moved ? 'recorded' : 'released';
}
