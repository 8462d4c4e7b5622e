import type { Job } from '../../common/schemas';

// Starts and stops the workers of a job's current run (`job.run`). Implementations: local child
// processes, and AWS Batch array jobs.

export interface Executor {
  /** Starts the workers for `job.run`. Returns what identifies them (a Batch job id, or `local`). */
  start(job: Job): Promise<string>;
  /** Stops the job's workers: running ones at once, waiting ones never start. Rows are marked by the caller. */
  cancel(job: Job): Promise<void>;
  /** Shuts the executor down with the process that owns it (the local pool). */
  stop?(): Promise<void>;
  /** Picks up the unfinished runs a previous process left (the local pool, at stack start). */
  resume?(): Promise<void>;
  /** Queues again PENDING rows that no worker holds or waits for (the local pool, at every sweep). Returns how many. */
  requeuePending?(): Promise<number>;
}

/** Starts nothing: jobs stay PENDING. For an API with no workers attached. */
export class IdleExecutor implements Executor {
  async start(): Promise<string> {
    return 'idle';
  }

  async cancel(): Promise<void> {}
}
