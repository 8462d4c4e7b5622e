import assert from 'node:assert/strict';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { MAX_JOB_ITEM_BYTES } from '../backend/store/jobs';
import type { Store } from '../backend/store/store';
import { sweep } from '../backend/store/sweeper';
import { stackStore, startStackProcess, type StackProcess } from './helpers/localStack';

// A job's size at the edge, over HTTP on the real local stack (workers paused): 10,000 names of
// 140 characters and a 50,000-character prompt make a job whose item stays small (the names are
// in the rows and the run's list), and no request, however much it holds, makes a job item over
// DynamoDB's 400 KB: what would be too large is refused with 400 and nothing is written.

/** 10,000 distinct names of exactly 140 characters (39 + 1 + 100). */
function longNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const owner = `o${String(i % 7).padStart(38, '0')}`;
    return `${owner}/${`r${String(i).padStart(5, '0')}`.padEnd(100, 'x')}`;
  });
}

describe('REST API: a job of 10,000 repositories at the item and request limits', function () {
  this.timeout(300_000);
  let stack: StackProcess;
  let store: Store;
  const post = (path: string, json: unknown) =>
    fetch(`${stack.apiUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(json),
    });
  /** The job's item as DynamoDB holds it, and its size (its JSON in UTF-8, at least what DynamoDB counts). */
  const storedItem = async (jobId: string) => {
    const { Item } = await store.doc.send(new GetCommand({ TableName: store.tables.jobs, Key: { jobId } }));
    return { item: Item!, bytes: Buffer.byteLength(JSON.stringify(Item)) };
  };

  before(async () => {
    // A bulk request answers at once (its moment 0): the retry's rows move after its answer.
    stack = await startStackProcess({ env: { CODY_BATCH_CONCURRENCY: '0', CODY_BATCH_OPERATION_MOMENT_MS: '0' } });
    store = stackStore(stack);
  });
  after(async () => {
    await stack?.dispose();
  });

  it('creates a job of 10,000 names of 140 characters with a 50,000-character prompt; its item holds no name', async () => {
    const names = longNames(10_000);
    assert.ok(names.every((name) => name.length === 140));
    const created = await post('/jobs', {
      name: 'Ten thousand',
      prompt: '€'.repeat(50_000),
      repositories: names,
      repositoryInstructions: { [names[9_999]!]: 'the last one has a note' },
    });
    assert.equal(created.status, 201, (await created.clone().text()).slice(0, 500));
    const job = await created.json();
    assert.equal(job.counts.total, 10_000);
    assert.equal(job.counts.pending, 10_000);
    assert.equal(job.run.size, 10_000);

    const { item, bytes } = await storedItem(job.jobId);
    assert.ok(bytes < 160_000, `the item is ${bytes} bytes: the prompt's 150 KB and little else`);
    assert.ok(!JSON.stringify(item).includes(names[0]!), 'no repository name in the job item');

    const rows = await store.repositories.listAll(job.jobId);
    assert.equal(rows.length, 10_000);
    assert.equal(rows.find((row) => row.repositoryName === names[9_999])?.note, 'the last one has a note');
    assert.deepEqual(await store.runNames(job, 9_998), names.slice(9_998), 'the run, paged from its chunks');
  });

  it('refuses, with 400 and nothing written, a job whose item would be over the limit however the request fills it', async () => {
    const before = (await store.jobs.scanAll(() => true)).length;
    // Every free-text field at its most, in 3-byte characters: over 500 KB of item.
    const response = await post('/jobs', {
      name: 'Everything at its most',
      description: '€'.repeat(10_000),
      prompt: '€'.repeat(50_000),
      verifyCommand: '€'.repeat(10_000),
      setupCommand: '€'.repeat(10_000),
      repositories: longNames(10_000),
      pullRequest: { title: '€'.repeat(256), body: '€'.repeat(60_000), commitMessage: '€'.repeat(10_000) },
    });
    assert.equal(response.status, 400);
    const { error } = await response.json();
    assert.equal(error.code, 'VALIDATION_FAILED');
    assert.match(
      error.message,
      new RegExp(`too large to store \\(\\d+ KB of at most ${MAX_JOB_ITEM_BYTES / 1000} KB\\)`),
    );
    assert.equal((await store.jobs.scanAll(() => true)).length, before, 'no job was written');
  });

  // (A body over 4 MiB gets 413: test/api.test.ts.)
  it('refuses more than CODY_BATCH_MAX_REPOSITORIES (10,000) names', async () => {
    const tooMany = await post('/jobs', { name: 'Too many', command: 'true', repositories: longNames(10_001) });
    assert.equal(tooMany.status, 400);
    assert.match((await tooMany.json()).error.message, /at most 10000 repositories/);
  });

  it('retries 10,000 failed repositories in one run, a sweep in the middle notwithstanding', async () => {
    const names = longNames(10_000);
    const created = await (await post('/jobs', { name: 'Retry all', command: 'false', repositories: names })).json();
    // Every row fails, as workers would leave it: the rows written 25 a request (as the job's own
    // rows were), then the counters in one write and the job to its end. Setting the stage row by
    // row took 10,000 conditional writes, a third of the test's time, and is not what it tests.
    const finishedAt = new Date().toISOString();
    const pending = await store.repositories.listAll(created.jobId);
    assert.ok(pending.length === 10_000 && pending.every((row) => row.status === 'PENDING'));
    await store.repositories.putAll(
      pending.map((row) => ({
        ...row,
        status: 'FAILED' as const,
        finishedAt,
        error: { code: 'COMMAND_FAILED', message: 'exit 1' },
      })),
    );
    await store.jobs.setCounts(created.jobId, { ...created.counts, pending: 0, failed: 10_000 });
    const failed = await store.finalizeIfDone((await store.jobs.get(created.jobId))!);
    assert.equal(failed.status, 'FAILED');
    const retried = await post(`/jobs/${created.jobId}/retry`, {});
    assert.equal(retried.status, 202, await retried.clone().text());
    const job = await retried.json();
    // A job this large answers from its item: its operation reads the rows, starts the run, moves them.
    assert.equal(job.status, 'FAILED', 'answered before its rows were read');
    assert.equal(job.operation?.kind, 'retry');
    assert.equal(job.operation?.status, 'running', 'the rows move after the answer');
    // A sweep while the rows move (the stack's own runs every minute) must not judge them half-moved:
    // a recount now would find 10,000 FAILED rows and end the job FAILED again, stranding them PENDING.
    await sweep(store, { staleAfterMs: 120_000 });
    const { operation } = await stack.client.followOperation(created.jobId, job.operation.operationId, {
      intervalMs: 200,
    });
    assert.deepEqual([operation.status, operation.done, operation.left], ['done', 10_000, 0]);
    const after = (await store.jobs.get(created.jobId))!;
    assert.equal(after.status, 'RUNNING');
    assert.equal(after.run.size, 10_000);
    assert.equal(after.counts.pending, 10_000);
    const rows = await store.repositories.listAll(created.jobId);
    assert.ok(
      rows.every((row) => row.status === 'PENDING' && row.attempt === 2),
      'every row back to PENDING at its second attempt',
    );
    assert.ok((await storedItem(created.jobId)).bytes < 5_000);
  });
});
