import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import type { RunningDynamo } from './dynamodb';

// Runs the local stack's DynamoDB in its own process (dist/dynamo.js, ./dynamoProcess.ts) and keeps
// it running: started and stopped with the stack, restarted on the same port if it dies. dynalite
// keeps its tables on disk, so a restart loses nothing that was written.

export interface SupervisedDynamoOptions {
  /** dist/dynamo.js. */
  script: string;
  path: string;
  hostname: string;
  port: number;
  /** The stack's credentials file: the child reads it, and accepts only requests signed with it. */
  credentialsFile: string;
  nodeBinary?: string;
  log?: (line: string) => void;
  /** Hears of each restart, with the new process's pid (the stack rewrites stack.json). */
  onRestart?: (pid: number | undefined) => void;
}

export interface SupervisedDynamo extends RunningDynamo {
  readonly port: number;
  /** The child's pid (a new one after a restart). */
  readonly pid: number | undefined;
  /** How many times it was restarted after dying. */
  readonly restarts: number;
}

/** The first restart waits this long, doubling up to RESTART_MAX_MS while it keeps dying at once. */
const RESTART_BASE_MS = 100;
const RESTART_MAX_MS = 5_000;
/** Up this long, a process counts as having started well: the next death restarts it at once. */
const HEALTHY_AFTER_MS = 10_000;

export class DynamoStartError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'DynamoStartError';
  }
}

export async function startSupervisedDynamo(options: SupervisedDynamoOptions): Promise<SupervisedDynamo> {
  await mkdir(options.path, { recursive: true });
  let child: ChildProcess | undefined;
  let stopping = false;
  let restarts = 0;
  let delay = RESTART_BASE_MS;
  let port = options.port;

  const launch = () =>
    new Promise<number>((resolve, reject) => {
      const started = Date.now();
      const current = spawn(
        options.nodeBinary ?? process.execPath,
        // A stack run under `--cpu-prof` (bench/api.ts's BENCH_PROFILE) profiles its DynamoDB too.
        [
          ...process.execArgv.filter((arg) => arg.startsWith('--cpu-prof')),
          options.script,
          options.path,
          options.hostname,
          String(port),
          options.credentialsFile,
        ],
        { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] },
      );
      child = current;
      let errorTail = '';
      current.stderr?.on('data', (chunk: Buffer) => {
        errorTail = (errorTail + chunk.toString('utf8')).slice(-2_000);
      });
      let listening = false;
      current.on('message', (message: { type?: string; port?: unknown; code?: string; message?: string }) => {
        if (message?.type === 'listening' && typeof message.port === 'number') {
          listening = true;
          resolve(message.port);
        } else if (message?.type === 'failed') {
          reject(new DynamoStartError(message.message ?? 'DynamoDB failed to start', message.code));
        }
      });
      current.once('error', (error) => {
        if (!listening) reject(error);
      });
      current.once('exit', (code, signal) => {
        if (!listening) {
          reject(new DynamoStartError(`DynamoDB exited (${signal ?? code}) before listening: ${errorTail.trim()}`));
          return;
        }
        if (stopping || child !== current) return;
        // Died under the stack: start it again on the same port, backing off while it keeps dying.
        delay = Date.now() - started > HEALTHY_AFTER_MS ? RESTART_BASE_MS : Math.min(RESTART_MAX_MS, delay * 2);
        options.log?.(
          `DynamoDB (pid ${current.pid}) ${signal ? `was killed by ${signal}` : `exited with code ${code}`}; restarting it in ${delay} ms`,
        );
        setTimeout(() => {
          if (stopping) return;
          restarts++;
          launch().then(
            () => options.onRestart?.(child?.pid),
            (error: Error) => options.log?.(`DynamoDB could not be restarted: ${error.message}`),
          );
        }, delay).unref();
      });
    });

  port = await launch();
  const endpoint = `http://${options.hostname}:${port}`;
  return {
    endpoint,
    port,
    get pid() {
      return child?.pid;
    },
    get restarts() {
      return restarts;
    },
    /** What the current process has served (a restart starts the count again). */
    requests() {
      const current = child;
      return new Promise<Record<string, number>>((resolve) => {
        if (!current?.connected) return resolve({});
        const onMessage = (message: { type?: string; requests?: Record<string, number> }) => {
          if (message?.type !== 'requests') return;
          current.off('message', onMessage);
          resolve(message.requests ?? {});
        };
        current.on('message', onMessage);
        current.send({ type: 'requests' });
      });
    },
    async close() {
      stopping = true;
      const current = child;
      if (!current || current.exitCode !== null || current.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
      current.kill('SIGTERM');
      const timer = setTimeout(() => current.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
