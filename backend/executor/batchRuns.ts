import type { BatchClient, JobDetail, JobSummary } from '@aws-sdk/client-batch';
import type { Job } from '../../common/schemas';
import type { NeverStarted } from '../store/sweeper';
import { batchJobIdOf, describeBatchJob, ENDED, isArrayParent, listArrayChildren } from './batch';
import { shardOf } from './shards';

// What AWS Batch says of a job's current run, for the sweeper: which repositories' workers have
// ended (SUCCEEDED or FAILED) and so will never run them (a child's shard: Batch's own retries of
// a child that died mid-shard have run what they could by then). A row still PENDING after its worker ended
// was never claimed: the image could not be pulled, the task could not start, the whole array
// failed before its children ran, or Batch cancelled the child. Only the rows decide what ran; this
// says only what ended.

/** How long a job's Batch job may be unknown to Batch (just submitted) before the run counts as gone. */
const UNKNOWN_JOB_GRACE_MS = 15 * 60_000;

export class BatchRunInspector {
  constructor(
    private readonly client: BatchClient,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The repositories of `job.run` whose Batch worker has ended, each with Batch's account of why.
   * Child s ran shard s (`job.shardSize` names from s × shardSize); `runNames` reads the run's
   * names, only when some worker has ended.
   */
  async neverStarted(job: Job, runNames: () => Promise<readonly string[]>): Promise<NeverStarted[]> {
    const batchJobId = batchJobIdOf(job);
    if (!batchJobId) return [];
    const parent = await describeBatchJob(this.client, batchJobId);
    if (!parent) {
      // Batch forgets ended jobs after a while; a fresh one may not be visible yet.
      if (Date.parse(job.updatedAt) > this.now() - UNKNOWN_JOB_GRACE_MS) return [];
      return (await runNames()).map((repositoryName) => ({
        repositoryName,
        reason: `AWS Batch has no record of job ${batchJobId}, which was to run this repository`,
      }));
    }
    const parentEnded = parent.status !== undefined && ENDED.includes(parent.status);
    if (!isArrayParent(parent)) {
      // One worker ran the whole run (one shard).
      if (!parentEnded) return [];
      const reason = endedBecause(parent);
      return (await runNames()).map((repositoryName) => ({ repositoryName, reason }));
    }
    const children = new Map<number, JobSummary>();
    for (const child of await listArrayChildren(this.client, batchJobId, ENDED)) {
      const index = child.arrayProperties?.index ?? Number(child.jobId?.split(':').pop());
      if (Number.isInteger(index)) children.set(index, child);
    }
    if (!parentEnded && children.size === 0) return [];
    const shardSize = job.shardSize ?? 1;
    return (await runNames()).flatMap((repositoryName, index) => {
      const child = children.get(shardOf(index, shardSize));
      // A parent that ended before spawning a child (the array failed to start) speaks for it.
      if (child) return [{ repositoryName, reason: endedBecause(child) }];
      return parentEnded ? [{ repositoryName, reason: endedBecause(parent) }] : [];
    });
  }
}

/** "AWS Batch job abc:3 ended FAILED (CannotPullContainerError: …; exit code 1) without running this repository". */
function endedBecause(job: JobDetail | JobSummary): string {
  const details = [
    job.statusReason,
    job.container?.reason,
    job.container?.exitCode !== undefined ? `exit code ${job.container.exitCode}` : undefined,
  ]
    .filter((part): part is string => Boolean(part))
    .filter((part, i, all) => all.indexOf(part) === i);
  return `AWS Batch job ${job.jobId} ended ${job.status}${details.length ? ` (${details.join('; ')})` : ''} without running this repository`;
}
