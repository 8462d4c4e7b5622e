import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { ApiErrorCode } from '../../common/errors';
import { type Job, Operation, type OperationKind, type RepositoryActionResult } from '../../common/schemas';
import type { LeaseHeld } from '../store/jobs';
import type { OperationProgress, OperationState } from '../store/operations';
import type { ApiDependencies } from './context';
import { RequestError } from './middleware/errors';

// Bulk operations, run (common/schemas/operations.ts's Operation, backend/store/operations.ts): a request
// starts one and runs it for a moment (`INLINE_MS`); what is done by then is its answer, as before
// operations; what is not goes on in the background — in the local stack's own process, on AWS in
// the sweeper Lambda, which the API invokes at once — and the request answers 202 with the
// operation. A runner takes the operation's lease, works through its names a batch at a time and
// records each batch's results and counts with a write that renews the lease; a runner that dies
// leaves a lease that runs out, and the next sweep (or the stack's start) picks the operation up
// where its last batch ended. Each kind's work (`OperationWork`) is idempotent per repository (a
// row moves only from the status it is in; what was done on a code host is recorded as it is
// done, and not done again), so the batch in flight when a runner died is done again harmlessly —
// but for a comment, which the repository in flight may get twice. A runner that takes over from
// one that still held the lease marks the operation `recount`: the counts of that runner's last
// batch may never have been written, and the work's end counts from the rows.

/** How long a request runs its operation before it answers with it. */
export const INLINE_MS = 1_500;
/** A runner's lease: renewed with every batch and every few seconds of a wait. */
export const LEASE_MS = 30_000;

/** This process's name as an operation's runner. */
export const RUNNER = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

/** One run of an operation: what its work reads and the runner's means to wait. */
export interface OperationRun {
  deps: ApiDependencies;
  state: OperationState;
  request: Record<string, unknown>;
  /** The job as it was when the runner took the operation (or after its prepare). */
  job: Job;
  /** Renews the lease; false when it was lost (stop). */
  keepAlive(): Promise<boolean>;
  /** Records progress (a prepare's names and total) with the lease; false when it was lost. */
  record(change: OperationProgress): Promise<boolean>;
  /** True once past the run's deadline: a long batch stops starting new work (the rest goes in `redo`). */
  pastDeadline(): boolean;
  /** This runner as it holds the operation: a batch's counter write is made only while it does. */
  held: LeaseHeld;
}

/** What one batch settled, and what it could not yet (a rate limit: wait `waitSeconds`, then do `redo`). */
export interface BatchOutcome {
  results: RepositoryActionResult[];
  redo?: string[];
  waitSeconds?: number;
  reason?: string;
  /** Names looked at and left out (a filter did not pick them): no result, not counted in the total. */
  excluded?: number;
}

/** One kind of operation. */
export interface OperationWork {
  batchSize: number;
  /** Keeps every result (a pull-request action, a group review), or only those not done (rows moved). */
  keepAllResults: boolean;
  /** Its first step (choose the names, write the job): ends with `state.phase` 'items' and `state.total` set. */
  prepare(run: OperationRun): Promise<void>;
  /** Whether a request may do the prepare within its moment (a small job); else it goes on in the background. */
  prepareInline?(run: OperationRun): boolean;
  /** Names `from` to `to` of what it works on. */
  names(run: OperationRun, from: number, to: number): Promise<string[]>;
  process(run: OperationRun, names: string[]): Promise<BatchOutcome>;
  /** Its last step, once every name is settled (recount, start the workers). */
  finish(run: OperationRun): Promise<void>;
}

export type OperationWorks = Record<OperationKind, OperationWork>;

/** An operation's work failing for good (not a lost lease): the operation ends `failed` with this message. */
export class OperationFailed extends Error {
  constructor(
    message: string,
    /** The code a request would have answered with it (a group review's PATCH_CHANGED), for its `code`. */
    readonly code?: ApiErrorCode,
  ) {
    super(message);
  }
}

export interface RunOptions {
  /** Stop (letting the lease go) once past this (epoch ms): a request's moment, a Lambda's remaining time. */
  deadline?: number;
  /** Every result, for a request that answers with them when the operation ends in time. */
  collect?: RepositoryActionResult[];
  sleep?: (ms: number) => Promise<void>;
  /** Whatever lease it has (see OperationsTable.claim). */
  takeOver?: boolean;
}

export type RunEnd = 'done' | 'failed' | 'paused' | 'lost';

