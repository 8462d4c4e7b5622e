import { mkdir } from 'node:fs/promises';
import type { DynamoCredentials } from '../../common/localHome';
import { DEFAULT_API_PORT, DEFAULT_DYNAMODB_PORT, ENV } from '../../common/names';
import { createApp } from '../api/app';
import type { ApiDependencies, ApiLimits } from '../api/context';
import { resumeOrphanedOperations } from '../api/operations';
import { operationWorks } from '../api/operationWorks';
import { limitsFromEnvironment } from '../api/limits';
import { BEARER_CHALLENGE, bearerOwner } from '../api/middleware/auth';
import { startApiServer, type RunningServer } from '../api/server';
import type { SandboxStatus } from '../../common/sandbox';
import type { Executor } from '../executor/executor';
import type { LocalExecutorContext } from '../executor/local';
import { API_RATE_LIMIT_WAIT_SECONDS, type CodeHost, codeHostFromEnvironment } from '../hosts';
import { IdleExecutor } from '../executor/executor';
import { type ArtifactStore, FolderArtifactStore } from '../store/artifacts';
import { ensureTables } from '../store/dynamo';
import { localKeys } from '../store/signing';
import { Store } from '../store/store';
import { deleteExpiredJobs, retentionDaysFrom } from '../store/retention';
import { sweep } from '../store/sweeper';
import { refreshAll } from '../api/pullRequestRefresh';
import { tableNamesFor } from '../store/tables';
import type { RunningDynamo } from './dynamodb';
import { webAppHandler } from './webApp';
import { type SupervisedDynamo, startSupervisedDynamo } from './dynamoSupervisor';
import {
  closeHome,
  ensureDynamoCredentials,
  ensureSigningKey,
  ensureToken,
  homePaths,
  lockHome,
  previousSigningKey,
  removeStackInfo,
  resolveHome,
  runningStack,
  writeStackInfo,
} from './home';

// The local stack: dynalite (in a supervised process of its own when given dist/dynamo.js), the
// artifact folder, an executor and the API, all on 127.0.0.1.
// dynalite answers only requests signed with the stack's own credentials; the executor and the
// workers run only what the API signed (backend/store/signing.ts), with keys made from the home's
// signing.key, which only this process reads.

export const LOCAL_HOSTNAME = '127.0.0.1';

export interface LocalStackOptions {
  home?: string;
  apiPort?: number;
  dynamodbPort?: number;
  version: string;
  limits?: Partial<ApiLimits>;
  /** Where the API resolves repository queries (the workers build theirs from the same environment). */
  codeHost?: CodeHost;
  /** Builds the executor once the store exists (the local process pool). */
  executor?: (context: LocalExecutorContext) => Executor;
  /**
   * Where the API and the retention sweep read artifacts, when the workers write them elsewhere than
   * the home's folder (the worker image test's: S3, as on AWS).
   */
  apiArtifacts?: ArtifactStore;
  /** A RUNNING row silent this long has lost its worker (default 2 minutes; workers beat every 10 s). */
  staleAfterMs?: number;
  /** How often the sweeper runs, and refreshes open pull requests (default every minute). */
  sweepEveryMs?: number;
  /** CODY_BATCH_RETENTION_DAYS: jobs expire this long after creation; the sweep deletes them. Undefined keeps them. */
  retentionDays?: number;
  log?: (line: string) => void;
  /** The built web app (dist/web), served at the API's origin; absent or not built: the API alone. */
  webRoot?: string;
  /**
   * dist/dynamo.js: run DynamoDB in a process of its own, supervised (started and stopped with the
   * stack, restarted if it dies). Absent, it runs inside this process (tests that start the stack
   * from the sources).
   */
  dynamoScript?: string;
}

export interface LocalStack {
  home: string;
  apiUrl: string;
  dynamodbEndpoint: string;
  /** The credentials file (AWS shared-credentials format, profile `cody-batch-local`) the DynamoDB accepts. */
  dynamodbCredentialsFile: string;
  tokenPath: string;
  token: string;
  /** The web app's address, without the token; undefined when the stack serves none. */
  webUrl?: string;
  artifactsRoot: string;
  store: Store;
  artifacts: FolderArtifactStore;
  /** DynamoDB requests served since it started, by operation. */
  dynamoRequests(): Promise<Record<string, number>>;
  /** What holds around the workers' commands (undefined with no workers attached). */
  sandbox?: SandboxStatus;
  stop(): Promise<void>;
}

