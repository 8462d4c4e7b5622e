import type { CodyBatchClient } from '../../common/client';
import type { CreateJobDraft } from '../../common/createJobDraft';
import { newJobId } from '../../common/ids';
import { DEFAULT_MODEL, emptyUsage, type Job, type RepositoryResult } from '../../common/schemas';
import { isFinalJobStatus, type JobStatus } from '../../common/status';
import type { Signer } from '../../backend/store/signing';
import type { NewJob } from '../../backend/store/store';

/** A job as the tests build it: the job, and the names its rows and run hold (not in the job item). */
export type TestJob = Job & { names: { repositories: string[]; run: string[] } };

/** A Create Job form's draft as typed: a prompt over two repositories, no pull requests. */
export function sampleDraft(overrides: Partial<CreateJobDraft> = {}): CreateJobDraft {
  return {
    name: 'Update API calls',
    description: '',
    mode: 'prompt',
    prompt: 'Replace oldFunction with newFunction',
    command: '',
    verifyCommand: '',
    repositories: 'acme/widgets\nacme/gadgets\n',
    createPullRequests: false,
    draftPullRequests: true,
    baseBranch: '',
    maxCostUsd: '',
    ...overrides,
  };
}

/**
 * A job as POST /jobs would create it, for tests that drive the store directly (`newJob(job)` is
 * what `store.createJob` takes) or render it. Its `run` is the shape of a list of `run` names
 * (default: every repository); the store writes the real list.
 */
export function sampleJob(
  overrides: Partial<Omit<Job, 'run'>> & { repositories?: string[]; run?: string[] } = {},
): TestJob {
  const { repositories: listed, run: runNames, ...rest } = overrides;
  const repositories = listed ?? ['acme/widgets', 'acme/gadgets'];
  const run = runNames ?? repositories;
  const now = new Date().toISOString();
  return {
    jobId: newJobId(),
    name: 'Sample job',
    description: '',
    prompt: 'Replace oldFunction with newFunction',
    run: { id: 'sample', size: run.length, digests: [] },
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
    ...rest,
    names: { repositories, run },
  };
}

/** What `store.createJob` takes for a sample job (the job and its rows' tasks signed with `signer` when given). */
export function newJob(job: TestJob, signer?: Signer, notes?: Record<string, string>): NewJob {
  const { names, run: _run, signature: _signature, ...draft } = job;
  return { job: draft, repositories: names.repositories, run: names.run, signer, notes };
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

/** The job's repositories as its rows name them (in the rows' order: by name). */
export async function repositoryNamesOf(client: CodyBatchClient, jobId: string): Promise<string[]> {
  return (await client.allRepositories(jobId)).map((row) => row.repositoryName);
}

/** The job's notes (`repositoryInstructions`) as its rows carry them. */
export async function notesOf(client: CodyBatchClient, jobId: string): Promise<Record<string, string>> {
  return Object.fromEntries(
    (await client.allRepositories(jobId)).flatMap((row) =>
      row.note === undefined ? [] : [[row.repositoryName, row.note]],
    ),
  );
}