/** Runs the job's operation `operationId` as far as it goes (see the top of this file). */
export async function runOperation(
  deps: ApiDependencies,
  works: OperationWorks,
  jobId: string,
  operationId: string,
  options: RunOptions = {},
): Promise<RunEnd> {
  const operations = deps.store.operations;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const claimed = await operations.claim(jobId, operationId, RUNNER, LEASE_MS, options.takeOver);
  if (!claimed) return 'lost';
  const state = claimed.state;
  // Its last runner stopped inside a batch: said on the operation before anything else, so whichever
  // runner ends it (this one, or the next if this one dies too) counts from the rows.
  if (
    claimed.inherited &&
    !state.recount &&
    !(await operations.progress(jobId, state, RUNNER, LEASE_MS, { recount: true }))
  )
    return 'lost';
  const work = works[state.kind];
  const request = (await operations.request(jobId, operationId)) ?? {};
  const job = await deps.store.jobs.get(jobId);
  if (!job) return 'lost';
  const run: OperationRun = {
    deps,
    state,
    request,
    job,
    keepAlive: () => operations.progress(jobId, state, RUNNER, LEASE_MS, {}),
    record: (change) => operations.progress(jobId, state, RUNNER, LEASE_MS, change),
    pastDeadline: () => pastDeadline(),
    held: { operationId, holder: RUNNER },
  };
  function pastDeadline(extraMs = 0): boolean {
    return options.deadline !== undefined && Date.now() + extraMs > options.deadline;
  }
  try {
    if (state.phase === 'prepare') {
      // A long prepare (choosing 10,000 names) is not a request's to wait for.
      if (options.deadline !== undefined && !work.prepareInline?.(run)) {
        await operations.release(jobId, state, RUNNER);
        return 'paused';
      }
      await work.prepare(run);
      if (state.phase === 'prepare') throw new Error(`${state.kind}: its prepare did not say what it works on`);
      run.job = (await deps.store.jobs.get(jobId)) ?? job;
    }
    for (;;) {
      if (pastDeadline()) {
        await operations.release(jobId, state, RUNNER);
        return 'paused';
      }
      const redo = state.redo ?? [];
      const names = redo.length
        ? redo
        : await work.names(run, state.cursor, Math.min(state.total, state.cursor + work.batchSize));
      if (names.length === 0) break;
      const outcome = await work.process(run, names);
      const kept = work.keepAllResults
        ? outcome.results
        : outcome.results.filter((result) => result.outcome !== 'done');
      const seq = kept.length ? state.seq + 1 : state.seq;
      // The chunk goes under a lease just renewed: a runner that lost it meanwhile (a slow batch) must
      // not write over the chunk its successor wrote under the same number.
      if (kept.length && !(await run.keepAlive())) return 'lost';
      if (kept.length) await operations.addResults(jobId, operationId, seq, kept);
      options.collect?.push(...outcome.results);
      const count = (outcome: RepositoryActionResult['outcome']) =>
        outcome === 'skipped' ? 'skipped' : outcome === 'failed' ? 'failed' : 'done';
      const counts = { done: state.done, skipped: state.skipped, failed: state.failed };
      for (const result of outcome.results) counts[count(result.outcome)]++;
      const still = await operations.progress(jobId, state, RUNNER, LEASE_MS, {
        ...counts,
        ...(outcome.excluded ? { total: state.total - outcome.excluded } : {}),
        seq,
        cursor: redo.length ? state.cursor : state.cursor + names.length,
        redo: outcome.redo?.length ? outcome.redo : null,
        waitingSeconds: outcome.waitSeconds ?? null,
        reason: outcome.waitSeconds ? (outcome.reason ?? null) : null,
      });
      if (!still) return 'lost';
      if (outcome.waitSeconds) {
        const waitMs = outcome.waitSeconds * 1000;
        if (pastDeadline(waitMs)) {
          // Longer than this runner may wait: the next one starts after it (a sweep, a re-invocation).
          await operations.progress(jobId, state, RUNNER, LEASE_MS, { resumeAt: Date.now() + waitMs });
          await operations.release(jobId, state, RUNNER);
          return 'paused';
        }
        for (let waited = 0; waited < waitMs; waited += 5_000) {
          await sleep(Math.min(5_000, waitMs - waited));
          if (!(await run.keepAlive())) return 'lost';
        }
        if (!(await operations.progress(jobId, state, RUNNER, LEASE_MS, { waitingSeconds: null, reason: null })))
          return 'lost';
      }
    }
    await work.finish(run);
    return (await operations.finish(jobId, state, RUNNER, 'done')) ? 'done' : 'lost';
  } catch (error) {
    if (!(error instanceof OperationFailed)) deps.log?.error(`Operation ${operationId} of job ${jobId} failed`, error);
    const message =
      error instanceof OperationFailed
        ? error.message
        : `It stopped on an error (${(error as Error).message}); what it did stays done`;
    const code = error instanceof OperationFailed ? error.code : undefined;
    return (await operations.finish(jobId, state, RUNNER, 'failed', message, code).catch(() => false))
      ? 'failed'
      : 'lost';
  }
}

