import { heldBack } from '../../common/sample';
import type { Job, RepositoryResult } from '../../common/schemas';
import type { RowUpdate } from './repositories';
import type { Store } from './store';

// No job stays unfinished forever. For every active job the sweep:
// - fails RUNNING rows whose worker stopped beating (a lost host, a killed container) with
//   WORKER_LOST;
// - fails PENDING rows whose worker the executor says ended without running them (on AWS, an array
//   child that could not pull its image, or an array that failed to start) with NEVER_STARTED;
// - completes a cancel whose API call died half-way (the job CANCELLING, its rows not marked);
// - reconciles the counters with the rows and gives jobs with nothing pending or running their
//   final status (SAMPLED, when only a sample's held-back rows are pending).
// A SAMPLED job is not active: it waits for its user, and the sweep leaves it and its rows alone.
// Locally it runs at start and every minute; on AWS a scheduled Lambda runs it, with AWS Batch as
// the executor that answers `neverStarted`.

/** A repository of a job's current run whose worker ended without ever running it. */
export interface NeverStarted {
  repositoryName: string;
  /** What the executor knows of the end, e.g. AWS Batch's status and status reason. */
  reason: string;
}

export interface SweepOptions {
  staleAfterMs: number;
  now?: number;
  /**
   * Which repositories of the job's current run have a worker that ended without running them.
   * Asked, before the rows are read, only for PENDING and RUNNING jobs with repositories pending.
   */
  neverStarted?: (job: Job) => Promise<NeverStarted[]>;
  /** A CANCELLING job untouched this long lost the call that was cancelling it (default 2 minutes). */
  cancelAbandonedAfterMs?: number;
}

export interface SweptRow {
  jobId: string;
  repositoryName: string;
}

export interface SweepReport {
  jobs: number;
  lost: SweptRow[];
  neverStarted: SweptRow[];
  /** Jobs whose abandoned cancel the sweep completed. */
  cancelled: string[];
  finished: string[];
  /** Jobs the sweep could not look at this time (the next sweep tries again). */
  errors: { jobId: string; message: string }[];
}

const DEFAULT_CANCEL_ABANDONED_AFTER_MS = 2 * 60_000;

export async function sweep(store: Store, options: SweepOptions): Promise<SweepReport> {
  const report: SweepReport = { jobs: 0, lost: [], neverStarted: [], cancelled: [], finished: [], errors: [] };
  for (const job of await store.jobs.scanActive()) {
    report.jobs++;
    try {
      await sweepJob(store, job, options, report);
    } catch (error) {
      // One job's trouble (Batch throttling, say) does not keep the others from being swept.
      report.errors.push({ jobId: job.jobId, message: (error as Error).message });
    }
  }
  return report;
}

async function sweepJob(store: Store, job: Job, options: SweepOptions, report: SweepReport): Promise<void> {
  // A bulk operation (a retry, a cancel) is moving the job's rows and will set its counters and
  // status itself: a recount in between would judge the rows half-moved. A dead operation is picked
  // up on its own (backend/api/operations.ts), and swept after.
  if (job.operation?.status === 'running') return;
  const now = options.now ?? Date.now();
  const finishedAt = new Date(now).toISOString();

  if (
    job.status === 'CANCELLING' &&
    Date.parse(job.updatedAt) < now - (options.cancelAbandonedAfterMs ?? DEFAULT_CANCEL_ABANDONED_AFTER_MS)
  ) {
    const after = await store.cancelUnfinished(job.jobId, 'Cancelled by the user (completed by the sweeper)');
    report.cancelled.push(job.jobId);
    if (after.finishedAt) report.finished.push(job.jobId);
    return;
  }

  // Asked before the rows are read: a worker that has ended made its last write before it did.
  // A sample's held-back rows are pending but outside the run: no worker was ever meant for them.
  const ended =
    options.neverStarted && job.status !== 'CANCELLING' && job.counts.pending > heldBack(job)
      ? await options.neverStarted(job)
      : [];
  const rows = await store.repositories.listAll(job.jobId);

  const staleBefore = new Date(now - options.staleAfterMs).toISOString();
  const silent = rows.filter(
    (row) => row.status === 'RUNNING' && !((row.heartbeatAt ?? row.startedAt ?? '') >= staleBefore),
  );
  if (silent.length) {
    const { moved } = await store.transitionRepositories(
      job.jobId,
      silent.map((row) => ({
        repositoryName: row.repositoryName,
        change: {
          from: ['RUNNING'],
          to: 'FAILED',
          attempt: row.attempt,
          // A beat that lands between our read and this write keeps the row alive.
          heartbeatBefore: staleBefore,
          set: {
            finishedAt,
            error: {
              code: 'WORKER_LOST',
              message: `The worker stopped reporting (last heartbeat ${row.heartbeatAt ?? row.startedAt ?? 'never'}); retry to run it again`,
            },
          },
        },
      })),
    );
    report.lost.push(...moved.map(({ repositoryName }) => ({ jobId: job.jobId, repositoryName })));
  }

  if (ended.length) await failNeverStarted(store, job, rows, ended, finishedAt, report);

  const after = await store.reconcile(job.jobId);
  if (after.status !== job.status && after.finishedAt) report.finished.push(job.jobId);
}

/** Fails the PENDING rows of the run the executor was asked about, at the attempt they were read at. */
async function failNeverStarted(
  store: Store,
  job: Job,
  rows: RepositoryResult[],
  ended: NeverStarted[],
  finishedAt: string,
  report: SweepReport,
): Promise<void> {
  // A retry since the executor was asked starts a new run: its rows are not the ended run's.
  const current = await store.jobs.get(job.jobId);
  if (
    !current ||
    current.executorRef !== job.executorRef ||
    (current.status !== 'PENDING' && current.status !== 'RUNNING')
  )
    return;
  const byName = new Map(rows.map((row) => [row.repositoryName, row]));
  const changes = ended.flatMap(({ repositoryName, reason }) => {
    const row = byName.get(repositoryName);
    if (row?.status !== 'PENDING') return [];
    const change: RowUpdate = {
      from: ['PENDING'],
      to: 'FAILED',
      attempt: row.attempt,
      set: { finishedAt, error: { code: 'NEVER_STARTED', message: `${reason}; retry to run it again` } },
    };
    return [{ repositoryName, change }];
  });
  if (!changes.length) return;
  const { moved } = await store.transitionRepositories(job.jobId, changes);
  report.neverStarted.push(...moved.map(({ repositoryName }) => ({ jobId: job.jobId, repositoryName })));
}
