import assert from 'node:assert/strict';
import { afterOperation } from '../../common/operationProgress';
import { overviewRows } from '../../common/overviewRows';
import type { Job, RepositoryResult } from '../../common/schemas';
import type { RepositoryStatus } from '../../common/status';
import { overviewModel } from '../../webviews/overview/model';
import { startStackProcess, stackStore, type StackProcess } from '../../test/helpers/localStack';
import { groupRows, jobContents } from './jobContents';
import { JobsModel, type JobsSource } from './model';

// A large job on the real local stack (rows written straight through its store, counts set to match)
// is drawn from the job item's counts: the tree's first paint reads no row, opening a group reads one
// page of that state, a run-state filter reads only the groups it shows, and the Job overview reads
// the failed rows only. Every API request is counted through a wrapper around the real client.

const TOTAL = 2_400;
const FAILED = 150;
const CHANGED = 1_000;

describe('a large job in the Jobs tree and the Job overview (local stack)', function () {
  this.timeout(120_000);
  let stack: StackProcess;
  let large: Job;
  let small: Job;
  let verified: Job;
  // Each test counts its own requests: a model's background reads must not land in another's count.
  // The rows of the job with a verify command, read in the background, are counted on their own.
  let requests: { path: string; status?: RepositoryStatus }[] = [];
  let verifiedReads: number[] = [];
  let source: JobsSource;
  function countedSource(): JobsSource {
    const counted = requests;
    const background = verifiedReads;
    return {
      listJobs: (options) => {
        counted.push({ path: 'jobs' });
        return stack.client.listJobs(options);
      },
      getJob: (jobId) => {
        counted.push({ path: 'job' });
        return stack.client.getJob(jobId);
      },
      listRepositories: (jobId, options) => {
        if (jobId === verified.jobId) background.push(1);
        else counted.push({ path: 'repositories', status: options?.status });
        return stack.client.listRepositories(jobId, options);
      },
    };
  }

  before(async () => {
    stack = await startStackProcess({ env: { CODY_BATCH_CONCURRENCY: '0' } });
    const names = Array.from({ length: TOTAL }, (_, i) => `acme/r${String(i).padStart(5, '0')}`);
    small = await stack.client.createJob({
      name: 'small',
      prompt: 'Rename oldFunction',
      repositories: ['acme/a', 'acme/b'],
    });
    large = await stack.client.createJob({ name: 'large', prompt: 'Rename oldFunction', repositories: names });
    const store = stackStore(stack);
    const rows = await store.repositories.listAll(large.jobId);
    const finishedAt = new Date().toISOString();
    const written: RepositoryResult[] = rows.map((row, i) =>
      i < FAILED
        ? {
            ...row,
            status: 'FAILED',
            finishedAt,
            error: { code: i % 3 ? 'CLONE_FAILED' : 'AGENT_FAILED', message: 'no' },
          }
        : i < FAILED + CHANGED
          ? { ...row, status: 'COMPLETED', finishedAt }
          : row,
    );
    await store.repositories.putAll(written);
    await store.jobs.setCounts(large.jobId, {
      total: TOTAL,
      pending: TOTAL - FAILED - CHANGED,
      running: 0,
      completed: CHANGED,
      noChanges: 0,
      failed: FAILED,
      cancelled: 0,
    });
    large = await stack.client.getJob(large.jobId);
    verified = await stack.client.createJob({
      name: 'verified',
      prompt: 'Rename oldFunction',
      verifyCommand: 'npm test',
      repositories: names,
    });
    // A cancel of this many rows may answer CANCELLING while its operation marks them: followed to CANCELLED.
    verified = await afterOperation(stack.client, await stack.client.cancelJob(verified.jobId));
  });
  after(() => stack?.dispose());
  beforeEach(() => {
    requests = [];
    verifiedReads = [];
    source = countedSource();
  });

  it('paints the job from its counts, then reads one page of the group opened, and more on demand', async () => {
    const model = new JobsModel(source, { allRepositories: () => true });
    await model.refresh();
    const job = model.job(large.jobId)!;
    const contents = await jobContents(model, job, undefined, true);
    assert.ok(contents.paged);
    assert.deepEqual(
      contents.groups.map((group) => group.label),
      ['Failed (150)', 'Pending (1250)', 'Changed (1000)'],
    );
    assert.deepEqual(requests, [{ path: 'jobs' }], 'first paint: the jobs page, no row');

    const changed = contents.groups.find((group) => group.state === 'changed')!;
    const opened = await groupRows(model, job.jobId, changed, undefined);
    // A page's worth of that state. The API filters each page of 100 rows by status (DynamoDB's Limit
    // counts before the filter): rows 0-149 are FAILED, so the first page is empty, the second half
    // full, the third full: three requests, against 24 for the job's every row.
    assert.ok(opened.rows.length >= 100 && opened.rows.length < 200, `${opened.rows.length} rows`);
    assert.ok(opened.more);
    assert.ok(opened.rows.every((row) => row.status === 'COMPLETED'));
    const firstReads = requests.length - 1;
    assert.ok(firstReads >= 1 && firstReads <= 3, `${firstReads} requests`);
    assert.ok(requests.slice(1).every((request) => request.status === 'COMPLETED'));

    // The redraw reuses the page; "Load more…" reads the next one, and the redraw keeps both.
    await groupRows(model, job.jobId, changed, undefined);
    await model.loadRepositoriesInState(job.jobId, 'COMPLETED', true);
    const more = await groupRows(model, job.jobId, changed, undefined);
    assert.ok(more.loaded >= opened.loaded + 100);
    assert.equal(new Set(more.rows.map((row) => row.repositoryName)).size, more.loaded, 'no row twice');
    assert.ok(requests.length - 1 - firstReads <= 2, 'the redraw read nothing; Load more… a page or two');
  });

  it('a run-state filter shows only its groups and reads only their rows; a review filter says it looks at loaded rows', async () => {
    const model = new JobsModel(source);
    await model.refresh();
    const job = model.job(large.jobId)!;
    const failedOnly = await jobContents(model, job, { run: ['failed'] }, true);
    assert.ok(failedOnly.paged);
    assert.deepEqual(
      failedOnly.groups.map((group) => group.label),
      ['Failed (150)'],
    );
    assert.equal(failedOnly.loadedRowsOnly, false);
    const rows = await groupRows(model, job.jobId, failedOnly.groups[0]!, { run: ['failed'] });
    assert.ok(rows.rows.length >= 100);
    assert.ok(rows.rows.every((row) => row.status === 'FAILED'));
    const reads = requests.filter((request) => request.path === 'repositories');
    assert.ok(reads.length <= 2 && reads.every((request) => request.status === 'FAILED'));
    const reviewed = await jobContents(model, job, { review: ['approved'] }, true);
    assert.ok(reviewed.paged && reviewed.loadedRowsOnly);
  });

  it('keeps a small job whole: its rows grouped as they are', async () => {
    const model = new JobsModel(source, { allRepositories: () => true });
    await model.refresh();
    const contents = await jobContents(model, model.job(small.jobId)!, undefined, true);
    assert.equal(contents.paged, false);
    assert.equal(contents.paged === false && contents.rows.length, 2);
  });

  it('the overview reads a large job’s failed rows only, a small job’s every row', async () => {
    const rows = await overviewRows(source, large, { allRowsMax: 1_000, failedRowsMax: 120 });
    assert.equal(rows.length, 120, 'failures capped');
    assert.ok(rows.every((row) => row.status === 'FAILED'));
    assert.ok(
      requests.length <= 3 && requests.every((request) => request.status === 'FAILED'),
      'a page or two of failures, not 24 pages of rows',
    );
    const model = overviewModel(large, rows);
    assert.deepEqual(
      model.run.map((count) => [count.key, count.value]).filter(([, value]) => value),
      [
        ['completed', CHANGED],
        ['failed', FAILED],
        ['pending', TOTAL - FAILED - CHANGED],
      ],
      'counts from the job item',
    );
    assert.deepEqual(
      model.review.map((count) => count.value),
      // Only what can be reviewed: the changed ones; the others are not reviewable.
      [
        large.reviewCounts!.approved,
        large.reviewCounts!.rejected,
        CHANGED - large.reviewCounts!.approved - large.reviewCounts!.rejected,
        TOTAL - CHANGED,
      ],
      'review counts from the job item',
    );
    assert.deepEqual(
      model.failures.map((group) => group.code),
      ['CLONE_FAILED', 'AGENT_FAILED'],
    );
    requests.length = 0;
    const onePage = await overviewRows(source, large, { allRowsMax: 1_000, failedPagesMax: 1 });
    assert.deepEqual([onePage.length, requests.length], [100, 1], 'at most the pages allowed');
    requests.length = 0;
    assert.equal((await overviewRows(source, small)).length, 2);
    assert.deepEqual(requests, [{ path: 'repositories', status: undefined }]);
  });

  it('a large finished job’s verification is read in the background: the refresh (the first paint) does not wait', async () => {
    let announce: () => void = () => {};
    const readIn = new Promise<void>((resolve) => {
      announce = resolve;
    });
    const model = new JobsModel(source, { onBackgroundRead: () => announce() });
    await model.refresh();
    assert.equal(model.job(verified.jobId)?.status, 'CANCELLED');
    assert.equal(model.verification(verified.jobId), undefined, 'not read yet when the refresh is done');
    await readIn;
    assert.deepEqual(model.verification(verified.jobId), { failing: 0, failedRows: 0 });
    const pages = verifiedReads.length;
    assert.ok(pages >= 24 && pages <= 25, `its every row: ${pages} pages`);
    await model.refresh();
    assert.equal(verifiedReads.length, pages, 'and not again');
  });

  it('reads a state through the status index: its first page holds its rows, wherever they are in the names', async () => {
    const model = new JobsModel(source, { maxScanPages: 5 });
    await model.refresh();
    // PENDING rows are the last 1,250 of 2,400: a filtered read of every row met none in its first pages.
    const first = await model.loadRepositoriesInState(large.jobId, 'PENDING');
    assert.equal(first.items.length, 100);
    assert.ok(first.items.every((row) => row.status === 'PENDING'));
    assert.ok(first.nextToken, 'Load more… goes on');
    assert.deepEqual(
      requests.filter((request) => request.path === 'repositories'),
      [{ path: 'repositories', status: 'PENDING' }],
      'one request',
    );
  });
});