/**
 * Starts an operation on the job (409 OPERATION_IN_PROGRESS while another runs, unless `preempt`),
 * with this process's runner holding it from the start.
 */
export async function startOperation(
  deps: ApiDependencies,
  job: Job,
  kind: OperationKind,
  request: Record<string, unknown>,
  options: { names?: readonly string[]; phase?: string; preempt?: boolean } = {},
): Promise<OperationState> {
  const state = await deps.store.operations.start(job, kind, request, {
    ...options,
    holder: RUNNER,
    leaseMs: LEASE_MS,
  });
  if (!state)
    throw new RequestError(
      'OPERATION_IN_PROGRESS',
      `Job ${job.jobId} has a bulk operation going on (${job.operation?.kind ?? 'another'}, ${job.operation?.left ?? '?'} left); try again once it has ended`,
    );
  return state;
}

/** An operation run for the request's moment (INLINE_MS), and how it stands. */
export interface MomentRun {
  end: RunEnd;
  /** Every result of the moment (all of them when it ended). */
  results: RepositoryActionResult[];
  /** The operation as clients see it now. */
  operation: Operation;
}

/**
 * Runs the operation for a moment; if it is not done, it goes on in the background (`deps.background`,
 * else this process) and the request answers with it.
 */
export async function runForAMoment(
  deps: ApiDependencies,
  works: OperationWorks,
  state: OperationState,
  /** When the request began: what it did before (a retry's job write) counts toward its moment. */
  since = Date.now(),
  momentMs = deps.limits?.operationMomentMs ?? INLINE_MS,
): Promise<MomentRun> {
  const results: RepositoryActionResult[] = [];
  const end = await runOperation(deps, works, state.jobId, state.operationId, {
    deadline: since + momentMs,
    collect: results,
  });
  if (end === 'paused') await continueInBackground(deps, works, state.jobId, state.operationId);
  const job = await deps.store.jobs.get(state.jobId);
  const operation = job?.operation?.operationId === state.operationId ? job.operation : undefined;
  return { end, results, operation: operation ?? Operation.parse(state) };
}

/** Hands a paused operation on: to `deps.background`, or to a runner in this process. */
export async function continueInBackground(
  deps: ApiDependencies,
  works: OperationWorks,
  jobId: string,
  operationId: string,
): Promise<void> {
  if (deps.background) {
    // If it cannot be handed on, its lease runs out and the next sweep picks it up.
    await deps.background
      .continueOperation(jobId, operationId)
      .catch((error: unknown) => deps.log?.error(`Operation ${operationId} of job ${jobId} was not handed on`, error));
    return;
  }
  const go = async () => {
    // Paused for a rate limit's wait: taken again once it is over.
    const current = await deps.store.operations.state(jobId);
    const resumeAt = current?.operationId === operationId ? (current.resumeAt ?? 0) : 0;
    if (resumeAt > Date.now()) {
      setTimeout(() => void go(), resumeAt - Date.now()).unref();
      return;
    }
    await runOperation(deps, works, jobId, operationId);
  };
  go().catch((error: unknown) => deps.log?.error(`Operation ${operationId} of job ${jobId} stopped`, error));
}

/** Picks up every operation whose runner is gone (its lease ran out): the stack's start and sweep, the sweeper Lambda. */
export async function resumeOrphanedOperations(
  deps: ApiDependencies,
  works: OperationWorks,
  options: RunOptions = {},
): Promise<number> {
  // Taking over (the local stack's start), every running operation is an orphan, whatever its lease.
  const orphans = await deps.store.operations.orphaned(options.takeOver ? Number.MAX_SAFE_INTEGER : Date.now());
  for (const { jobId, operationId } of orphans) {
    if (options.deadline !== undefined) await runOperation(deps, works, jobId, operationId, options);
    else
      void runOperation(deps, works, jobId, operationId, { takeOver: options.takeOver }).catch((error: unknown) =>
        deps.log?.error(`Operation ${operationId} of job ${jobId} stopped`, error),
      );
  }
  return orphans.length;
}

/** The job write's `operation` once a request has begun it (retry, continue): its rows come next. */
export function itemsPhase(state: OperationState, total: number): { operation: OperationState } {
  Object.assign(state, { phase: 'items', total, left: total });
  return { operation: state };
}

/** Ends an operation its request could not begin (the request answers with why). */
export async function abandonOperation(deps: ApiDependencies, state: OperationState, message: string): Promise<void> {
  await deps.store.operations.finish(state.jobId, state, RUNNER, 'failed', message).catch(() => false);
}
