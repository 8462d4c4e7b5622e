import { isFinalJobStatus } from '../../common/status';
import type { Store } from './store';

// CODY_BATCH_RETENTION_DAYS: a job and its rows carry `expiresAt` (epoch seconds) from creation.
// On AWS, DynamoDB's TTL deletes the items and an S3 lifecycle rule of the same length the
// artifacts; the local stack has neither, so its sweep deletes expired final jobs itself.

/** `expiresAt` of a job created at `createdAtMs`, or undefined when jobs are kept (no retention). */
export function expiresAtFor(createdAtMs: number, retentionDays: number | undefined): number | undefined {
  if (retentionDays === undefined) return undefined;
  return Math.floor(createdAtMs / 1000) + retentionDays * 86_400;
}

/** `CODY_BATCH_RETENTION_DAYS`: a whole number of days from 1 to 3,650, or undefined (off, the default). */
export function retentionDaysFrom(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const days = Number(value);
  if (!Number.isInteger(days) || days < 1 || days > 3650)
    throw new Error(`${name} must be a whole number of days from 1 to 3650, not "${value}"`);
  return days;
}

/** Deletes every final job past its `expiresAt`, with its rows and artifacts. Returns their ids. */
export async function deleteExpiredJobs(
  store: Store,
  artifacts: { deletePrefix(prefix: string): Promise<void> },
  now = Date.now(),
): Promise<string[]> {
  const expired = await store.jobs.scanAll(
    (job) => job.expiresAt !== undefined && job.expiresAt * 1000 <= now && isFinalJobStatus(job.status),
  );
  const deleted: string[] = [];
  for (const job of expired) if (await store.deleteJob(job, artifacts)) deleted.push(job.jobId);
  return deleted;
}
