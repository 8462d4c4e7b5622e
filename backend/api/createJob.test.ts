import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { RunningDynamo } from '../local/dynamodb';
import { newTestStore, startTestDynamo } from '../../test/helpers/dynamo';
import { type DynamoFault, type FaultRule, startFaultyDynamoProxy } from '../../test/fakes/faultyDynamoProxy';
import { makeTempDir } from '../../test/helpers/localStack';
import { IdleExecutor } from '../executor/executor';
import { FolderArtifactStore } from '../store/artifacts';
import { Store } from '../store/store';
import { createApp } from './app';
import { bearerOwner } from './middleware/auth';
import { testKeys } from '../../test/helpers/keys';

// POST /jobs writes all of a job or nothing: a job DynamoDB refuses half-way leaves no rows behind,
// and the caller hears that nothing was created. The faults come from a loopback proxy in front of
// dynalite that answers chosen requests with DynamoDB's own errors.

const REFUSED: DynamoFault = {
  status: 400,
  type: 'ValidationException',
  message: 'Number underflow. Attempting to store a number with magnitude smaller than supported range',
};

describe('POST /jobs when DynamoDB refuses part of the job', () => {
  let dynamo: RunningDynamo;
  let artifactsRoot: string;

  before(async () => {
    dynamo = await startTestDynamo();
    artifactsRoot = await makeTempDir('cody-batch-create-');
  });
  after(async () => {
    await dynamo?.close();
    await rm(artifactsRoot, { recursive: true, force: true });
  });

  /** Creates a job through an API whose database refuses what `rule` picks; returns the answer and what was stored. */
  async function createThrough(rule: (tables: Store['tables']) => FaultRule, repositories: string[]) {
    const store = await newTestStore(dynamo);
    const proxy = await startFaultyDynamoProxy(dynamo.endpoint, rule(store.tables));
    const logged: string[] = [];
    try {
      const app = createApp(
        {
          store: Store.connect({ endpoint: proxy.endpoint, tables: store.tables }),
          artifacts: new FolderArtifactStore(artifactsRoot),
          executor: new IdleExecutor(),
          keys: testKeys(),
          version: 'test',
          log: { error: (message) => logged.push(message) },
        },
        bearerOwner('token'),
      );
      const response = await app.request('/jobs', {
        method: 'POST',
        headers: { authorization: 'Bearer token', 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Refused', command: 'true', repositories }),
      });
      const count = async (table: string) =>
        (await store.doc.send(new ScanCommand({ TableName: table, Select: 'COUNT' }))).Count;
      return {
        status: response.status,
        body: (await response.json()) as { error: { code: string; message: string } },
        jobs: await count(store.tables.jobs),
        rows: await count(store.tables.repositories),
        faults: proxy.faults(),
        logged,
      };
    } finally {
      await proxy.close();
    }
  }

  it('leaves no repository rows behind when the job item is refused', async () => {
    const result = await createThrough(
      (tables) => (operation, request) =>
        operation === 'PutItem' && request.TableName === tables.jobs ? REFUSED : undefined,
      ['acme/one', 'acme/two', 'acme/three'],
    );
    assert.deepEqual(result.faults, ['PutItem'], 'the job write was refused');
    assert.deepEqual({ jobs: result.jobs, rows: result.rows }, { jobs: 0, rows: 0 });
    assert.equal(result.status, 500);
    assert.equal(result.body.error.code, 'INTERNAL');
    assert.match(result.body.error.message, /The job could not be stored; nothing of it was kept/);
    assert.match(result.logged.join('\n'), /Number underflow|could not be stored/);
  });

  it('leaves no repository rows behind when a later batch of rows is refused', async () => {
    let batches = 0;
    const result = await createThrough(
      () => (operation, request) => {
        const writes = Object.values((request.RequestItems ?? {}) as Record<string, { PutRequest?: unknown }[]>).flat();
        if (operation !== 'BatchWriteItem' || !writes.some((write) => write.PutRequest)) return undefined;
        return ++batches === 2 ? REFUSED : undefined;
      },
      Array.from({ length: 40 }, (_, i) => `acme/r${i}`),
    );
    assert.deepEqual(result.faults, ['BatchWriteItem'], 'the second batch of rows was refused');
    assert.deepEqual({ jobs: result.jobs, rows: result.rows }, { jobs: 0, rows: 0 });
    assert.equal(result.status, 500);
    assert.match(result.body.error.message, /nothing of it was kept/);
  });

  it('says so when the rows it wrote could not be deleted either', async () => {
    const result = await createThrough(
      (tables) => (operation, request) => {
        if (operation === 'PutItem' && request.TableName === tables.jobs) return REFUSED;
        const writes = Object.values((request.RequestItems ?? {}) as Record<string, { DeleteRequest?: unknown }[]>);
        return writes.flat().some((write) => write.DeleteRequest) ? REFUSED : undefined;
      },
      ['acme/one'],
    );
    assert.deepEqual(result.faults, ['PutItem', 'BatchWriteItem']);
    assert.equal(result.status, 500);
    assert.match(result.body.error.message, /The job could not be stored; some of its repository rows may remain/);
    assert.equal(result.jobs, 0, 'no job, so nothing lists or runs the rows');
  });
});
