import {
  BatchClient,
  CancelJobCommand,
  DescribeJobsCommand,
  ListJobsCommand,
  SubmitJobCommand,
  TerminateJobCommand,
  type JobStatus,
} from '@aws-sdk/client-batch';
import { BATCH_CANCEL_REASON, ENV } from '../../common/names';
import type { Job } from '../../common/schemas';
import type { Executor } from './executor';

// The AWS Batch executor: one SubmitJob per run, an array job of `run.length` children (a plain job
// for one repository). Each child finds its repository from JOB_ID and AWS_BATCH_JOB_ARRAY_INDEX.
// Cancel terminates what runs and cancels what waits; the API marks the rows afterwards.

export interface BatchExecutorOptions {
  client: BatchClient;
  jobQueue: string;
  jobDefinition: string;
}

const WAITING: JobStatus[] = ['SUBMITTED', 'PENDING', 'RUNNABLE'];
const RUNNING: JobStatus[] = ['STARTING', 'RUNNING'];

export class BatchExecutor implements Executor {
  constructor(private readonly options: BatchExecutorOptions) {}

  async start(job: Job): Promise<string> {
    const size = job.run.length;
    const result = await this.options.client.send(
      new SubmitJobCommand({
        jobName: `cody-batch-${job.jobId}`,
        jobQueue: this.options.jobQueue,
        jobDefinition: this.options.jobDefinition,
        ...(size >= 2 ? { arrayProperties: { size } } : {}),
        containerOverrides: { environment: [{ name: ENV.jobId, value: job.jobId }] },
      }),
    );
    if (!result.jobId) throw new Error('AWS Batch accepted the job but returned no job id');
    return result.jobId;
  }

  async cancel(job: Job): Promise<void> {
    const batchJobId = job.executorRef;
    if (!batchJobId || batchJobId === 'idle' || batchJobId === 'local') return;
    const { client } = this.options;
    const { jobs } = await client.send(new DescribeJobsCommand({ jobs: [batchJobId] }));
    const parent = jobs?.[0];
    if (!parent) return;
    const targets: { jobId: string; status: JobStatus }[] = [];
    if (parent.arrayProperties?.size !== undefined) {
      for (const status of [...RUNNING, ...WAITING]) {
        let nextToken: string | undefined;
        do {
          const page = await client.send(new ListJobsCommand({ arrayJobId: batchJobId, jobStatus: status, nextToken }));
          for (const child of page.jobSummaryList ?? []) if (child.jobId) targets.push({ jobId: child.jobId, status });
          nextToken = page.nextToken;
        } while (nextToken);
      }
    } else if (parent.status) {
      targets.push({ jobId: batchJobId, status: parent.status });
    }
    for (const target of targets) {
      if (RUNNING.includes(target.status)) await client.send(new TerminateJobCommand({ jobId: target.jobId, reason: BATCH_CANCEL_REASON }));
      else if (WAITING.includes(target.status)) await client.send(new CancelJobCommand({ jobId: target.jobId, reason: BATCH_CANCEL_REASON }));
    }
  }
}

/** The Batch executor when the queue and job definition are configured; undefined otherwise. */
export function batchExecutorFromEnvironment(env: NodeJS.ProcessEnv): BatchExecutor | undefined {
  const jobQueue = env[ENV.jobQueue];
  const jobDefinition = env[ENV.jobDefinition];
  if (!jobQueue || !jobDefinition) return undefined;
  return new BatchExecutor({ client: new BatchClient({}), jobQueue, jobDefinition });
}
