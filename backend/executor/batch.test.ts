import assert from 'node:assert/strict';
import {
  BatchClient,
  CancelJobCommand,
  DescribeJobsCommand,
  ListJobsCommand,
  SubmitJobCommand,
  TerminateJobCommand,
  TerminateJobsCommand,
  type JobStatus,
} from '@aws-sdk/client-batch';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { sampleJob } from '../../test/helpers/jobs';
import { BatchExecutor, type BatchExecutorOptions, batchExecutorFromEnvironment } from './batch';
import { executorFromEnvironment } from './fromEnvironment';
import { IdleExecutor } from './executor';
import { testKeys } from '../../test/helpers/keys';

// No Batch service runs here, so this adapter alone is tested against aws-sdk-client-mock,
// asserting the exact requests it sends.

const JOB_ID = '01m8hhspmnmtfhrypwhfynay6y';

function job(run: string[], executorRef?: string) {
  return sampleJob({ jobId: JOB_ID, repositories: run, executorRef });
}

/** DescribeJobs' answer for one job of ours: an array job's parent when it has `arraySize` children. */
function described(jobId: string, status: JobStatus, arraySize?: number) {
  const detail = { jobId, jobName: 'x', jobQueue: 'q', jobDefinition: 'd', status, startedAt: 0 };
  return { jobs: [arraySize === undefined ? detail : { ...detail, arrayProperties: { size: arraySize } }] };
}

/** The reason every cancel and terminate of ours gives AWS Batch. */
const CANCEL_REASON = 'Cancelled by the user in Cody Batch';

