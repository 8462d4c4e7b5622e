import {
  BatchClient,
  CancelJobCommand,
  DescribeJobsCommand,
  ListJobsCommand,
  SubmitJobCommand,
  TerminateJobCommand,
  TerminateJobsCommand,
  type JobDetail,
  type JobStatus,
  type JobSummary,
} from '@aws-sdk/client-batch';
import { BATCH_CANCEL_REASON, ENV } from '../../common/names';
import type { SandboxStatus } from '../../common/sandbox';
import { batchSandboxStatus } from './batchSandbox';
import type { Job } from '../../common/schemas';
import { type Executor, type RunKind, runSizeOf, type StartedRun } from './executor';
import { shardCount, shardSizeFor, shardSizeOverride } from './shards';

// The AWS Batch executor: one SubmitJob per run, an array job of one child per shard (a plain job
// for one shard). Each child finds its shard from JOB_ID, AWS_BATCH_JOB_ARRAY_INDEX and
// CODY_BATCH_SHARD_SIZE: names index × size to index × size + size − 1 of the run (./shards.ts).
// A publish run has one child per repository.
//
// Cancel goes through the parent, so a 1,000-repository job stops in a handful of calls, well
// within the API's 29 s. AWS documents (CancelJob) that cancelling an array parent cancels its
// children that have not started, and that children already STARTING or RUNNING are not cancelled
// and must be terminated with TerminateJob: those we list and terminate, 50 per TerminateJobs
// call. The API marks the rows afterwards.

export interface BatchExecutorOptions {
  client: BatchClient;
  jobQueue: string;
  jobDefinition: string;
  /** How many workers the compute environment runs at once (its max vCPUs over a worker's): sizes the shards. */
  slots?: number;
  /** CODY_BATCH_SHARD_SIZE, when set. */
  shardSize?: number;
  /** The job definition's timeout, which is per repository: a shard of k gets k times it. */
  repositoryTimeoutMinutes?: number;
  /** The API's public keys, which every worker is given (CODY_BATCH_TRUSTED_KEYS): it runs only what they signed. */
  trustedKeys: readonly string[];
}

/** Workers at once when the deployment does not say (the compute environment's default max vCPUs, one each). */
export const DEFAULT_BATCH_SLOTS = 256;

export const WAITING: readonly JobStatus[] = ['SUBMITTED', 'PENDING', 'RUNNABLE'];
export const STARTED: readonly JobStatus[] = ['STARTING', 'RUNNING'];
export const ENDED: readonly JobStatus[] = ['SUCCEEDED', 'FAILED'];

/** ListJobs answers at most 1,000 jobs a page when filtered by status. */
const LIST_PAGE_SIZE = 1000;
/** TerminateJobs takes at most 50 jobs a call. */
const TERMINATE_BATCH_SIZE = 50;

export class BatchExecutor implements Executor {
  constructor(private readonly options: BatchExecutorOptions) {}

  /** On AWS Batch the worker's container and its second user are the boundary. */
  async sandboxStatus(): Promise<SandboxStatus> {
    return batchSandboxStatus();
  }

  async start(job: Job, kind: RunKind = 'change'): Promise<StartedRun> {
    const runSize = runSizeOf(job, kind);
    const shardSize =
      kind === 'publish' ? 1 : shardSizeFor(runSize, this.options.slots ?? DEFAULT_BATCH_SLOTS, this.options.shardSize);
    const size = shardCount(runSize, shardSize);
    const environment: { name: string; value: string }[] = [
      { name: ENV.jobId, value: job.jobId },
      { name: ENV.shardSize, value: String(shardSize) },
      // Public keys, not secrets: a worker checks the job, its rows and its publications with them.
      { name: ENV.trustedKeys, value: this.options.trustedKeys.join(',') },
    ];
    if (kind === 'publish') environment.push({ name: ENV.runKind, value: 'publish' });
    const result = await this.options.client.send(
      new SubmitJobCommand({
        jobName: `cody-batch-${kind === 'publish' ? 'publish-' : ''}${job.jobId}`,
        jobQueue: this.options.jobQueue,
        jobDefinition: this.options.jobDefinition,
        ...(size >= 2 ? { arrayProperties: { size } } : {}),
        ...(this.options.repositoryTimeoutMinutes && shardSize > 1
          ? { timeout: { attemptDurationSeconds: shardSize * this.options.repositoryTimeoutMinutes * 60 } }
          : {}),
        containerOverrides: { environment },
      }),
    );
    if (!result.jobId) throw new Error('AWS Batch accepted the job but returned no job id');
    return { executorRef: result.jobId, shardSize };
  }

