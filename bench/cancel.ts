// `npm run bench -- cancel`: what cancelling a 1,000-repository job costs on AWS, against the API
// Lambda's 29 s. Two parts, each against a baseline measured in the same run:
// - AWS Batch: the executor's cancel (CancelJob on the array parent, TerminateJobs on running
//   children) against one TerminateJob/CancelJob per child, on aws-sdk-client-mock answering
//   after BENCH_BATCH_MS (default 60 ms, a guess at a Batch control-plane round trip);
// - DynamoDB: Store.cancelUnfinished (row writes 16 at a time) against the same rows moved one by
//   one, on dynalite behind a proxy that adds BENCH_DYNAMO_MS (default 5 ms) to every request.
import {
  BatchClient,
  CancelJobCommand,
  DescribeJobsCommand,
  ListJobsCommand,
  TerminateJobCommand,
  TerminateJobsCommand,
  type JobStatus,
} from '@aws-sdk/client-batch';
import { mockClient } from 'aws-sdk-client-mock';
import { BatchExecutor, STARTED, WAITING } from '../backend/executor/batch';
import { ensureTables } from '../backend/store/dynamo';
import { Store } from '../backend/store/store';
import { tableNamesFor } from '../backend/store/tables';
import { type DynamoProxy, startDynamoProxy } from '../test/fakes/dynamoProxy';
import { startTestDynamo } from '../test/helpers/dynamo';
import { newJob, sampleJob } from '../test/helpers/jobs';

const REPOSITORIES = 1000;
const RUNNING = Number(process.env.BENCH_RUNNING ?? 256);
const BATCH_MS = Number(process.env.BENCH_BATCH_MS ?? 60);
const DYNAMO_MS = Number(process.env.BENCH_DYNAMO_MS ?? 5);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function batchPart(): Promise<void> {
  const batch = mockClient(BatchClient);
  const client = new BatchClient({ region: 'us-east-1' });
  const children = (status: JobStatus) => {
    const [from, to] = status === 'RUNNING' ? [0, RUNNING] : status === 'RUNNABLE' ? [RUNNING, REPOSITORIES] : [0, 0];
    return Array.from({ length: to - from }, (_, i) => ({ jobId: `arr:${from + i}`, jobName: 'x' }));
  };
  batch.on(DescribeJobsCommand).callsFake(async () => {
    await sleep(BATCH_MS);
    return {
      jobs: [
        {
          jobId: 'arr',
          jobName: 'x',
          jobQueue: 'q',
          jobDefinition: 'd',
          status: 'PENDING',
          startedAt: 0,
          arrayProperties: { size: REPOSITORIES },
        },
      ],
    };
  });
  batch
    .on(ListJobsCommand)
    .callsFake(async (input: { jobStatus: JobStatus; maxResults?: number; nextToken?: string }) => {
      await sleep(BATCH_MS);
      const all = children(input.jobStatus);
      const start = Number(input.nextToken ?? 0);
      const size = input.maxResults ?? 100;
      return {
        jobSummaryList: all.slice(start, start + size),
        nextToken: start + size < all.length ? String(start + size) : undefined,
      };
    });
  for (const Command of [CancelJobCommand, TerminateJobCommand])
    batch.on(Command).callsFake(async () => {
      await sleep(BATCH_MS);
      return {};
    });
  batch.on(TerminateJobsCommand).callsFake(async (input: { jobs: string[] }) => {
    await sleep(BATCH_MS);
    return { successful: input.jobs, errors: [] };
  });
  const job = sampleJob({
    repositories: Array.from({ length: REPOSITORIES }, (_, i) => `acme/r${i}`),
    executorRef: 'arr',
  });

  const measure = async (run: () => Promise<void>) => {
    batch.resetHistory();
    const started = performance.now();
    await run();
    return { ms: performance.now() - started, calls: batch.calls().length };
  };
  const ours = await measure(() =>
    new BatchExecutor({ client, jobQueue: 'q', jobDefinition: 'd', trustedKeys: [] }).cancel(job),
  );
  // The baseline: what the executor did before, one call per child (ListJobs at its default page).
  const perChild = await measure(async () => {
    await client.send(new DescribeJobsCommand({ jobs: ['arr'] }));
    for (const status of [...STARTED, ...WAITING]) {
      let nextToken: string | undefined;
      do {
        const page = await client.send(new ListJobsCommand({ arrayJobId: 'arr', jobStatus: status, nextToken }));
        for (const child of page.jobSummaryList ?? []) {
          const Command = STARTED.includes(status) ? TerminateJobCommand : CancelJobCommand;
          await client.send(new Command({ jobId: child.jobId!, reason: 'bench' }));
        }
        nextToken = page.nextToken;
      } while (nextToken);
    }
  });
  batch.restore();
  console.log(`AWS Batch, ${REPOSITORIES} children (${RUNNING} running), ${BATCH_MS} ms a call:`);
  console.log(`  through the parent + TerminateJobs: ${ours.calls} calls, ${(ours.ms / 1000).toFixed(2)} s`);
  console.log(`  one call per child (baseline):      ${perChild.calls} calls, ${(perChild.ms / 1000).toFixed(2)} s`);
  console.log(`  ratio: ${(perChild.ms / ours.ms).toFixed(1)}x fewer seconds`);
}

