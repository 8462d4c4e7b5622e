import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fromIni } from '@aws-sdk/credential-providers';
import { Store } from '../../backend/store/store';
import { tableNamesFor } from '../../backend/store/tables';
import { bearerAuth, CodyBatchClient } from '../../common/client';

// Runs the real local stack (`node dist/cli.js serve`, the bundle `npm start` runs) in a temporary
// CODY_BATCH_HOME on free ports, and talks to it over HTTP.

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const CLI = path.join(REPO_ROOT, 'dist/cli.js');
/** Where the tests' stacks keep the compiled worker bundle (its file names carry the bundle's hash). */
const WORKER_CODE_CACHE = path.join(REPO_ROOT, 'node_modules', '.cache', 'cody-batch', 'worker-code-cache');

export interface StackProcess {
  home: string;
  apiUrl: string;
  dynamodbEndpoint: string;
  token: string;
  client: CodyBatchClient;
  process: ChildProcess;
  /** Everything the stack printed so far. */
  output(): string;
  /** SIGTERM, and wait for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Stops it, and removes the home unless `keepHome`. */
  dispose(options?: { keepHome?: boolean }): Promise<void>;
}

export interface StackProcessOptions {
  /** Reuse a home (a restart); a new temporary one otherwise. */
  home?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Node's own flags for the stack's process (`--cpu-prof`, which NODE_OPTIONS may not carry). */
  nodeArgs?: string[];
}

/**
 * A bulk request (cancel, retry, continue, group review, pull-request actions) answers with its
 * results when its work ends within the stack's moment, else with its operation (202), which goes on.
 * For a test of small jobs that reads the results at once: the longest moment, so which answer it
 * gets does not depend on the machine's load (at load 20–30 a cancel of two rows, or a merge of
 * none, took over the default 1.5 s). The answers after the moment: test/operations.test.ts (0).
 */
export const BULK_ANSWERS_INLINE: NodeJS.ProcessEnv = { CODY_BATCH_OPERATION_MOMENT_MS: '20000' };

export async function makeTempDir(prefix = 'cody-batch-test-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function startStackProcess(options: StackProcessOptions = {}): Promise<StackProcess> {
  const home = options.home ?? (await makeTempDir());
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), CLI, 'serve'], {
    env: {
      ...process.env,
      CODY_BATCH_HOME: home,
      CODY_BATCH_PORT: '0',
      CODY_BATCH_DYNAMODB_PORT: '0',
      // Workers stay paused unless a test asks for them: no test clones from GitHub or calls Claude
      // by accident (a developer's ANTHROPIC_API_KEY is in process.env).
      CODY_BATCH_CONCURRENCY: '0',
      // V8's compiled worker bundle, shared by every test's stack (each has a home of its own, where
      // the cache would otherwise be): a worker's start compiles the 2 MB bundle only once per build.
      CODY_BATCH_CODE_CACHE: WORKER_CODE_CACHE,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  // A net for a stack that never says it runs (mocha's own is 120 s), not a measure of a fast start:
  // a loaded machine starts it slowly.
  const deadline = Date.now() + (options.timeoutMs ?? 110_000);
  let info: { apiUrl: string; dynamodbEndpoint: string; pid: number } | undefined;
  while (!info) {
    if (child.exitCode !== null) throw new Error(`The local stack exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`The local stack did not start in time:\n${output}`);
    }
    try {
      const parsed = JSON.parse(await readFile(path.join(home, 'stack.json'), 'utf8'));
      if (parsed.pid === child.pid && output.includes('local stack running')) info = parsed;
    } catch {
      // not written yet
    }
    if (!info) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const token = (await readFile(path.join(home, 'token'), 'utf8')).trim();
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return {
    home,
    apiUrl: info.apiUrl,
    dynamodbEndpoint: info.dynamodbEndpoint,
    token,
    client: new CodyBatchClient({ baseUrl: info.apiUrl, auth: bearerAuth(token) }),
    process: child,
    output: () => output,
    stop,
    dispose: async ({ keepHome = false } = {}) => {
      await stop();
      if (!keepHome && !options.home) await rm(home, { recursive: true, force: true });
    },
  };
}

/**
 * The stack's DynamoDB credentials, read as the operator's AWS tools read them: the shared
 * credentials file in its home, profile `cody-batch-local`.
 */
export function stackDynamoCredentials(home: string) {
  return fromIni({
    filepath: path.join(home, 'dynamodb-credentials'),
    configFilepath: path.join(home, 'no-aws-config'),
    profile: 'cody-batch-local',
    ignoreCache: true,
  });
}

/** The stack's own tables, signed with its credentials: for tests that play a worker or an operator. */
export function stackStore(stack: { home: string; dynamodbEndpoint: string }): Store {
  return Store.connect({
    endpoint: stack.dynamodbEndpoint,
    tables: tableNamesFor('local'),
    credentials: stackDynamoCredentials(stack.home),
  });
}

/**
 * A cancelled job of 1,001 rows (over the size whose retry answers from the job item) with one row,
 * `acme/u0500`, written around the API: its task revision, which its signature covers, changed.
 */
export async function cancelledJobWithPlantedRow(stack: StackProcess): Promise<{ jobId: string }> {
  const names = Array.from({ length: 1_001 }, (_, i) => `acme/u${String(i).padStart(4, '0')}`);
  const job = await stack.client.createJob({ name: 'planted', command: 'true', repositories: names });
  const cancelling = await stack.client.cancelJob(job.jobId);
  if (cancelling.operation?.status === 'running')
    await stack.client.followOperation(job.jobId, cancelling.operation.operationId, { intervalMs: 100 });
  const store = stackStore(stack);
  await store.doc.send(
    new UpdateCommand({
      TableName: store.tables.repositories,
      Key: { jobId: job.jobId, repositoryName: 'acme/u0500' },
      UpdateExpression: 'SET taskRevision = :planted',
      ExpressionAttributeValues: { ':planted': 2 },
    }),
  );
  return job;
}
