import * as z from 'zod';

// Status rules (docs/architecture.md, "Statuses"). Every store transition is checked against these tables,
// and the same tables decide what the extension offers (cancel only on active jobs, and so on).

export const RepositoryStatus = z.enum(['PENDING', 'RUNNING', 'COMPLETED', 'NO_CHANGES', 'FAILED', 'CANCELLED']);
export type RepositoryStatus = z.infer<typeof RepositoryStatus>;

export const JobStatus = z.enum([
  'PENDING',
  'RUNNING',
  'SAMPLED',
  'CANCELLING',
  'COMPLETED',
  'COMPLETED_WITH_ERRORS',
  'FAILED',
  'CANCELLED',
]);
export type JobStatus = z.infer<typeof JobStatus>;

export const REPOSITORY_TRANSITIONS: Record<RepositoryStatus, readonly RepositoryStatus[]> = {
  // PENDING → FAILED: the run could not start (START_FAILED, WORKER_CRASHED, NEVER_STARTED).
  PENDING: ['RUNNING', 'CANCELLED', 'FAILED'],
  // RUNNING → PENDING: re-queued at the next attempt when the local stack restarts under it.
  RUNNING: ['COMPLETED', 'NO_CHANGES', 'FAILED', 'CANCELLED', 'PENDING'],
  // COMPLETED | NO_CHANGES → PENDING: a sampled repository runs again when a continue revises the task.
  COMPLETED: ['PENDING'],
  NO_CHANGES: ['PENDING'],
  FAILED: ['PENDING'],
  CANCELLED: ['PENDING'],
};

export const JOB_TRANSITIONS: Record<JobStatus, readonly JobStatus[]> = {
  PENDING: ['RUNNING', 'SAMPLED', 'CANCELLING', 'COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED'],
  RUNNING: ['SAMPLED', 'CANCELLING', 'COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED'],
  // A sample has run; the rest waits, PENDING, for a continue (→ RUNNING) or a cancel.
  SAMPLED: ['RUNNING', 'CANCELLING'],
  CANCELLING: ['CANCELLED'],
  COMPLETED: ['RUNNING'],
  COMPLETED_WITH_ERRORS: ['RUNNING'],
  FAILED: ['RUNNING'],
  CANCELLED: ['RUNNING'],
};

export const FINAL_REPOSITORY_STATUSES: readonly RepositoryStatus[] = [
  'COMPLETED',
  'NO_CHANGES',
  'FAILED',
  'CANCELLED',
];
export const RETRYABLE_REPOSITORY_STATUSES: readonly RepositoryStatus[] = ['FAILED', 'CANCELLED'];
export const FINAL_JOB_STATUSES: readonly JobStatus[] = ['COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCELLED'];
/** Jobs with work under way: the sweeper and the local pool look only at these (a SAMPLED job waits for its user). */
export const ACTIVE_JOB_STATUSES: readonly JobStatus[] = ['PENDING', 'RUNNING', 'CANCELLING'];

export function canTransitionRepository(from: RepositoryStatus, to: RepositoryStatus): boolean {
  return REPOSITORY_TRANSITIONS[from].includes(to);
}

export function canTransitionJob(from: JobStatus, to: JobStatus): boolean {
  return JOB_TRANSITIONS[from].includes(to);
}

/** The statuses a repository may be in just before moving to `to`. */
export function repositoryStatusesBefore(to: RepositoryStatus): RepositoryStatus[] {
  return RepositoryStatus.options.filter((from) => canTransitionRepository(from, to));
}

/** The statuses a job may be in just before moving to `to`. */
export function jobStatusesBefore(to: JobStatus): JobStatus[] {
  return JobStatus.options.filter((from) => canTransitionJob(from, to));
}

export function isFinalJobStatus(status: JobStatus): boolean {
  return FINAL_JOB_STATUSES.includes(status);
}

export function isFinalRepositoryStatus(status: RepositoryStatus): boolean {
  return FINAL_REPOSITORY_STATUSES.includes(status);
}

/** The job counter that holds repositories of a given status. */
export const COUNT_KEY = {
  PENDING: 'pending',
  RUNNING: 'running',
  COMPLETED: 'completed',
  NO_CHANGES: 'noChanges',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
} as const satisfies Record<RepositoryStatus, string>;

export interface CountsLike {
  total: number;
  pending: number;
  running: number;
  completed: number;
  noChanges: number;
  failed: number;
  cancelled: number;
}

/**
 * The status a job moves to once its run is done, undefined while some of it is still pending or
 * running. `heldBack` is how many of its PENDING rows wait outside the run for a continue (a
 * sample's job): once only they are left, the job is SAMPLED. A cancel in progress always ends
 * CANCELLED.
 */
export function finalJobStatus(current: JobStatus, counts: CountsLike, heldBack = 0): JobStatus | undefined {
  if (counts.running > 0) return undefined;
  if (heldBack > 0 && (current === 'PENDING' || current === 'RUNNING') && counts.pending === heldBack) return 'SAMPLED';
  if (counts.pending > 0) return undefined;
  if (current === 'CANCELLING') return 'CANCELLED';
  if (isFinalJobStatus(current) || current === 'SAMPLED') return undefined;
  const succeeded = counts.completed + counts.noChanges;
  const unsuccessful = counts.failed + counts.cancelled;
  if (unsuccessful === 0) return 'COMPLETED';
  if (succeeded === 0) return 'FAILED';
  return 'COMPLETED_WITH_ERRORS';
}

type ReviewWord = 'unreviewed' | 'approved' | 'rejected';

/** The review state of a row: its review's, when it is of this attempt (a new attempt starts unreviewed). */
export function reviewStateOf(row: { attempt: number; review?: { state: ReviewWord; attempt: number } }): ReviewWord {
  return row.review && row.review.attempt === row.attempt ? row.review.state : 'unreviewed';
}