export class StackAlreadyRunningError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StackAlreadyRunningError';
  }
}

export function stackOptionsFromEnvironment(env: NodeJS.ProcessEnv, version: string): LocalStackOptions {
  return {
    home: resolveHome(env),
    apiPort: portFrom(env[ENV.apiPort], ENV.apiPort, DEFAULT_API_PORT),
    dynamodbPort: portFrom(env[ENV.dynamodbPort], ENV.dynamodbPort, DEFAULT_DYNAMODB_PORT),
    version,
    limits: limitsFromEnvironment(env),
    codeHost: codeHostFromEnvironment(env, { maxRateLimitWaitSeconds: API_RATE_LIMIT_WAIT_SECONDS }),
    retentionDays: retentionDaysFrom(env[ENV.retentionDays], ENV.retentionDays),
  };
}

function portFrom(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`${name} must be a port number from 0 to 65535, not "${value}"`);
  return port;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const paths = homePaths(options.home ?? resolveHome());
  await closeHome(paths.home);
  const existing = await runningStack(paths.stack);
  if (existing) {
    throw new StackAlreadyRunningError(
      `A Cody Batch stack is already running for ${paths.home} (pid ${existing.pid}, ${existing.apiUrl}). Stop it first, or set ${ENV.home} to another folder.`,
    );
  }

  const lock = await lockHome(paths.lock);
  if ('heldBy' in lock) {
    throw new StackAlreadyRunningError(
      `A Cody Batch stack is already running for ${paths.home} (pid ${lock.heldBy}, ${paths.lock}). Stop it first, or set ${ENV.home} to another folder.`,
    );
  }

  const stops: (() => Promise<void>)[] = [lock.release];
  // stack.json, written once everything listens and again when DynamoDB restarts under a new pid.
  let recordStack: (() => Promise<void>) | undefined;
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    const credentials: DynamoCredentials = await ensureDynamoCredentials(paths.dynamodbCredentials);
    const signingSecret = await ensureSigningKey(paths.signingKey);
    const previousSecret = await previousSigningKey(paths.previousSigningKey);
    const keys = localKeys(signingSecret, previousSecret ? [previousSecret] : []);
    const dynamoOptions = {
      path: paths.db,
      hostname: LOCAL_HOSTNAME,
      port: options.dynamodbPort ?? DEFAULT_DYNAMODB_PORT,
    };
    const dynamo: RunningDynamo | SupervisedDynamo = await (options.dynamoScript
      ? startSupervisedDynamo({
          ...dynamoOptions,
          script: options.dynamoScript,
          credentialsFile: paths.dynamodbCredentials,
          log: options.log,
          onRestart: () => void recordStack?.(),
        })
      : // In this process (tests, the extension's tests): dynalite loads only here, never with `serve`.
        import('./dynamodb').then(({ startDynamo }) => startDynamo({ ...dynamoOptions, credentials }))
    ).catch((error) => {
      throw portError(error, 'DynamoDB', ENV.dynamodbPort, options.dynamodbPort ?? DEFAULT_DYNAMODB_PORT);
    });
    stops.push(() => dynamo.close());
    const supervised = 'restarts' in dynamo ? (dynamo as SupervisedDynamo) : undefined;

    const store = Store.connect({ endpoint: dynamo.endpoint, tables: tableNamesFor('local'), credentials });
    await ensureTables(store.doc, store.tables);
    await mkdir(paths.artifacts, { recursive: true });
    const artifacts = new FolderArtifactStore(paths.artifacts);
    const apiArtifacts = options.apiArtifacts ?? artifacts;
    const token = await ensureToken(paths.token);
    const executor: Executor =
      options.executor?.({
        store,
        home: paths.home,
        artifactsRoot: paths.artifacts,
        dynamodbEndpoint: dynamo.endpoint,
        dynamodbCredentialsFile: paths.dynamodbCredentials,
        keys,
      }) ?? new IdleExecutor();
    if (executor.stop) stops.push(() => executor.stop!());
    const deps: ApiDependencies = {
      store,
      artifacts: apiArtifacts,
      executor,
      codeHost: options.codeHost,
      version: options.version,
      limits: options.limits,
      keys,
      retentionDays: options.retentionDays,
    };
    // What holds around commands here, known before any job is accepted or resumed.
    const sandbox = await executor.sandboxStatus?.();
    // What a previous stack left unfinished runs again: its workers' rows, then its bulk operations
    // (no runner of them is alive: this stack holds the home's lock); then the sweeper, now and every minute.
    await executor.resume?.();
    await resumeOrphanedOperations(deps, operationWorks, { takeOver: true });
    const sweepOnce = async () => {
      try {
        // Operations whose runner stopped (an error it did not survive) go on.
        await resumeOrphanedOperations(deps, operationWorks);
        // PENDING rows no worker holds are queued again before the sweep looks for unfinished jobs.
        await executor.requeuePending?.();
        const report = await sweep(store, { staleAfterMs: options.staleAfterMs ?? 2 * 60_000 });
        for (const { jobId, message } of report.errors) options.log?.(`Sweeper: job ${jobId}: ${message}`);
        // Open pull requests' states, checks and reviews, and the burndown point of each refresh.
        const refresh = await refreshAll(store, options.codeHost);
        for (const { jobId, message } of refresh.errors)
          options.log?.(`Pull-request refresh: job ${jobId}: ${message}`);
        // No DynamoDB TTL or S3 lifecycle here: expired jobs go with the sweep.
        if (options.retentionDays !== undefined) {
          const deleted = await deleteExpiredJobs(store, apiArtifacts);
          if (deleted.length) options.log?.(`Retention: deleted ${deleted.length} expired jobs`);
        }
      } catch (error) {
        options.log?.(`Sweeper: ${(error as Error).message}`);
      }
    };
    await sweepOnce();
    const sweeper = setInterval(() => void sweepOnce(), options.sweepEveryMs ?? 60_000);
    sweeper.unref();
    stops.push(async () => clearInterval(sweeper));

    const app = createApp(deps, bearerOwner(token), BEARER_CHALLENGE);
    const web = options.webRoot ? await webAppHandler(options.webRoot) : undefined;
    const api: RunningServer = await startApiServer(app, {
      hostname: LOCAL_HOSTNAME,
      port: options.apiPort ?? DEFAULT_API_PORT,
      before: web,
    }).catch((error) => {
      throw portError(error, 'API', ENV.apiPort, options.apiPort ?? DEFAULT_API_PORT);
    });
    stops.push(() => api.close());

    recordStack = () =>
      writeStackInfo(paths.stack, {
        apiUrl: api.url,
        dynamodbEndpoint: dynamo.endpoint,
        pid: process.pid,
        dynamodbPort: Number(new URL(dynamo.endpoint).port),
        ...(supervised?.pid !== undefined ? { dynamodbPid: supervised.pid } : {}),
      }).catch(() => undefined);
    await recordStack();
    stops.push(() => removeStackInfo(paths.stack, process.pid));

    return {
      home: paths.home,
      apiUrl: api.url,
      dynamodbEndpoint: dynamo.endpoint,
      dynamodbCredentialsFile: paths.dynamodbCredentials,
      tokenPath: paths.token,
      token,
      webUrl: web ? `${api.url}/` : undefined,
      artifactsRoot: paths.artifacts,
      store,
      artifacts,
      dynamoRequests: () => dynamo.requests(),
      sandbox,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function portError(error: unknown, what: string, variable: string, port: number): Error {
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    return new StackAlreadyRunningError(
      `Port ${port} (${what}) is already in use on ${LOCAL_HOSTNAME}: another Cody Batch stack ` +
        `or another program holds it. Stop it, or set ${variable} to a free port.`,
    );
  }
  return error as Error;
}
