import assert from 'node:assert/strict';
import { BatchClient, DescribeJobsCommand, ListJobsCommand } from '@aws-sdk/client-batch';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { useTestStore } from '../../test/helpers/testStore';
import { newJob, sampleJob } from '../../test/helpers/jobs';
import { handler } from './sweeper';

// The sweeper Lambda as AWS runs it: its rows in a real dynalite (through the Lambda's own
// environment variables), AWS Batch through aws-sdk-client-mock. A job whose array failed to start
// must reach its final status, with every row saying why.

describe('sweeper Lambda', () => {
  // Mocked while this file's tests run: other files mock the same client.
  let batch: AwsClientStub<BatchClient>;
  const saved = { ...process.env };
  const db = useTestStore({ each: false });

  before(async () => {
    batch = mockClient(BatchClient);
    Object.assign(process.env, {
      ...db.environment(),
    });
  });
  after(async () => {
    batch.restore();
    process.env = saved;
  });

  it('fails the rows of an array job that ended before its workers ran, and finishes the job', async () => {
    const job = sampleJob({ repositories: ['acme/a', 'acme/b', 'acme/c'], prompt: undefined, command: 'true' });
    await db.store.createJob(newJob(job));
    await db.store.jobs.setAttributes(job.jobId, { executorRef: 'batch-array-9' });
    batch.on(DescribeJobsCommand, { jobs: ['batch-array-9'] }).resolves({
      jobs: [
        {
          jobId: 'batch-array-9',
          jobName: 'x',
          jobQueue: 'q',
          jobDefinition: 'd',
          status: 'FAILED',
          statusReason: 'Array job failed to start',
          startedAt: 0,
          arrayProperties: { size: 3 },
        },
      ],
    });
    batch.on(ListJobsCommand).resolves({ jobSummaryList: [] });
    batch.on(ListJobsCommand, { arrayJobId: 'batch-array-9', jobStatus: 'FAILED' }).resolves({
      jobSummaryList: [
        {
          jobId: 'batch-array-9:1',
          jobName: 'x',
          status: 'FAILED',
          statusReason: 'CannotPullContainerError: manifest unknown',
          arrayProperties: { index: 1 },
        },
      ],
    });
    const logged: string[] = [];
    const log = console.log;
    console.log = (line: string) => logged.push(line);
    let report;
    try {
      report = await handler();
    } finally {
      console.log = log;
    }

    assert.deepEqual(report.neverStarted.map((row) => row.repositoryName).sort(), ['acme/a', 'acme/b', 'acme/c']);
    const final = (await db.store.jobs.get(job.jobId))!;
    assert.equal(final.status, 'FAILED');
    assert.deepEqual(
      { ...final.counts },
      { total: 3, pending: 0, running: 0, completed: 0, noChanges: 0, failed: 3, cancelled: 0 },
    );
    const rows = new Map(
      (await db.store.repositories.listAll(job.jobId)).map((row) => [row.repositoryName, row.error]),
    );
    assert.deepEqual(rows.get('acme/b'), {
      code: 'NEVER_STARTED',
      message:
        'AWS Batch job batch-array-9:1 ended FAILED (CannotPullContainerError: manifest unknown) without running this repository; retry to run it again',
    });
    assert.equal(
      rows.get('acme/a')?.message,
      'AWS Batch job batch-array-9 ended FAILED (Array job failed to start) without running this repository; retry to run it again',
    );
    assert.deepEqual(JSON.parse(logged.at(-1)!), {
      // No job of this one has pull requests to refresh (pullRequestJobs).
      sweep: {
        jobs: 1,
        lost: 0,
        neverStarted: 3,
        cancelled: 0,
        finished: 1,
        pullRequestJobs: 0,
        operationsResumed: 0,
        errors: [],
      },
    });
  });

  it('fails the invocation (for the sweeper-errors alarm) when Batch cannot answer, after sweeping the rest', async () => {
    const job = sampleJob({ repositories: ['acme/x', 'acme/y'], prompt: undefined, command: 'true' });
    await db.store.createJob(newJob(job));
    await db.store.jobs.setAttributes(job.jobId, { executorRef: 'batch-throttled' });
    batch.on(DescribeJobsCommand, { jobs: ['batch-throttled'] }).rejects(new Error('Rate exceeded'));
    const log = console.log;
    console.log = () => undefined;
    try {
      await assert.rejects(handler(), new RegExp(`The sweep skipped 1 jobs: ${job.jobId}: Rate exceeded`));
    } finally {
      console.log = log;
    }
    assert.equal((await db.store.jobs.get(job.jobId))!.status, 'PENDING');
  });
});
