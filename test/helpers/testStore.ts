import path from 'node:path';
import type { RunningDynamo } from '../../backend/local/dynamodb';
import type { Store } from '../../backend/store/store';
import { newTestStore, startTestDynamo } from './dynamo';
import type { GitHosting } from './git';

// The store on a real dynalite for the calling `describe`, set up and torn down by mocha's hooks.

export interface TestStoreHook {
  /** The dynalite server, one for the describe. */
  readonly dynamo: RunningDynamo;
  /** A store with tables of its own on it: fresh for every test, or one for the describe. */
  readonly store: Store;
  /** The variables that point a worker or a Lambda at this store's tables on this dynalite. */
  environment(): Record<
    'CODY_BATCH_JOBS_TABLE' | 'CODY_BATCH_REPOSITORIES_TABLE' | 'CODY_BATCH_DYNAMODB_ENDPOINT',
    string
  >;
}

/**
 * Mocha hooks for the calling `describe`: one dynalite started before its tests and closed after
 * them, and a store with freshly named tables, made before each test (`each`, the default: no test
 * sees another's rows) or once for them all.
 */
export function useTestStore({ each = true }: { each?: boolean } = {}): TestStoreHook {
  let dynamo: RunningDynamo | undefined;
  let store: Store | undefined;
  before(async () => {
    dynamo = await startTestDynamo();
  });
  (each ? beforeEach : before)(async () => {
    store = await newTestStore(dynamo!);
  });
  after(() => dynamo?.close());
  const started = <T>(part: T | undefined, name: string): T => {
    if (part === undefined)
      throw new Error(`The ${name} starts in a before hook: use it inside a test or a later hook.`);
    return part;
  };
  return {
    get dynamo() {
      return started(dynamo, 'dynalite');
    },
    get store() {
      return started(store, 'store');
    },
    environment() {
      const { tables } = started(store, 'store');
      return {
        CODY_BATCH_JOBS_TABLE: tables.jobs,
        CODY_BATCH_REPOSITORIES_TABLE: tables.repositories,
        CODY_BATCH_DYNAMODB_ENDPOINT: started(dynamo, 'dynalite').endpoint,
      };
    },
  };
}

/**
 * What a local worker process runs with against a test's store and git hosting: the machine's PATH
 * and HOME, the store's tables, its artifacts in the hosting's folder, and the sandbox as
 * test/setup.ts sets it (off: what the tests check does not depend on whether this machine has
 * bubblewrap).
 */
export function localWorkerEnvironment(db: TestStoreHook, hosting: GitHosting): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    CODY_BATCH_ENV: 'local',
    ...db.environment(),
    CODY_BATCH_ARTIFACTS: path.join(hosting.work, 'artifacts'),
    CODY_BATCH_GIT_BASE: hosting.gitBase,
    CODY_BATCH_SANDBOX: process.env.CODY_BATCH_SANDBOX,
  };
}