/** Forwards to dynalite, answering each request DYNAMO_MS later; counts the writes to `table`. */
async function startDelayingProxy(target: string, table: string): Promise<DynamoProxy & { writes(): number }> {
  let writes = 0;
  const proxy = await startDynamoProxy(target, {
    delayMs: DYNAMO_MS,
    turn: (operation, request) => {
      if (operation === 'UpdateItem' && request.TableName === table) writes++;
      return undefined;
    },
  });
  return { ...proxy, writes: () => writes };
}

async function storePart(): Promise<void> {
  const dynamo = await startTestDynamo();
  const tables = tableNamesFor('bench');
  const proxy = await startDelayingProxy(dynamo.endpoint, tables.jobs);
  try {
    const store = Store.connect({ endpoint: proxy.endpoint, tables });
    await ensureTables(store.doc, store.tables);
    const cancellableJob = async () => {
      const job = sampleJob({
        repositories: Array.from({ length: REPOSITORIES }, (_, i) => `acme/r${String(i).padStart(4, '0')}`),
      });
      await store.createJob(newJob(job));
      await store.requestCancel(job.jobId, job.owner);
      return job;
    };
    const measure = async (cancel: (jobId: string) => Promise<unknown>) => {
      const job = await cancellableJob();
      const writesBefore = proxy.writes();
      const started = performance.now();
      await cancel(job.jobId);
      return {
        ms: performance.now() - started,
        jobWrites: proxy.writes() - writesBefore,
        jobKb: Buffer.byteLength(JSON.stringify(job)) / 1024,
      };
    };
    const ours = await measure((jobId) => store.cancelUnfinished(jobId));
    // The baseline: the same transitions one row after another, each moving its own counter.
    const sequential = await measure(async (jobId) => {
      for (const row of await store.repositories.listAll(jobId)) {
        await store.transitionRepository(jobId, row.repositoryName, {
          from: ['PENDING', 'RUNNING'],
          to: 'CANCELLED',
          set: { error: { code: 'CANCELLED', message: 'x' } },
        });
      }
    });
    // On DynamoDB a write to the job item costs its size in 1 KB write units, and one item takes at most 1,000 units a second.
    const units = (figures: typeof ours) => Math.ceil(figures.jobKb) * figures.jobWrites;
    console.log(
      `DynamoDB (dynalite + ${DYNAMO_MS} ms a request), marking ${REPOSITORIES} rows CANCELLED (job item ${ours.jobKb.toFixed(0)} KB):`,
    );
    console.log(
      `  Store.cancelUnfinished:            ${(ours.ms / 1000).toFixed(2)} s, ${ours.jobWrites} job-item writes (~${units(ours)} write units)`,
    );
    console.log(
      `  row by row (baseline):             ${(sequential.ms / 1000).toFixed(2)} s, ${sequential.jobWrites} job-item writes (~${units(sequential)} write units)`,
    );
    console.log(`  ratio: ${(sequential.ms / ours.ms).toFixed(1)}x`);
  } finally {
    await proxy.close();
    await dynamo.close();
  }
}

export async function main(): Promise<void> {
  console.log(`bench cancel: ${process.version}`);
  await batchPart();
  await storePart();
}