  async cancel(job: Job): Promise<void> {
    const batchJobId = batchJobIdOf(job);
    if (!batchJobId) return;
    const { client } = this.options;
    const parent = await describeBatchJob(client, batchJobId);
    if (!parent?.status || ENDED.includes(parent.status)) return;
    if (!isArrayParent(parent)) {
      const Command = STARTED.includes(parent.status) ? TerminateJobCommand : CancelJobCommand;
      await client.send(new Command({ jobId: batchJobId, reason: BATCH_CANCEL_REASON }));
      return;
    }
    await client.send(new CancelJobCommand({ jobId: batchJobId, reason: BATCH_CANCEL_REASON }));
    const started = (await listArrayChildren(client, batchJobId, STARTED)).map((child) => child.jobId!);
    await terminateAll(client, started);
  }
}

/** The Batch job id a job's run was submitted as, or undefined when it runs elsewhere (local, idle). */
export function batchJobIdOf(job: Job): string | undefined {
  const ref = job.executorRef;
  return ref && ref !== 'idle' && ref !== 'local' ? ref : undefined;
}

export async function describeBatchJob(client: BatchClient, batchJobId: string): Promise<JobDetail | undefined> {
  const { jobs } = await client.send(new DescribeJobsCommand({ jobs: [batchJobId] }));
  return jobs?.[0];
}

export function isArrayParent(job: JobDetail): boolean {
  return job.arrayProperties?.size !== undefined && job.arrayProperties.index === undefined;
}

/** The children of an array job in any of `statuses`, every page of each. */
export async function listArrayChildren(
  client: BatchClient,
  arrayJobId: string,
  statuses: readonly JobStatus[],
): Promise<JobSummary[]> {
  const children: JobSummary[] = [];
  for (const jobStatus of statuses) {
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new ListJobsCommand({ arrayJobId, jobStatus, maxResults: LIST_PAGE_SIZE, nextToken }),
      );
      children.push(...(page.jobSummaryList ?? []).filter((child) => child.jobId));
      nextToken = page.nextToken;
    } while (nextToken);
  }
  return children;
}

/** TerminateJobs in batches of 50; throws after trying them all if Batch refused any. */
async function terminateAll(client: BatchClient, jobIds: string[]): Promise<void> {
  const refused: string[] = [];
  for (let offset = 0; offset < jobIds.length; offset += TERMINATE_BATCH_SIZE) {
    const result = await client.send(
      new TerminateJobsCommand({
        jobs: jobIds.slice(offset, offset + TERMINATE_BATCH_SIZE),
        reason: BATCH_CANCEL_REASON,
      }),
    );
    for (const error of result.errors ?? []) refused.push(`${error.job}: ${error.code} ${error.message ?? ''}`.trim());
  }
  if (refused.length)
    throw new Error(
      `AWS Batch did not terminate ${refused.length} of ${jobIds.length} running workers: ${refused.slice(0, 5).join('; ')}`,
    );
}

/**
 * The Batch executor when the queue and job definition are configured; undefined otherwise.
 * `client` is AWS Batch as the Lambda reaches it (a test gives one for a loopback Batch).
 */
export function batchExecutorFromEnvironment(
  env: NodeJS.ProcessEnv,
  trustedKeys: readonly string[],
  client: BatchClient = new BatchClient({}),
): BatchExecutor | undefined {
  const jobQueue = env[ENV.jobQueue];
  const jobDefinition = env[ENV.jobDefinition];
  if (!jobQueue || !jobDefinition) return undefined;
  return new BatchExecutor({
    client,
    jobQueue,
    jobDefinition,
    slots: env[ENV.concurrency] ? Number(env[ENV.concurrency]) || undefined : undefined,
    shardSize: shardSizeOverride(env),
    repositoryTimeoutMinutes: Number(env[ENV.workerTimeoutMinutes]) || undefined,
    trustedKeys,
  });
}
