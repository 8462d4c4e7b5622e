import type { SandboxStatus } from '../../common/sandbox';
import type { Job } from '../../common/schemas';

// Starts and stops the workers of a job's current run (`job.run`). Implementations: local child
// processes, and AWS Batch array jobs. A change run is cut into shards (./shards.ts), one worker
// each; a publish run has one worker per repository.

/** `change`: the workers of `job.run`; `publish`: those of `job.publishRun.list` (CODY_BATCH_RUN_KIND). */
export type RunKind = 'change' | 'publish';

/** How many repositories a run of this kind works on. */
export function runSizeOf(job: Job, kind: RunKind): number {
  return kind === 'publish' ? (job.publishRun?.list.size ?? 0) : job.run.size;
}

/** What an executor reports of a run it started. */
export interface StartedRun {
  /** What identifies its workers: a Batch job id, or `local`. */
  executorRef: string;
  /** Repositories per worker (CODY_BATCH_SHARD_SIZE as the workers got it). */
  shardSize: number;
}

export interface Executor {
  /** Starts the workers for `job.run` (or its publish run). */
  start(job: Job, kind?: RunKind): Promise<StartedRun>;
  /** Stops the job's workers: running ones at once, waiting ones never start. Rows are marked by the caller. */
  cancel(job: Job): Promise<void>;
  /** Shuts the executor down with the process that owns it (the local pool). */
  stop?(): Promise<void>;
  /** Picks up the unfinished runs a previous process left (the local pool, at stack start). */
  resume?(): Promise<void>;
  /** Queues again PENDING rows that no worker holds or waits for (the local pool, at every sweep). Returns how many. */
  requeuePending?(): Promise<number>;
  /**
   * What holds around the commands its workers run (common/sandbox.ts): the API refuses the jobs
   * that need a sandbox it does not have (SANDBOX_UNAVAILABLE). Absent: nothing is refused.
   */
  sandboxStatus?(): Promise<SandboxStatus>;
}

/** Starts nothing: jobs stay PENDING. For an API with no workers attached. */
export class IdleExecutor implements Executor {
  async start(): Promise<StartedRun> {
    return { executorRef: 'idle', shardSize: 1 };
  }

  async cancel(): Promise<void> {}
}
