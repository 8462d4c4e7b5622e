import assert from 'node:assert/strict';
import {
  BatchClient,
  DescribeJobsCommand,
  ListJobsCommand,
  type JobDetail,
  type JobStatus,
} from '@aws-sdk/client-batch';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { sampleJob } from '../../test/helpers/jobs';
import { BatchRunInspector } from './batchRuns';

// What AWS Batch says of a run, for the sweeper. Batch is stood in for by aws-sdk-client-mock, as
// for the executor: the tests assert the exact requests and what the sweeper is told.

const NOW = Date.parse('2030-01-01T12:00:00.000Z');

function job(
  run: string[],
  executorRef: string | undefined,
  updatedAt = new Date(NOW - 60_000).toISOString(),
  shardSize?: number,
) {
  return sampleJob({ repositories: run, executorRef, updatedAt, status: 'RUNNING', shardSize });
}

function detail(jobId: string, status: JobStatus, extra: Partial<JobDetail> = {}): { jobs: JobDetail[] } {
  return {
    jobs: [{ jobId, jobName: 'cody-batch-x', jobQueue: 'q', jobDefinition: 'd', status, startedAt: 0, ...extra }],
  };
}

describe('BatchRunInspector (aws-sdk-client-mock)', () => {
  // Mocked while this file's tests run: other files mock the same client.
  let batch: AwsClientStub<BatchClient>;
  before(() => {
    batch = mockClient(BatchClient);
  });
  after(() => batch.restore());
  const inspector = new BatchRunInspector(new BatchClient({ region: 'us-east-1' }), () => NOW);
  beforeEach(() => batch.reset());
  /** The inspector's answer, reading the run's names from the test's job. */
  const neverStarted = (of: ReturnType<typeof job>) => inspector.neverStarted(of, async () => of.names.run);

  it('reports the ended children of a running array by index, with Batch’s reasons', async () => {
    batch.on(DescribeJobsCommand).resolves(detail('arr', 'PENDING', { arrayProperties: { size: 4 } }));
    batch.on(ListJobsCommand, { jobStatus: 'SUCCEEDED' }).resolves({
      jobSummaryList: [
        {
          jobId: 'arr:0',
          jobName: 'x',
          status: 'SUCCEEDED',
          arrayProperties: { index: 0 },
          container: { exitCode: 0 },
        },
      ],
    });
    batch.on(ListJobsCommand, { jobStatus: 'FAILED' }).resolves({
      jobSummaryList: [
        {
          jobId: 'arr:2',
          jobName: 'x',
          status: 'FAILED',
          statusReason: 'CannotPullContainerError: pull access denied',
          arrayProperties: { index: 2 },
        },
        {
          jobId: 'arr:3',
          jobName: 'x',
          status: 'FAILED',
          statusReason: 'Essential container in task exited',
          container: { reason: 'OutOfMemoryError: Container killed due to memory usage', exitCode: 137 },
        },
      ],
    });

    const ended = await neverStarted(job(['acme/a', 'acme/b', 'acme/c', 'acme/d'], 'arr'));

    assert.deepEqual(
      batch.commandCalls(DescribeJobsCommand).map((call) => call.args[0].input),
      [{ jobs: ['arr'] }],
    );
    assert.deepEqual(
      batch.commandCalls(ListJobsCommand).map((call) => call.args[0].input),
      [
        { arrayJobId: 'arr', jobStatus: 'SUCCEEDED', maxResults: 1000, nextToken: undefined },
        { arrayJobId: 'arr', jobStatus: 'FAILED', maxResults: 1000, nextToken: undefined },
      ],
    );
    assert.deepEqual(ended, [
      {
        repositoryName: 'acme/a',
        reason: 'AWS Batch job arr:0 ended SUCCEEDED (exit code 0) without running this repository',
      },
      {
        repositoryName: 'acme/c',
        reason:
          'AWS Batch job arr:2 ended FAILED (CannotPullContainerError: pull access denied) without running this repository',
      },
      {
        repositoryName: 'acme/d',
        reason:
          'AWS Batch job arr:3 ended FAILED (Essential container in task exited; OutOfMemoryError: Container killed due to memory usage; exit code 137) without running this repository',
      },
    ]);
  });

  it('maps an ended child to every name of its shard (child s ran names s × shardSize onwards)', async () => {
    batch.on(DescribeJobsCommand).resolves(detail('arr', 'RUNNING', { arrayProperties: { size: 3 } }));
    batch.on(ListJobsCommand).resolves({ jobSummaryList: [] });
    batch.on(ListJobsCommand, { jobStatus: 'FAILED' }).resolves({
      jobSummaryList: [{ jobId: 'arr:1', jobName: 'x', status: 'FAILED', statusReason: 'Host EC2 terminated' }],
    });
    const names = ['acme/a', 'acme/b', 'acme/c', 'acme/d', 'acme/e'];
    const ended = await neverStarted(job(names, 'arr', undefined, 2));
    assert.deepEqual(
      ended.map((row) => row.repositoryName),
      ['acme/c', 'acme/d'],
      'shard 1 of size 2 holds the third and fourth names',
    );
  });

  it('lets an ended parent speak for the children it never spawned', async () => {
    batch
      .on(DescribeJobsCommand)
      .resolves(detail('arr', 'FAILED', { statusReason: 'Job definition is inactive', arrayProperties: { size: 3 } }));
    batch.on(ListJobsCommand).resolves({ jobSummaryList: [] });
    batch.on(ListJobsCommand, { jobStatus: 'FAILED' }).resolves({
      jobSummaryList: [{ jobId: 'arr:1', jobName: 'x', status: 'FAILED', statusReason: 'Cancelled by AWS Batch' }],
    });
    const ended = await neverStarted(job(['acme/a', 'acme/b', 'acme/c'], 'arr'));
    assert.deepEqual(ended, [
      {
        repositoryName: 'acme/a',
        reason: 'AWS Batch job arr ended FAILED (Job definition is inactive) without running this repository',
      },
      {
        repositoryName: 'acme/b',
        reason: 'AWS Batch job arr:1 ended FAILED (Cancelled by AWS Batch) without running this repository',
      },
      {
        repositoryName: 'acme/c',
        reason: 'AWS Batch job arr ended FAILED (Job definition is inactive) without running this repository',
      },
    ]);
  });

  it('reads a plain job (a run of one) from its own status, without listing children', async () => {
    batch
      .on(DescribeJobsCommand, { jobs: ['single-done'] })
      .resolves(
        detail('single-done', 'FAILED', { statusReason: 'ResourceInitializationError: unable to pull secrets' }),
      );
    batch.on(DescribeJobsCommand, { jobs: ['single-waiting'] }).resolves(detail('single-waiting', 'RUNNABLE'));
    assert.deepEqual(await neverStarted(job(['acme/a'], 'single-done')), [
      {
        repositoryName: 'acme/a',
        reason:
          'AWS Batch job single-done ended FAILED (ResourceInitializationError: unable to pull secrets) without running this repository',
      },
    ]);
    assert.deepEqual(await neverStarted(job(['acme/a'], 'single-waiting')), []);
    assert.equal(batch.commandCalls(ListJobsCommand).length, 0);
  });

  it('counts a Batch job Batch has no record of as ended only once the job has been quiet a while', async () => {
    batch.on(DescribeJobsCommand).resolves({ jobs: [] });
    assert.deepEqual(
      await neverStarted(job(['acme/a', 'acme/b'], 'gone', new Date(NOW - 60_000).toISOString())),
      [],
      'just submitted: maybe not visible yet',
    );
    assert.deepEqual(await neverStarted(job(['acme/a', 'acme/b'], 'gone', new Date(NOW - 60 * 60_000).toISOString())), [
      { repositoryName: 'acme/a', reason: 'AWS Batch has no record of job gone, which was to run this repository' },
      { repositoryName: 'acme/b', reason: 'AWS Batch has no record of job gone, which was to run this repository' },
    ]);
  });

  it('asks Batch nothing for a run that is not on Batch', async () => {
    for (const ref of [undefined, 'local', 'idle']) assert.deepEqual(await neverStarted(job(['acme/a'], ref)), []);
    assert.equal(batch.calls().length, 0);
  });
});
