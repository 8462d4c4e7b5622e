import assert from 'node:assert/strict';
import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { REPOSITORIES_STATUS_INDEX } from '../../common/names';
import { useTestStore } from '../../test/helpers/testStore';
import { newJob, sampleJob } from '../../test/helpers/jobs';
import { ensureTables } from './dynamo';
import { InvalidTokenError } from './pagination';
import { Store } from './store';
import { repositoriesTableDefinition, tableNamesFor } from './tables';

// The repositories table's byStatus index: a job's rows in one status are read directly, whatever
// the size of the job, and every write that moves a row moves it in the index too.

function names(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `acme/repo-${String(i).padStart(5, '0')}`);
}

/** Every row of the job in `status`, through the index, `limit` a page; and how many pages. */
async function inStatus(
  store: Store,
  jobId: string,
  status: Parameters<Store['repositories']['list']>[3],
  limit = 100,
) {
  const rows: string[] = [];
  let pages = 0;
  let token: string | undefined;
  do {
    const page = await store.repositories.list(jobId, limit, token, status, true);
    pages++;
    rows.push(...page.items.map((row) => row.repositoryName));
    token = page.nextToken;
  } while (token);
  return { rows, pages };
}

describe('Store: the status index (byStatus)', function () {
  // 1,001 rows moved through dynalite, three times: long when the suite runs in parallel on a busy machine.
  this.timeout(180_000);
  const db = useTestStore();

  it('reads a rare state of a 1,001-row job in one page, following every move of its rows', async () => {
    // 1,001: one over a page of listAll and a chunk of the run's name list (1,000 each), so a cancel
    // reads its rows in two pages and a retry writes its run in two chunks; without the index the
    // three failures would be spread over 11 pages of 100. (2,000 rows took the same paths, at twice the cost.)
    const all = names(1_001);
    const job = await db.store.createJob(newJob(sampleJob({ repositories: all })));
    assert.equal(job.statusIndex, true, 'a new job says its rows are indexed');
    const failing = [all[17]!, all[500]!, all[1_000]!];
    for (const name of failing) {
      await db.store.claim(job.jobId, name, 1, '2000-01-01T00:00:00.000Z');
      await db.store.transitionRepository(job.jobId, name, {
        from: ['RUNNING'],
        to: 'FAILED',
        attempt: 1,
        set: { error: { code: 'COMMAND_FAILED', message: 'exit 1' } },
      });
    }
    const failed = await inStatus(db.store, job.jobId, 'FAILED');
    assert.deepEqual(failed.rows, failing);
    assert.equal(failed.pages, 1, 'no empty pages before the first failure');
    assert.deepEqual((await inStatus(db.store, job.jobId, 'RUNNING')).rows, []);
    const pending = await inStatus(db.store, job.jobId, 'PENDING', 500);
    assert.equal(pending.rows.length, 998);
    assert.equal(pending.pages, 2);
    assert.deepEqual(
      pending.rows,
      all.filter((name) => !failing.includes(name)),
    );

    // A cancel moves the rest, a retry moves every one back to PENDING; the index follows.
    await db.store.requestCancel(job.jobId, job.owner);
    await db.store.cancelUnfinished(job.jobId);
    assert.equal((await inStatus(db.store, job.jobId, 'CANCELLED', 500)).rows.length, 998);
    assert.deepEqual((await inStatus(db.store, job.jobId, 'PENDING')).rows, []);
    const retried = await db.store.prepareRetry(job.jobId, job.owner);
    assert.ok(retried.ok);
    assert.deepEqual((await inStatus(db.store, job.jobId, 'FAILED')).rows, []);
    assert.equal((await inStatus(db.store, job.jobId, 'PENDING', 1_000)).rows.length, 1_001);
    // Rows read through the index are rows, with nothing of the index's key in them.
    const [row] = (await db.store.repositories.list(job.jobId, 1, undefined, 'PENDING', true)).items;
    assert.equal((row as Record<string, unknown>).jobStatus, undefined);
  });

  it('gives tokens that only the same job and status accept', async () => {
    const job = await db.store.createJob(newJob(sampleJob({ repositories: names(5) })));
    const other = await db.store.createJob(newJob(sampleJob({ repositories: names(5) })));
    const page = await db.store.repositories.list(job.jobId, 2, undefined, 'PENDING', true);
    assert.ok(page.nextToken);
    await assert.rejects(
      db.store.repositories.list(other.jobId, 2, page.nextToken, 'PENDING', true),
      InvalidTokenError,
    );
    await assert.rejects(db.store.repositories.list(job.jobId, 2, page.nextToken, 'FAILED', true), InvalidTokenError);
    await assert.rejects(db.store.repositories.list(job.jobId, 2, page.nextToken), InvalidTokenError);
    const next = await db.store.repositories.list(job.jobId, 2, page.nextToken, 'PENDING', true);
    assert.deepEqual(
      next.items.map((row) => row.repositoryName),
      names(5).slice(2, 4),
    );
  });

  it('gives a table made before the index its index, keeping every item (a local stack’s old home)', async () => {
    const tables = tableNamesFor(`old${Date.now().toString(36)}`);
    const old = Store.connect({ endpoint: db.dynamo.endpoint, tables });
    await createOldTable(old, tables.repositories);
    await putOldItems(old, tables.repositories);
    await ensureTables(old.doc, tables);
    await assertMigrated(old);
  });

  it('finishes a migration that died with the items set aside', async () => {
    const tables = tableNamesFor(`died${Date.now().toString(36)}`);
    const old = Store.connect({ endpoint: db.dynamo.endpoint, tables });
    await createOldTable(old, `${tables.repositories}-migrating`);
    await putOldItems(old, `${tables.repositories}-migrating`);
    await ensureTables(old.doc, tables);
    await assertMigrated(old);
    await assert.rejects(
      old.doc.send(new DescribeTableCommand({ TableName: `${tables.repositories}-migrating` })),
      /ResourceNotFound|not found/i,
    );
  });
});

