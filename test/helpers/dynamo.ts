import { randomBytes } from 'node:crypto';
import { startDynamo, type RunningDynamo } from '../../backend/local/dynamodb';
import { ensureTables } from '../../backend/store/dynamo';
import { Store } from '../../backend/store/store';
import { tableNamesFor } from '../../backend/store/tables';

// A real dynalite server on a free port, in memory, with freshly named tables per store so tests
// sharing one server never see each other's rows.

export async function startTestDynamo(): Promise<RunningDynamo> {
  return startDynamo({ hostname: '127.0.0.1', port: 0 });
}

export async function newTestStore(dynamo: RunningDynamo): Promise<Store> {
  const store = Store.connect({
    endpoint: dynamo.endpoint,
    tables: tableNamesFor(`t${randomBytes(4).toString('hex')}`),
  });
  await ensureTables(store.doc, store.tables);
  return store;
}
