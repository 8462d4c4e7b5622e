import type { Job } from '../../common/schemas';

// Starts and stops the workers of a job's current run (`job.run`). Implementations: local child
// processes, and AWS Batch array jobs.

/** `change`: the workers of `job.run`; `publish`: those of `job.publishRun.repositories` (CODY_BATCH_RUN_KIND). */
export type RunKind = 'change' | 'publish';

/** The repositories a run of this kind works on, worker index i on the i-th. */
export function runOf(job: Job, kind: RunKind): readonly string[] {
  return kind === 'publish' ? (job.publishRun?.repositories ?? []) : job.run;
}

export interface Executor {
  /** Starts the workers for `job.run` (or its publish run). Returns what identifies them (a Batch job id, or `local`). */
  start(job: Job, kind?: RunKind): Promise<string>;
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
