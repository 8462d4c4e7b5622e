import type { CodyBatchClient } from '../../common/client';
import { newJobId } from '../../common/ids';
import { DEFAULT_MODEL, emptyUsage, type Job, type RepositoryResult } from '../../common/schemas';
import { isFinalJobStatus, type JobStatus } from '../../common/status';

/** A job as POST /jobs would create it, for tests that drive the store directly. */
export function sampleJob(overrides: Partial<Job> & { repositories?: string[] } = {}): Job {
  const repositories = overrides.repositories ?? ['acme/widgets', 'acme/gadgets'];
  const now = new Date().toISOString();
  return {
    jobId: newJobId(),
    name: 'Sample job',
    description: '',
    prompt: 'Replace oldFunction with newFunction',
    repositories,
    run: repositories,
    createPullRequests: false,
    draftPullRequests: false,
    model: DEFAULT_MODEL,
    owner: 'local',
    status: 'PENDING',
    counts: {
      total: repositories.length,
      pending: repositories.length,
      running: 0,
      completed: 0,
      noChanges: 0,
      failed: 0,
      cancelled: 0,
    },
    usage: emptyUsage(),
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

// Waiting on jobs through the API, as a user's client would.

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Polls until the job reaches a final status (or `status`), then returns it. */
export async function waitForJob(
  client: CodyBatchClient,
  jobId: string,
  options: { status?: JobStatus; timeoutMs?: number } = {},
): Promise<Job> {
  return waitFor(
    `job ${jobId} to ${options.status ?? 'finish'}`,
    async () => {
      const job = await client.getJob(jobId);
      if (options.status ? job.status === options.status : isFinalJobStatus(job.status)) return job;
      return undefined;
    },
    options.timeoutMs,
  );
}

export async function repositoriesByName(
  client: CodyBatchClient,
  jobId: string,
): Promise<Map<string, RepositoryResult>> {
  return new Map((await client.allRepositories(jobId)).map((row) => [row.repositoryName, row]));
}

/** A repository result in the API's shape, for tests of code that only reads them (tree rows). */
export function sampleRepository(overrides: Partial<RepositoryResult> = {}): RepositoryResult {
  return {
    jobId: 'job-0001',
    repositoryName: 'acme/widgets',
    status: 'PENDING',
    attempt: 1,
    usage: emptyUsage(),
    ...overrides,
  };
}
