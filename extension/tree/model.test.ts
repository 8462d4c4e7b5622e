import assert from 'node:assert/strict';
import { BULK_ANSWERS_INLINE, startStackProcess, type StackProcess } from '../../test/helpers/localStack';
import type { Job } from '../../common/schemas';
import { JobsModel } from './model';
import { jobDescription } from './present';

// The tree model built from the real API's pages (the local stack, `npm start`'s bundle).

describe('JobsModel on the local stack', function () {
  this.timeout(60_000);
  let stack: StackProcess;
  const created: Job[] = [];
  const bigRepositories = Array.from({ length: 130 }, (_, i) => `acme/repo-${String(i).padStart(3, '0')}`);

  before(async () => {
    // Workers paused: the jobs stay active, as the paging and cancel checks below need.
    stack = await startStackProcess({ env: { CODY_BATCH_CONCURRENCY: '0', ...BULK_ANSWERS_INLINE } });
    for (let i = 0; i < 12; i++) {
      created.push(
        await stack.client.createJob({
          name: `job ${i}`,
          prompt: 'Replace oldFunction with newFunction',
          repositories: i === 11 ? bigRepositories : ['acme/widgets', 'acme/gadgets'],
        }),
      );
    }
  });
  after(() => stack?.dispose());

  it('lists jobs newest first, a page at a time', async () => {
    const model = new JobsModel(stack.client, { pageSize: 5 });
    assert.deepEqual(await model.refresh(), [], 'nothing counts as finished on the first look');
    assert.deepEqual(
      model.jobs().map((job) => job.name),
      ['job 11', 'job 10', 'job 9', 'job 8', 'job 7'],
    );
    assert.equal(model.hasMoreJobs(), true);
    await model.loadMoreJobs();
    await model.loadMoreJobs();
    assert.deepEqual(
      model.jobs().map((job) => job.name),
      created.map((job) => job.name).reverse(),
    );
    assert.equal(model.hasMoreJobs(), false);
    // A refresh re-reads the first page and keeps the pages already loaded.
    await model.refresh();
    assert.equal(model.jobs().length, 12);
  });

  it('reads repositories page by page, and loads more on demand', async () => {
    const model = new JobsModel(stack.client, { pageSize: 5, repositoryPageSize: 50 });
    await model.refresh();
    const big = model.jobs()[0]!;
    const list = await model.loadRepositories(big.jobId);
    assert.equal(list.items.length, 50);
    assert.ok(list.nextToken);
    await model.loadMoreRepositories(big.jobId);
    await model.loadMoreRepositories(big.jobId);
    const all = model.repositories(big.jobId)!;
    assert.equal(all.items.length, 130);
    assert.equal(all.nextToken, undefined);
    assert.deepEqual(all.items.map((item) => item.repositoryName).sort(), bigRepositories);
    assert.equal(jobDescription(big), '0/130 done · $0');
  });

  it('reads at most maxRepositoryPages of a job whose rows are all wanted, the rest on demand', async () => {
    const model = new JobsModel(stack.client, {
      pageSize: 5,
      repositoryPageSize: 50,
      allRepositories: () => true,
      maxRepositoryPages: 2,
    });
    await model.refresh();
    const big = model.jobs()[0]!;
    const list = await model.loadRepositories(big.jobId);
    assert.equal(list.items.length, 100, 'two pages, not all three');
    assert.ok(list.nextToken);
    await model.loadMoreRepositories(big.jobId);
    assert.equal(model.repositories(big.jobId)!.items.length, 130);
  });

  it('reads one state’s rows on their own, a page at a time', async () => {
    const model = new JobsModel(stack.client, { pageSize: 5, repositoryPageSize: 50 });
    await model.refresh();
    const big = model.jobs()[0]!;
    const pending = await model.loadRepositoriesInState(big.jobId, 'PENDING');
    assert.equal(pending.items.length, 50);
    assert.ok(pending.items.every((row) => row.status === 'PENDING'));
    const more = await model.loadRepositoriesInState(big.jobId, 'PENDING', true);
    assert.equal(more.items.length, 100);
    assert.equal(new Set(more.items.map((row) => row.repositoryName)).size, 100, 'no row twice');
    const none = await model.loadRepositoriesInState(big.jobId, 'COMPLETED');
    assert.deepEqual([none.items.length, none.nextToken], [0, undefined], 'read to the end, nothing shown');
  });

  it('reports a job that finished since the last refresh, with fresh repository rows', async () => {
    const model = new JobsModel(stack.client, { pageSize: 5 });
    await model.refresh();
    const target = created[10]!;
    await model.loadRepositories(target.jobId);
    assert.ok(model.activeJobs().some((job) => job.jobId === target.jobId));
    await stack.client.cancelJob(target.jobId);
    const finished = await model.refresh();
    assert.deepEqual(
      finished.map((entry) => [entry.job.name, entry.previous, entry.job.status]),
      [['job 10', 'PENDING', 'CANCELLED']],
    );
    assert.deepEqual(
      model.repositories(target.jobId)!.items.map((item) => item.status),
      ['CANCELLED', 'CANCELLED'],
    );
    assert.deepEqual(await model.refresh(), [], 'reported once');
  });

  it("reads an active job's repositories once per refresh, however often the tree asks", async () => {
    let reads = 0;
    const counting = {
      listJobs: stack.client.listJobs.bind(stack.client),
      getJob: stack.client.getJob.bind(stack.client),
      listRepositories: (...args: Parameters<typeof stack.client.listRepositories>) => {
        reads++;
        return stack.client.listRepositories(...args);
      },
    };
    const model = new JobsModel(counting, { pageSize: 5 });
    await model.refresh();
    const active = model.activeJobs()[0]!;
    await model.loadRepositories(active.jobId);
    assert.equal(reads, 1);
    // A poll re-reads the expanded active job; the redraw that follows uses what it read.
    await model.refresh();
    await model.loadRepositories(active.jobId);
    await model.loadRepositories(active.jobId);
    assert.equal(reads, 2);
    await model.refresh();
    assert.equal(reads, 3);
  });

  it('refreshes active jobs that are past the first page', async () => {
    const model = new JobsModel(stack.client, { pageSize: 5 });
    await model.refresh();
    await model.loadMoreJobs();
    await model.loadMoreJobs();
    const oldest = created[0]!;
    await stack.client.cancelJob(oldest.jobId);
    const finished = await model.refresh();
    assert.deepEqual(
      finished.map((entry) => entry.job.jobId),
      [oldest.jobId],
    );
    assert.equal(model.job(oldest.jobId)!.status, 'CANCELLED');
  });
});
