import type { CodyBatchClient } from '../../common/client';
import type { Job, RepositoryResult } from '../../common/schemas';
import { isFinalJobStatus, type JobStatus } from '../../common/status';

// Waiting on jobs through the API, as a user's client would.

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Polls until the job reaches a final status (or `status`), then returns it. */
export async function waitForJob(client: CodyBatchClient, jobId: string, options: { status?: JobStatus; timeoutMs?: number } = {}): Promise<Job> {
  return waitFor(`job ${jobId} to ${options.status ?? 'finish'}`, async () => {
    const job = await client.getJob(jobId);
    if (options.status ? job.status === options.status : isFinalJobStatus(job.status)) return job;
    return undefined;
  }, options.timeoutMs);
}

export async function repositoriesByName(client: CodyBatchClient, jobId: string): Promise<Map<string, RepositoryResult>> {
  return new Map((await client.allRepositories(jobId)).map((row) => [row.repositoryName, row]));
}
