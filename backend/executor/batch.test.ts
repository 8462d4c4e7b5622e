import assert from 'node:assert/strict';
import {
  BatchClient,
  CancelJobCommand,
  DescribeJobsCommand,
  ListJobsCommand,
  SubmitJobCommand,
  TerminateJobCommand,
} from '@aws-sdk/client-batch';
import { mockClient } from 'aws-sdk-client-mock';
import { sampleJob } from '../../test/helpers/jobs';
import { BatchExecutor, batchExecutorFromEnvironment } from './batch';
import { executorFromEnvironment } from './fromEnvironment';
import { IdleExecutor } from './executor';

// No Batch service runs here, so this adapter alone is tested against aws-sdk-client-mock,
// asserting the exact requests it sends.

const JOB_ID = '01m8hhspmnmtfhrypwhfynay6y';

function job(run: string[], executorRef?: string) {
  return sampleJob({ jobId: JOB_ID, repositories: run, executorRef });
}

describe('BatchExecutor (aws-sdk-client-mock)', () => {
  const batch = mockClient(BatchClient);
  const executor = new BatchExecutor({ client: new BatchClient({ region: 'us-east-1' }), jobQueue: 'cody-batch-dev-queue', jobDefinition: 'cody-batch-dev-worker' });
  beforeEach(() => batch.reset());

  it('submits an array job of run.length children with JOB_ID in the container environment', async () => {
    batch.on(SubmitJobCommand).resolves({ jobId: 'batch-array-1', jobName: 'x', jobArn: 'arn' });
    const ref = await executor.start(job(['acme/a', 'acme/b', 'acme/c']));
    assert.equal(ref, 'batch-array-1');
    assert.deepEqual(batch.commandCalls(SubmitJobCommand).map((call) => call.args[0].input), [
      {
        jobName: `cody-batch-${JOB_ID}`,
        jobQueue: 'cody-batch-dev-queue',
        jobDefinition: 'cody-batch-dev-worker',
        arrayProperties: { size: 3 },
        containerOverrides: { environment: [{ name: 'JOB_ID', value: JOB_ID }] },
      },
    ]);
  });

  it('submits a plain job for a run of one repository (Batch arrays start at 2)', async () => {
    batch.on(SubmitJobCommand).resolves({ jobId: 'batch-single-1', jobName: 'x', jobArn: 'arn' });
    assert.equal(await executor.start(job(['acme/a'])), 'batch-single-1');
    assert.deepEqual(batch.commandCalls(SubmitJobCommand)[0]!.args[0].input, {
      jobName: `cody-batch-${JOB_ID}`,
      jobQueue: 'cody-batch-dev-queue',
      jobDefinition: 'cody-batch-dev-worker',
      containerOverrides: { environment: [{ name: 'JOB_ID', value: JOB_ID }] },
    });
  });

  it('cancels an array job: TerminateJob on running children, CancelJob on waiting ones, across pages', async () => {
    batch.on(DescribeJobsCommand, { jobs: ['batch-array-1'] }).resolves({
      jobs: [{ jobId: 'batch-array-1', jobName: 'x', jobQueue: 'q', jobDefinition: 'd', status: 'PENDING', startedAt: 0, arrayProperties: { size: 4 } }],
    });
    batch.on(ListJobsCommand).resolves({ jobSummaryList: [] });
    batch.on(ListJobsCommand, { arrayJobId: 'batch-array-1', jobStatus: 'RUNNING', nextToken: undefined }).resolves({
      jobSummaryList: [{ jobId: 'batch-array-1:0', jobName: 'x' }],
      nextToken: 'page-2',
    });
    batch.on(ListJobsCommand, { arrayJobId: 'batch-array-1', jobStatus: 'RUNNING', nextToken: 'page-2' }).resolves({
      jobSummaryList: [{ jobId: 'batch-array-1:1', jobName: 'x' }],
    });
    batch.on(ListJobsCommand, { arrayJobId: 'batch-array-1', jobStatus: 'RUNNABLE', nextToken: undefined }).resolves({
      jobSummaryList: [{ jobId: 'batch-array-1:2', jobName: 'x' }, { jobId: 'batch-array-1:3', jobName: 'x' }],
    });
    batch.on(TerminateJobCommand).resolves({});
    batch.on(CancelJobCommand).resolves({});

    await executor.cancel(job(['a/1', 'a/2', 'a/3', 'a/4'], 'batch-array-1'));

    assert.deepEqual(
      batch.commandCalls(ListJobsCommand).map((call) => [call.args[0].input.jobStatus, call.args[0].input.nextToken ?? null]),
      [['STARTING', null], ['RUNNING', null], ['RUNNING', 'page-2'], ['SUBMITTED', null], ['PENDING', null], ['RUNNABLE', null]],
    );
    assert.ok(batch.commandCalls(ListJobsCommand).every((call) => call.args[0].input.arrayJobId === 'batch-array-1'));
    assert.deepEqual(batch.commandCalls(TerminateJobCommand).map((call) => call.args[0].input), [
      { jobId: 'batch-array-1:0', reason: 'Cancelled by the user in Cody Batch' },
      { jobId: 'batch-array-1:1', reason: 'Cancelled by the user in Cody Batch' },
    ]);
    assert.deepEqual(batch.commandCalls(CancelJobCommand).map((call) => call.args[0].input), [
      { jobId: 'batch-array-1:2', reason: 'Cancelled by the user in Cody Batch' },
      { jobId: 'batch-array-1:3', reason: 'Cancelled by the user in Cody Batch' },
    ]);
  });

  it('cancels a plain job by its own status, and does nothing for a finished one or none', async () => {
    batch.on(DescribeJobsCommand, { jobs: ['waiting'] }).resolves({ jobs: [{ jobId: 'waiting', jobName: 'x', jobQueue: 'q', jobDefinition: 'd', status: 'RUNNABLE', startedAt: 0 }] });
    batch.on(DescribeJobsCommand, { jobs: ['running'] }).resolves({ jobs: [{ jobId: 'running', jobName: 'x', jobQueue: 'q', jobDefinition: 'd', status: 'RUNNING', startedAt: 0 }] });
    batch.on(DescribeJobsCommand, { jobs: ['done'] }).resolves({ jobs: [{ jobId: 'done', jobName: 'x', jobQueue: 'q', jobDefinition: 'd', status: 'SUCCEEDED', startedAt: 0 }] });
    batch.on(CancelJobCommand).resolves({});
    batch.on(TerminateJobCommand).resolves({});
    await executor.cancel(job(['a/1'], 'waiting'));
    await executor.cancel(job(['a/1'], 'running'));
    await executor.cancel(job(['a/1'], 'done'));
    await executor.cancel(job(['a/1'], undefined));
    assert.deepEqual(batch.commandCalls(CancelJobCommand).map((call) => call.args[0].input.jobId), ['waiting']);
    assert.deepEqual(batch.commandCalls(TerminateJobCommand).map((call) => call.args[0].input.jobId), ['running']);
    assert.equal(batch.commandCalls(ListJobsCommand).length, 0);
    assert.equal(batch.commandCalls(DescribeJobsCommand).length, 3);
  });

  it('is the Lambda executor when the queue and job definition are configured', () => {
    assert.ok(batchExecutorFromEnvironment({ CODY_BATCH_JOB_QUEUE: 'q', CODY_BATCH_JOB_DEFINITION: 'd', AWS_REGION: 'us-east-1' }) instanceof BatchExecutor);
    assert.ok(executorFromEnvironment({ CODY_BATCH_JOB_QUEUE: 'q', CODY_BATCH_JOB_DEFINITION: 'd', AWS_REGION: 'us-east-1' }) instanceof BatchExecutor);
    assert.ok(executorFromEnvironment({ CODY_BATCH_JOB_QUEUE: 'q' }) instanceof IdleExecutor);
  });
});