describe('BatchExecutor (aws-sdk-client-mock)', () => {
  // Mocked while this file's tests run: other files mock the same client.
  let batch: AwsClientStub<BatchClient>;
  before(() => {
    batch = mockClient(BatchClient);
  });
  after(() => batch.restore());
  const keys = testKeys();
  const trustedKeys = keys.signer.publicKeys;
  const executor = new BatchExecutor({
    client: new BatchClient({ region: 'us-east-1' }),
    jobQueue: 'cody-batch-dev-queue',
    jobDefinition: 'cody-batch-dev-worker',
    trustedKeys,
  });
  beforeEach(() => batch.reset());
  /** What each call of `command` sent to AWS Batch, in order. */
  const inputsOf = (command: Parameters<typeof batch.commandCalls>[0]) =>
    batch.commandCalls(command).map((call) => call.args[0].input as unknown);

  it('submits an array job of one child per shard with JOB_ID, the shard size and the public keys (no secret) in the container environment', async () => {
    batch.on(SubmitJobCommand).resolves({ jobId: 'batch-array-1', jobName: 'x', jobArn: 'arn' });
    const started = await executor.start(job(['acme/a', 'acme/b', 'acme/c']));
    assert.deepEqual(started, { executorRef: 'batch-array-1', shardSize: 1 });
    assert.deepEqual(inputsOf(SubmitJobCommand), [
      {
        jobName: `cody-batch-${JOB_ID}`,
        jobQueue: 'cody-batch-dev-queue',
        jobDefinition: 'cody-batch-dev-worker',
        arrayProperties: { size: 3 },
        containerOverrides: {
          environment: [
            { name: 'JOB_ID', value: JOB_ID },
            { name: 'CODY_BATCH_SHARD_SIZE', value: '1' },
            { name: 'CODY_BATCH_TRUSTED_KEYS', value: trustedKeys.join(',') },
          ],
        },
      },
    ]);
    // The submission (which CloudTrail records) carries the public key only: no signing key, no seal key.
    const submitted = JSON.stringify(batch.commandCalls(SubmitJobCommand)[0]!.args[0].input);
    assert.ok(!submitted.includes(keys.workerKey));
  });

  it('cuts a large run into shards: 10,000 repositories on 256 workers are 500 children of 20 (or as set)', async () => {
    batch.on(SubmitJobCommand).resolves({ jobId: 'batch-array-2', jobName: 'x', jobArn: 'arn' });
    const large = sampleJob({ jobId: JOB_ID, run: Array.from({ length: 10_000 }, (_, i) => `acme/r${i}`) });
    assert.deepEqual(await executor.start(large), { executorRef: 'batch-array-2', shardSize: 20 });
    const input = batch.commandCalls(SubmitJobCommand)[0]!.args[0].input;
    assert.deepEqual(input.arrayProperties, { size: 500 });
    assert.deepEqual(input.containerOverrides?.environment?.[1], { name: 'CODY_BATCH_SHARD_SIZE', value: '20' });

    /** An executor on queue q with these shard settings. */
    const sized = (options: Pick<BatchExecutorOptions, 'shardSize' | 'repositoryTimeoutMinutes'>) =>
      new BatchExecutor({
        client: new BatchClient({ region: 'us-east-1' }),
        jobQueue: 'q',
        jobDefinition: 'd',
        trustedKeys,
        ...options,
      });
    const fixed = sized({ shardSize: 50 });
    assert.deepEqual(await fixed.start(large), { executorRef: 'batch-array-2', shardSize: 50 });
    assert.deepEqual(batch.commandCalls(SubmitJobCommand)[1]!.args[0].input.arrayProperties, { size: 200 });
    // A shard of k repositories gets k times the per-repository timeout.
    const timed = sized({ shardSize: 5, repositoryTimeoutMinutes: 60 });
    await timed.start(large);
    assert.deepEqual(batch.commandCalls(SubmitJobCommand)[2]!.args[0].input.timeout, {
      attemptDurationSeconds: 18_000,
    });
    // Never past Batch's 10,000 children, whatever is set.
    const one = sized({ shardSize: 1 });
    const huge = sampleJob({ jobId: JOB_ID, run: Array.from({ length: 25_000 }, (_, i) => `acme/r${i}`) });
    assert.deepEqual(await one.start(huge), { executorRef: 'batch-array-2', shardSize: 3 });
    assert.deepEqual(batch.commandCalls(SubmitJobCommand)[3]!.args[0].input.arrayProperties, { size: 8_334 });
  });

  it('submits a plain job for a run of one repository (Batch arrays start at 2)', async () => {
    batch.on(SubmitJobCommand).resolves({ jobId: 'batch-single-1', jobName: 'x', jobArn: 'arn' });
    assert.deepEqual(await executor.start(job(['acme/a'])), { executorRef: 'batch-single-1', shardSize: 1 });
    assert.deepEqual(batch.commandCalls(SubmitJobCommand)[0]!.args[0].input, {
      jobName: `cody-batch-${JOB_ID}`,
      jobQueue: 'cody-batch-dev-queue',
      jobDefinition: 'cody-batch-dev-worker',
      containerOverrides: {
        environment: [
          { name: 'JOB_ID', value: JOB_ID },
          { name: 'CODY_BATCH_SHARD_SIZE', value: '1' },
          { name: 'CODY_BATCH_TRUSTED_KEYS', value: trustedKeys.join(',') },
        ],
      },
    });
  });

  it('cancels an array job through its parent, then terminates the children already started, 50 per call', async () => {
    batch.on(DescribeJobsCommand, { jobs: ['batch-array-1'] }).resolves(described('batch-array-1', 'PENDING', 1000));
    const child = (index: number) => ({ jobId: `batch-array-1:${index}`, jobName: 'x', arrayProperties: { index } });
    batch.on(ListJobsCommand).resolves({ jobSummaryList: [] });
    batch
      .on(ListJobsCommand, { arrayJobId: 'batch-array-1', jobStatus: 'STARTING', nextToken: undefined })
      .resolves({ jobSummaryList: [child(0)] });
    batch.on(ListJobsCommand, { arrayJobId: 'batch-array-1', jobStatus: 'RUNNING', nextToken: undefined }).resolves({
      jobSummaryList: Array.from({ length: 60 }, (_, i) => child(i + 1)),
      nextToken: 'page-2',
    });
    batch
      .on(ListJobsCommand, { arrayJobId: 'batch-array-1', jobStatus: 'RUNNING', nextToken: 'page-2' })
      .resolves({ jobSummaryList: [child(61)] });
    batch.on(CancelJobCommand).resolves({});
    batch.on(TerminateJobsCommand).callsFake((input: { jobs: string[] }) => ({ successful: input.jobs, errors: [] }));

    await executor.cancel(
      job(
        Array.from({ length: 1000 }, (_, i) => `acme/r${i}`),
        'batch-array-1',
      ),
    );

    // The parent's cancel is what stops the waiting children: one call, not one per child.
    assert.deepEqual(inputsOf(CancelJobCommand), [{ jobId: 'batch-array-1', reason: CANCEL_REASON }]);
    assert.deepEqual(inputsOf(ListJobsCommand), [
      { arrayJobId: 'batch-array-1', jobStatus: 'STARTING', maxResults: 1000, nextToken: undefined },
      { arrayJobId: 'batch-array-1', jobStatus: 'RUNNING', maxResults: 1000, nextToken: undefined },
      { arrayJobId: 'batch-array-1', jobStatus: 'RUNNING', maxResults: 1000, nextToken: 'page-2' },
    ]);
    const started = Array.from({ length: 62 }, (_, i) => `batch-array-1:${i}`);
    assert.deepEqual(inputsOf(TerminateJobsCommand), [
      { jobs: started.slice(0, 50), reason: CANCEL_REASON },
      { jobs: started.slice(50), reason: CANCEL_REASON },
    ]);
    assert.equal(batch.commandCalls(TerminateJobCommand).length, 0, 'no call per child');
  });

  it('cancels the parent first, so children that start meanwhile are listed and terminated too', async () => {
    batch.on(DescribeJobsCommand).resolves(described('arr', 'PENDING', 2));
    const order: string[] = [];
    batch.on(CancelJobCommand).callsFake(() => {
      order.push('cancel parent');
      return {};
    });
    batch.on(ListJobsCommand).callsFake((input: { jobStatus: string }) => {
      order.push(`list ${input.jobStatus}`);
      return { jobSummaryList: [] };
    });
    await executor.cancel(job(['a/1', 'a/2'], 'arr'));
    assert.deepEqual(order, ['cancel parent', 'list STARTING', 'list RUNNING']);
    assert.equal(batch.commandCalls(TerminateJobsCommand).length, 0, 'nothing started, nothing to terminate');
  });

  it('tries every batch of running children, then reports the ones Batch refused', async () => {
    batch.on(DescribeJobsCommand).resolves(described('arr', 'PENDING', 80));
    batch.on(CancelJobCommand).resolves({});
    batch.on(ListJobsCommand).resolves({ jobSummaryList: [] });
    batch
      .on(ListJobsCommand, { jobStatus: 'RUNNING' })
      .resolves({ jobSummaryList: Array.from({ length: 80 }, (_, i) => ({ jobId: `arr:${i}`, jobName: 'x' })) });
    batch
      .on(TerminateJobsCommand)
      .resolvesOnce({
        successful: [],
        errors: [{ job: 'arr:3', code: 'ThrottlingException', message: 'Rate exceeded' }],
      })
      .resolves({ successful: [], errors: [] });
    await assert.rejects(
      executor.cancel(
        job(
          Array.from({ length: 80 }, (_, i) => `a/${i}`),
          'arr',
        ),
      ),
      /did not terminate 1 of 80 running workers: arr:3: ThrottlingException Rate exceeded/,
    );
    assert.equal(batch.commandCalls(TerminateJobsCommand).length, 2, 'the second batch was still sent');
  });

  it('cancels a plain job by its own status, and does nothing for a finished one, a local one or none', async () => {
    batch.on(DescribeJobsCommand, { jobs: ['waiting'] }).resolves(described('waiting', 'RUNNABLE'));
    batch.on(DescribeJobsCommand, { jobs: ['starting'] }).resolves(described('starting', 'STARTING'));
    batch.on(DescribeJobsCommand, { jobs: ['running'] }).resolves(described('running', 'RUNNING'));
    batch.on(DescribeJobsCommand, { jobs: ['done'] }).resolves(described('done', 'SUCCEEDED'));
    batch.on(DescribeJobsCommand, { jobs: ['array-done'] }).resolves(described('array-done', 'FAILED', 3));
    batch.on(CancelJobCommand).resolves({});
    batch.on(TerminateJobCommand).resolves({});
    for (const ref of ['waiting', 'starting', 'running', 'done', 'array-done', 'local', undefined])
      await executor.cancel(job(['a/1'], ref));
    assert.deepEqual(inputsOf(CancelJobCommand), [{ jobId: 'waiting', reason: CANCEL_REASON }]);
    assert.deepEqual(inputsOf(TerminateJobCommand), [
      { jobId: 'starting', reason: CANCEL_REASON },
      { jobId: 'running', reason: CANCEL_REASON },
    ]);
    assert.equal(batch.commandCalls(ListJobsCommand).length, 0);
    assert.equal(batch.commandCalls(TerminateJobsCommand).length, 0);
    assert.deepEqual(
      batch.commandCalls(DescribeJobsCommand).map((call) => call.args[0].input.jobs),
      [['waiting'], ['starting'], ['running'], ['done'], ['array-done']],
    );
  });

  it('is the Lambda executor when the queue and job definition are configured (its Batch client loaded at its first start)', async () => {
    const env = { CODY_BATCH_JOB_QUEUE: 'q', CODY_BATCH_JOB_DEFINITION: 'd', AWS_REGION: 'us-east-1' };
    assert.ok(batchExecutorFromEnvironment(env, trustedKeys) instanceof BatchExecutor);
    const lambdaExecutor = executorFromEnvironment(env, trustedKeys);
    assert.equal((await lambdaExecutor.sandboxStatus?.())?.state, 'container');
    batch.on(SubmitJobCommand).resolves({ jobId: 'batch-lazy-1', jobName: 'x', jobArn: 'arn' });
    assert.deepEqual(await lambdaExecutor.start(job(['acme/a'])), { executorRef: 'batch-lazy-1', shardSize: 1 });
    assert.deepEqual(
      batch
        .commandCalls(SubmitJobCommand)
        .map((call) => [call.args[0].input.jobQueue, call.args[0].input.jobDefinition]),
      [['q', 'd']],
    );
    assert.ok(executorFromEnvironment({ CODY_BATCH_JOB_QUEUE: 'q' }, trustedKeys) instanceof IdleExecutor);
  });
});