async function createOldTable(store: Store, name: string): Promise<void> {
  const { GlobalSecondaryIndexes: _index, ...withoutIndex } = repositoriesTableDefinition(name);
  await store.doc.send(
    new CreateTableCommand({
      ...withoutIndex,
      AttributeDefinitions: withoutIndex.AttributeDefinitions!.filter((a) => a.AttributeName !== 'jobStatus'),
    }),
  );
  while ((await store.doc.send(new DescribeTableCommand({ TableName: name }))).Table?.TableStatus !== 'ACTIVE')
    await new Promise((resolve) => setTimeout(resolve, 20));
}

/** A row and a name-list chunk, as the store wrote them before the index. */
async function putOldItems(store: Store, table: string): Promise<void> {
  for (const Item of [
    {
      jobId: 'j1',
      repositoryName: 'acme/one',
      status: 'FAILED',
      attempt: 1,
      usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 },
    },
    { jobId: 'j1', repositoryName: '#list/abc/00000', names: ['acme/one'] },
  ])
    await store.doc.send(new PutCommand({ TableName: table, Item }));
}

async function assertMigrated(store: Store): Promise<void> {
  const described = await store.doc.send(new DescribeTableCommand({ TableName: store.tables.repositories }));
  assert.deepEqual(
    described.Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName),
    [REPOSITORIES_STATUS_INDEX],
  );
  assert.deepEqual(
    (await store.repositories.listAll('j1')).map((row) => [row.repositoryName, row.status]),
    [['acme/one', 'FAILED']],
  );
  const chunk = await store.doc.send(
    new GetCommand({ TableName: store.tables.repositories, Key: { jobId: 'j1', repositoryName: '#list/abc/00000' } }),
  );
  assert.deepEqual(chunk.Item?.names, ['acme/one']);
  // The old row gained its key on the way: it is in the index too.
  assert.deepEqual(
    (await store.repositories.list('j1', 10, undefined, 'FAILED', true)).items.map((row) => row.repositoryName),
    ['acme/one'],
  );
}
