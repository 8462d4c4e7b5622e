import type { Job, RepositoryActionResult, TaskRevision } from '../../common/schemas';
import type { RowMoves } from '../store/store';
import { itemsPhase, LEASE_MS, OperationFailed, type OperationRun, type OperationWork } from './operations';
import { startRun } from './startRun';

// The operations that move a job's rows (backend/api/operations.ts): a retry and a continue move
// the run's rows back to PENDING after the job's write (made by the request, before it answered),
// then start the workers; a cancel moves the unfinished rows to CANCELLED after the job went
// CANCELLING, then ends the job. A batch is 200 names; each row moves with a conditional write
// from the status it is in, so a batch done twice moves none twice.

const ROW_BATCH = 200;
/** Rows a request reads itself to choose what a cancel or a retry moves; a larger job's are read after it answers. */
const INLINE_PREPARE_ROWS = 1_000;

/**
 * Whether a retry's request leaves reading the job's rows to its operation (a retry of every failed
 * and cancelled row of a job of more than INLINE_PREPARE_ROWS): the request checks what the job item
 * says and answers at once; the operation's prepare reads the rows, checks each row's task and
 * makes the job's write (`beginRetry`), a refusal then its failure with the request's code.
 */
export function retriesInBackground(job: Job, names: readonly string[] | undefined): boolean {
  return names === undefined && job.counts.total > INLINE_PREPARE_ROWS;
}

function rowResults(moves: RowMoves): RepositoryActionResult[] {
  return [
    ...moves.moved.map((repositoryName) => ({ repositoryName, outcome: 'done' as const })),
    ...moves.skipped.map(({ repositoryName, reason }) => ({
      repositoryName,
      outcome: 'skipped' as const,
      reason: `Left as it is: ${reason}`,
    })),
  ];
}

/**
 * A retry or a continue: the request began it (the job is RUNNING with its new run), or left that
 * to `prepare` (a large retry); the rows follow.
 */
function runRows(
  move: (run: OperationRun, names: string[]) => Promise<RowMoves>,
  prepare: (run: OperationRun) => Promise<void> = async () => {
    // The request's own job write moved the operation past this step.
    throw new OperationFailed('The job was not started: its request did not finish');
  },
): OperationWork {
  return {
    batchSize: ROW_BATCH,
    keepAllResults: false,
    prepare,
    names: (run, from, to) => run.deps.store.runNames(run.job, from, to),
    process: async (run, names) => ({ results: rowResults(await move(run, names)) }),
    async finish(run) {
      const { store } = run.deps;
      // Rows that did not move leave the counters the job's write set a little off (so may a runner
      // that stopped inside a batch: `recount`).
      if (run.state.skipped || run.state.recount) await store.reconcile(run.job.jobId);
      const stored = await store.jobs.get(run.job.jobId);
      const job = stored && (await store.finalizeIfDone(stored));
      // Started already (a runner that died after starting the workers): never twice.
      if (job?.status === 'RUNNING' && job.executorRef === undefined) await startRun(run.deps, job);
    },
  };
}

export const retryWork: OperationWork = runRows(
  (run, names) => run.deps.store.retryRows(run.job, names, run.deps.keys.signer),
  async (run) => {
    // A large retry's request answered before reading the rows: they are read, checked and the job
    // written here, the operation's next phase in that same conditional write (so a runner that dies
    // after it never begins the retry twice), with its lease renewed just before.
    const begun = await run.deps.store.beginRetry(
      run.job.jobId,
      run.job.owner,
      undefined,
      run.deps.keys.signer,
      async () => {
        if (!(await run.keepAlive())) throw new OperationFailed('Another operation took the job over');
        return (list) => {
          const phase = itemsPhase(run.state, list.size);
          phase.operation.lease = { holder: run.state.lease!.holder, until: Date.now() + LEASE_MS };
          return phase;
        };
      },
    );
    if (!begun.ok) throw new OperationFailed(begun.message, begun.code);
  },
);

export const continueWork: OperationWork = runRows(async (run, names) => {
  const revision = run.request.revision as TaskRevision | undefined;
  // Without a revision nothing moves: the held-back rows wait PENDING already.
  if (!revision) return { moved: names, skipped: [] };
  return run.deps.store.continueRows(run.job, revision, names, run.deps.keys.signer);
});

/** A cancel's rows: every unfinished one, chosen once the job is CANCELLING, then the job ends CANCELLED. */
export const cancelWork: OperationWork = {
  batchSize: ROW_BATCH,
  keepAllResults: false,
  prepareInline: (run) => run.job.counts.pending + run.job.counts.running <= INLINE_PREPARE_ROWS,
  async prepare(run) {
    const names = await run.deps.store.unfinishedRows(run.job.jobId);
    const list = await run.deps.store.lists.write(run.job.jobId, names, run.job.expiresAt);
    const still = await run.record({ phase: 'items', list, total: names.length });
    if (!still) throw new OperationFailed('Another operation took the job over');
  },
  names: (run, from, to) => run.deps.store.lists.slice(run.job.jobId, run.state.list!, from, to),
  async process(run, names) {
    const moved = await run.deps.store.cancelRows(run.job.jobId, names, undefined, run.held);
    const settled = new Set(moved);
    return {
      results: names.map((repositoryName) =>
        settled.has(repositoryName)
          ? { repositoryName, outcome: 'done' as const }
          : { repositoryName, outcome: 'skipped' as const, reason: 'It had finished, or was cancelled already' },
      ),
    };
  },
  async finish(run) {
    const replaced = run.request.replaced;
    await run.deps.store.settleCancel(run.job.jobId, run.state.skipped, {
      fromRows: replaced === 'retry' || replaced === 'continue',
    });
  },
};
