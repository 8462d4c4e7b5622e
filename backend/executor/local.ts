import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { ENV } from '../../common/names';
import { Redactor } from '../../common/redact';
import { describeSandbox, SandboxStatus, sandboxModeFrom } from '../../common/sandbox';
import { hostRedaction } from '../hosts';
import type { Job } from '../../common/schemas';
import { type ApiKeys, jobVerifies, workerKeyEnvironment } from '../store/signing';
import type { Store } from '../store/store';
import { workDirFrom } from '../worker/config';
import { removeOrphanedRunFolders, removeRunFoldersOf } from '../worker/runFolders';
import { NO_SHARD, type NextShardMessage, SHARD_DONE } from '../worker/nextShard';
import { killMarkedProcesses, newRunMarker } from '../worker/runProcesses';
import { splitSecrets, type Secrets } from '../worker/secrets';
import { type Executor, type RunKind, runSizeOf, type StartedRun } from './executor';
import { shardCount, shardOf, shardSizeFor, shardSizeOverride } from './shards';

// The local executor: a pool of child processes running the worker bundle, each started for one
// shard of a run (./shards.ts) with the same environment contract as AWS Batch (REPOSITORY_INDEX in
// place of the array index, CODY_BATCH_SHARD_SIZE as on Batch), one repository after another. When
// its shard is done a worker asks on its IPC channel for another (backend/worker/nextShard.ts): it
// gets the queue's first shard if that is of the SAME job and kind, shard size and sandbox mode it
// was started with, else it exits and the slot starts a new process. So a job's N shards on k slots
// cost about k process starts, not N, and no process ever carries one job's state (its sandbox and
// allowlist, its clones, whatever its commands left in the worker's reach) into another's shard.
// A child that dies fails only the row it had claimed with WORKER_CRASHED (it says which, on its
// IPC channel), and its shard is queued again for the rest; one that dies before claiming any fails
// its shard's pending rows, as a worker that cannot start would fail them all, unless it had run a
// shard before (its start was sound): then the shard goes once more to a new process. A worker's
// secrets reach it on a pipe, never in its environment (backend/worker/secrets.ts); when it ends,
// every process its commands started goes (CODY_BATCH_RUN_MARKER), and when it dies, its clone.
// Only jobs whose signature verifies start (the API's; see backend/store/signing.ts): any other job
// found in the table fails with UNVERIFIED_JOB, unrun. Workers get the API's public keys and the
// seal key (on the pipe, with the other secrets), never the signing key.

export interface LocalExecutorOptions {
  store: Store;
  /** The worker bundle, `dist/worker.js`. */
  workerScript: string;
  /**
   * The contract's variables plus what the workers need (tokens, git base). The secrets among them
   * (SECRET_ENV_NAMES) are handed over on a pipe; the rest is the children's environment.
   */
  env: NodeJS.ProcessEnv;
  concurrency: number;
  /** SIGTERM first, SIGKILL after this. */
  killGraceMs?: number;
  /** The Node binary the workers run on (default: this process's). */
  nodeBinary?: string;
  /** Checks that the API signed the job and its run before any worker starts for it; the workers' keys. */
  keys: ApiKeys & { workerKey: string; previousWorkerKey?: string };
  log?: (line: string) => void;
}

interface Task {
  jobId: string;
  kind: RunKind;
  /** The shard: names shard × shardSize to shard × shardSize + shardSize − 1 of the run. */
  shard: number;
  /** 1 for a publish run. */
  shardSize: number;
  /** Only for a new process: a reused worker died on it before claiming a row. */
  fresh?: boolean;
}

interface Child {
  task: Task;
  process: ChildProcess;
  /** CODY_BATCH_RUN_MARKER of its commands. */
  runMarker: string;
  /** Process groups of the commands it started, which outlive a worker killed with SIGKILL. */
  groups: Set<number>;
  /** We stopped it (cancel or shutdown): its exit is no crash. */
  stopping: boolean;
  output: string;
  exited: Promise<void>;
  /** The row it claimed last in its current shard (its IPC `claimed`), which a crash fails. */
  claimed?: { repositoryName: string; attempt: number };
  /** Shards it was given: more than 1 once it took a next shard. */
  shards: number;
  /** Started with CODY_BATCH_SANDBOX=require in place of `auto` (see `sandboxHeld`). */
  sandboxHeld: boolean;
}

const OUTPUT_TAIL_CHARS = 2_000;
/** The worker's descriptor for the secrets (0-2 are stdio, 3 the IPC channel). */
const SECRETS_FD = 4;

export class LocalExecutor implements Executor {
  private queue: Task[] = [];
  private readonly children = new Set<Child>();
  private stopped = false;
  private readonly redactor: Redactor;
  private readonly settling = new Set<Promise<void>>();
  private readonly childEnv: NodeJS.ProcessEnv;
  private readonly secrets: Secrets;
  /** Where the workers make their run folders. */
  private readonly workDir: string;
  /** The shard size each job's current run was cut into while this pool runs it. */
  private readonly shardSizes = new Map<string, number>();
  private readonly shardSizeOverride: number | undefined;
  private processesStarted = 0;

  constructor(private readonly options: LocalExecutorOptions) {
    this.redactor = Redactor.fromEnvironment(options.env, [], hostRedaction());
    ({ env: this.childEnv, secrets: this.secrets } = splitSecrets({
      ...options.env,
      ...workerKeyEnvironment(options.keys),
    }));
    this.workDir = workDirFrom(options.env);
    this.shardSizeOverride = shardSizeOverride(options.env);
  }

  /** The shard size of the job's current run: chosen once per run, from its size and the pool's. */
  private shardSizeOf(job: Job, fresh = false): number {
    const key = `${job.jobId}/${job.run.id}`;
    let size = fresh ? undefined : this.shardSizes.get(key);
    if (size === undefined) {
      size = shardSizeFor(job.run.size, this.options.concurrency, this.shardSizeOverride);
      this.shardSizes.set(key, size);
    }
    return size;
  }

  async start(job: Job, kind: RunKind = 'change'): Promise<StartedRun> {
    // A publish run is signed with the job (its publishRun), so it is checked the same way.
    if (kind === 'publish' ? !jobVerifies(this.options.keys.signer, job) : !(await this.admits(job)))
      throw new Error('the job was not created through this stack’s API');
    const shardSize = kind === 'publish' ? 1 : this.shardSizeOf(job, true);
    // A new run is a new attempt: a worker of the previous one that is still exiting holds nothing.
    for (let shard = 0; shard < shardCount(runSizeOf(job, kind), shardSize); shard++) {
      this.enqueue({ jobId: job.jobId, kind, shard, shardSize }, { evenIfRunning: true });
    }
    this.pump();
    return { executorRef: 'local', shardSize };
  }

  async cancel(job: Job): Promise<void> {
    this.queue = this.queue.filter((task) => task.jobId !== job.jobId);
    await Promise.all(
      [...this.children].filter((child) => child.task.jobId === job.jobId).map((child) => this.terminate(child)),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.queue = [];
    await Promise.all([...this.children].map((child) => this.terminate(child)));
    await Promise.all(this.settling);
  }

  /**
   * Picks up what a previous stack left: unfinished cancels are completed, rows left RUNNING by
   * its workers go back to PENDING at the next attempt (a worker still alive from it loses its
   * claim at its next heartbeat), and every PENDING row of the current run is queued again.
   */
  async resume(): Promise<void> {
    const { store } = this.options;
    // Clones left by workers that were killed with the previous stack.
    await removeOrphanedRunFolders(this.workDir);
    for (const job of await store.jobs.scanActive()) {
      // Its bulk operation (a retry moving rows, a cancel) is picked up again and finishes the job.
      if (job.operation?.status === 'running') continue;
      if (job.status === 'CANCELLING') {
        await store.cancelUnfinished(job.jobId);
        continue;
      }
      const rows = await store.repositories.listAll(job.jobId);
      for (const row of rows.filter((candidate) => candidate.status === 'RUNNING')) {
        await store.transitionRepository(job.jobId, row.repositoryName, {
          from: ['RUNNING'],
          to: 'PENDING',
          attempt: row.attempt,
          incrementAttempt: true,
          remove: ['startedAt', 'heartbeatAt'],
        });
      }
      const { pending } = await this.queuePending(job);
      if (pending === 0) await store.reconcile(job.jobId);
      else this.options.log?.(`Resuming job ${job.jobId}: ${pending} repositories to run`);
    }
    this.pump();
  }

  /**
   * Queues again every PENDING row of an active job's current run that no worker holds or waits
   * for, so no job stays PENDING for want of a worker (a crash record that could not be written, a
   * worker that exited without claiming). The local stack runs it with every sweep.
   */
  async requeuePending(): Promise<number> {
    let queued = 0;
    for (const job of await this.options.store.jobs.scanActive()) {
      // A retry or continue still moving its rows starts the workers itself once they have moved.
      if (job.operation?.status === 'running') continue;
      if (job.status === 'PENDING' || job.status === 'RUNNING') queued += (await this.queuePending(job)).queued;
    }
    if (queued) this.options.log?.(`Queued ${queued} pending repositories that no worker held`);
    this.pump();
    return queued;
  }

  /**
   * Queues the PENDING rows of the job's run that are neither queued nor running. Rows outside the
   * run (a sample's held-back rows, waiting for a continue) are never queued or counted.
   */
  private async queuePending(job: Job): Promise<{ pending: number; queued: number }> {
    if (!(await this.admits(job))) return { pending: 0, queued: 0 };
    const rows = await this.options.store.repositories.listAll(job.jobId);
    const pending = new Set(rows.filter((row) => row.status === 'PENDING').map((row) => row.repositoryName));
    if (pending.size === 0) return { pending: 0, queued: 0 };
    const shardSize = this.shardSizeOf(job);
    const shards = new Set<number>();
    let pendingInRun = 0;
    (await this.options.store.runNames(job)).forEach((repositoryName, index) => {
      if (!pending.has(repositoryName)) return;
      pendingInRun++;
      shards.add(shardOf(index, shardSize));
    });
    let queued = 0;
    for (const shard of shards) {
      if (this.enqueue({ jobId: job.jobId, kind: 'change', shard, shardSize })) queued += 1;
    }
    return { pending: pendingInRun, queued };
  }

  /**
   * True when the job's signature verifies. A job that fails the check was written straight
   * into the table (or changed there since): its run's rows fail with UNVERIFIED_JOB, unrun.
   */
  private async admits(job: Job): Promise<boolean> {
    if (jobVerifies(this.options.keys.signer, job)) return true;
    const message =
      'Not run: this job does not carry the API’s signature of what it runs (written or changed around the API)';
    const change = {
      from: ['PENDING', 'RUNNING'],
      to: 'FAILED',
      set: { finishedAt: new Date().toISOString(), error: { code: 'UNVERIFIED_JOB', message } },
    } as const;
    // The id is whatever the row says: quoted, so that it cannot pass for other lines of the log.
    const shown = JSON.stringify(job.jobId).slice(0, 80);
    try {
      // The run's names come from the job's own list; a planted job's list may be missing or
      // forged (its digests do not match), and then every row of the job is marked.
      const names = await this.options.store
        .runNames(job)
        .catch(async () => (await this.options.store.repositories.listAll(job.jobId)).map((row) => row.repositoryName));
      const { moved } = await this.options.store.transitionRepositories(
        job.jobId,
        names.map((repositoryName) => ({ repositoryName, change })),
      );
      if (moved.length) this.options.log?.(`Refused job ${shown}: ${message}`);
    } catch (error) {
      // Unrun either way; a row too malformed to mark must not stop the jobs after it.
      this.options.log?.(`Refused job ${shown}, and could not mark it: ${this.redactor.error(error)}`);
    }
    return false;
  }

  private sandboxCheck: Promise<SandboxStatus> | undefined;
  /**
   * Set once the check found the sandbox running under CODY_BATCH_SANDBOX=auto: from then on the
   * workers get `require`. In `auto` a worker that cannot start the sandbox runs a command job's
   * commands bare, with a warning in its log; after the stack has said the sandbox is on, such a
   * failure (a check timing out on a loaded machine, bubblewrap replaced) must refuse the run, not
   * quietly run it with the user's rights.
   */
  private sandboxHeld = false;

  /**
   * What holds around the workers' commands: a worker process checks it as workers do (`--sandbox-status`,
   * backend/worker/sandboxPolicy.ts), with the workers' environment, once for the life of the pool.
   */
  sandboxStatus(): Promise<SandboxStatus> {
    this.sandboxCheck ??= this.checkSandbox();
    return this.sandboxCheck;
  }

  private async checkSandbox(): Promise<SandboxStatus> {
    // A wrong CODY_BATCH_SANDBOX stops the stack at start, as it would stop every worker; `off` needs no check.
    if (sandboxModeFrom(this.childEnv) === 'off') return describeSandbox('off', undefined);
    const child = spawn(this.options.nodeBinary ?? process.execPath, [this.options.workerScript, '--sandbox-status'], {
      env: this.childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => {
      child.once('error', (error) => {
        output += error.message;
        resolve(null);
      });
      child.once('close', resolve);
    });
    const lines = output.trim().split('\n');
    let answer: unknown;
    try {
      answer = JSON.parse(lines[lines.length - 1] ?? '');
    } catch {
      answer = undefined;
    }
    const status = SandboxStatus.safeParse(answer);
    if (status.success) {
      this.sandboxHeld = status.data.state === 'on' && sandboxModeFrom(this.childEnv) === 'auto';
      return status.data;
    }
    const error = (answer as { error?: unknown } | undefined)?.error;
    if (code === 2 && typeof error === 'string') throw new Error(error);
    throw new Error(
      `The command sandbox could not be checked (exit ${code}): ${this.redactor.text(output.trim().slice(-500))}`,
    );
  }

  /** Shards waiting and running, for status lines. */
  get load(): { queued: number; running: number } {
    return { queued: this.queue.length, running: this.children.size };
  }

  /** Worker processes started since the pool was made (each runs one or more shards of one job). */
  get workersStarted(): number {
    return this.processesStarted;
  }

  /** Adds a task unless it waits already (or runs, unless `evenIfRunning`). True when added. */
  private enqueue(task: Task, options: { evenIfRunning?: boolean } = {}): boolean {
    const same = (other: Task) =>
      other.jobId === task.jobId &&
      other.kind === task.kind &&
      other.shard === task.shard &&
      other.shardSize === task.shardSize;
    if (this.queue.some(same)) return false;
    if (!options.evenIfRunning && [...this.children].some((child) => same(child.task))) return false;
    this.queue.push(task);
    return true;
  }

  private pump(): void {
    while (!this.stopped && this.children.size < this.options.concurrency) {
      const task = this.queue.shift();
      if (!task) return;
      this.launch(task);
    }
  }

  private launch(task: Task): void {
    const runMarker = newRunMarker();
    const sandboxHeld = this.sandboxHeld;
    this.processesStarted += 1;
    const child = spawn(this.options.nodeBinary ?? process.execPath, [this.options.workerScript], {
      env: {
        ...this.childEnv,
        ...(sandboxHeld ? { [ENV.sandbox]: 'require' } : {}),
        [ENV.jobId]: task.jobId,
        [ENV.repositoryIndex]: String(task.shard),
        [ENV.shardSize]: String(task.shardSize),
        [ENV.secretsFd]: String(SECRETS_FD),
        [ENV.runMarker]: runMarker,
        ...(task.kind === 'publish' ? { [ENV.runKind]: 'publish' } : { [ENV.nextShard]: 'ipc' }),
      },
      // Its own process group, so a cancel takes the worker and everything under it.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc', 'pipe'],
    });
    const secretsPipe = child.stdio[SECRETS_FD] as NodeJS.WritableStream & NodeJS.EventEmitter;
    // A worker that dies before reading them closes the pipe (EPIPE): its exit says why.
    secretsPipe?.on('error', () => undefined);
    secretsPipe?.end(JSON.stringify(this.secrets));
    let resolveExited!: () => void;
    const entry: Child = {
      task,
      process: child,
      runMarker,
      groups: new Set(),
      stopping: false,
      output: '',
      exited: new Promise((resolve) => (resolveExited = resolve)),
      shards: 1,
      sandboxHeld,
    };
    this.children.add(entry);
    const keep = (chunk: Buffer) => {
      entry.output = (entry.output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.on('message', (message: { type?: string; pgid?: number; repositoryName?: unknown; attempt?: unknown }) => {
      if (message?.type === 'process-group' && typeof message.pgid === 'number') entry.groups.add(message.pgid);
      if (
        message?.type === 'claimed' &&
        typeof message.repositoryName === 'string' &&
        typeof message.attempt === 'number'
      )
        entry.claimed = { repositoryName: message.repositoryName, attempt: message.attempt };
      if (message?.type === SHARD_DONE) this.handOn(entry);
    });
    let ended = false;
    const end = (how: string | undefined) => {
      if (ended) return;
      ended = true;
      this.children.delete(entry);
      for (const pgid of [child.pid, ...entry.groups]) if (pgid) killGroup(pgid, 'SIGKILL');
      // What its commands started outside their groups (setsid), however the worker ended.
      killMarkedProcesses(entry.runMarker, []);
      const settled = this.settle(entry, how).finally(() => {
        this.settling.delete(settled);
        resolveExited();
        this.pump();
      });
      this.settling.add(settled);
    };
    child.once('error', (error) => {
      keep(Buffer.from(`\n${error.message}`));
      // A process that could not be spawned (EAGAIN, EMFILE) never emits 'exit'.
      if (child.pid === undefined) end(`could not be started (${error.message})`);
    });
    child.once('exit', (code, signal) =>
      end(code === 0 && signal === null ? undefined : signal ? `was killed by ${signal}` : `exited with code ${code}`),
    );
  }

  /**
   * A worker whose shard is done gets the next queued shard if it may take it: the queue's first
   * (no job waits behind another's), of the same job, kind and shard size as the process was
   * started with, under the same sandbox mode, and not one that must go to a new process. Else it
   * is told to exit, and its slot starts the next shard's process.
   */
  private handOn(entry: Child): void {
    const next = this.queue[0];
    const same =
      next !== undefined &&
      !this.stopped &&
      !entry.stopping &&
      !next.fresh &&
      next.kind === 'change' &&
      entry.task.kind === 'change' &&
      next.jobId === entry.task.jobId &&
      next.shardSize === entry.task.shardSize &&
      entry.sandboxHeld === this.sandboxHeld;
    if (!same) {
      entry.process.send({ type: NO_SHARD }, () => undefined);
      return;
    }
    this.queue.shift();
    entry.task = next;
    entry.claimed = undefined;
    entry.shards += 1;
    // A send that fails is a channel already closed: the worker exits, and `settle` queues the shard again.
    entry.process.send({ type: 'shard', index: next.shard } satisfies NextShardMessage, () => undefined);
  }

  /**
   * A crash (`how` the worker ended, undefined for a clean exit) fails the row, unless the worker
   * recorded its outcome or we stopped it ourselves.
   */
  private async settle(entry: Child, how: string | undefined): Promise<void> {
    // A worker that did not exit on its own terms may have left its clone. It is dead and reaped,
    // so no live worker owns that pid (the kernel hands pids out in turn, not the last one freed).
    if (how !== undefined && entry.process.pid !== undefined) {
      await removeRunFoldersOf(this.workDir, entry.process.pid).catch(() => undefined);
    }
    if (entry.stopping || how === undefined) return;
    const { task } = entry;
    const lastLines = this.redactor.text(entry.output.trim().split('\n').slice(-5).join('\n'));
    const message = `The worker ${how}${lastLines ? `. Its last output:\n${lastLines}` : ''}`;
    const crashed = { finishedAt: new Date().toISOString(), error: { code: 'WORKER_CRASHED', message } };
    const { store } = this.options;
    try {
      const job = await store.jobs.get(task.jobId);
      if (!job) return;
      if (task.kind === 'publish') {
        // A publish leaves the row COMPLETED: only its publication failed.
        const repositoryName = job.publishRun && (await store.lists.at(job.jobId, job.publishRun.list, task.shard));
        this.options.log?.(`${repositoryName ?? `publish worker ${task.shard}`} (job ${task.jobId}): ${message}`);
        if (job.publishRun && repositoryName)
          await store.repositories.failPublication(
            task.jobId,
            repositoryName,
            job.publishRun.id,
            ['queued', 'publishing'],
            {
              code: 'WORKER_CRASHED',
              message,
            },
          );
        return;
      }
      if (entry.claimed) {
        // Only the repository in flight fails; the rest of the shard is still PENDING and runs again.
        const { repositoryName, attempt } = entry.claimed;
        this.options.log?.(`${repositoryName} (job ${task.jobId}): ${message}`);
        await store.transitionRepository(task.jobId, repositoryName, {
          from: ['RUNNING'],
          to: 'FAILED',
          attempt,
          set: crashed,
        });
        if (!this.stopped && (job.status === 'PENDING' || job.status === 'RUNNING')) {
          this.enqueue(task);
        }
        return;
      }
      // A reused worker that died before claiming in its latest shard had started soundly: the
      // shard goes to a new process, once.
      if (entry.shards > 1 && !task.fresh) {
        if (!this.stopped && (job.status === 'PENDING' || job.status === 'RUNNING')) {
          this.options.log?.(`shard ${task.shard} of job ${task.jobId}: ${message}; queued again for a new worker`);
          this.enqueue({ ...task, fresh: true });
        }
        return;
      }
      // It died before claiming anything: whatever broke it would break the next one too.
      const start = task.shard * task.shardSize;
      const names = await store.runNames(job, start, start + task.shardSize);
      this.options.log?.(`shard ${task.shard} of job ${task.jobId} (${names.length} repositories): ${message}`);
      await store.transitionRepositories(
        task.jobId,
        names.map((repositoryName) => ({
          repositoryName,
          change: { from: ['PENDING'], to: 'FAILED', set: crashed } as const,
        })),
      );
    } catch (error) {
      this.options.log?.(`Could not record the crash of a worker of job ${task.jobId}: ${this.redactor.error(error)}`);
    }
  }

  private async terminate(entry: Child): Promise<void> {
    entry.stopping = true;
    const pid = entry.process.pid;
    if (pid !== undefined && entry.process.exitCode === null && entry.process.signalCode === null) {
      // SIGTERM lets the worker kill its command at once and save its log; SIGKILL follows.
      killGroup(pid, 'SIGTERM');
      for (const pgid of entry.groups) killGroup(pgid, 'SIGKILL');
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), this.options.killGraceMs ?? 5_000);
      await entry.exited;
      clearTimeout(timer);
    }
    await entry.exited;
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Gone already.
  }
}

/** `CODY_BATCH_CONCURRENCY`, default the number of CPUs; 0 pauses the pool (jobs wait, queued). */
export function concurrencyFrom(env: NodeJS.ProcessEnv): number {
  const raw = env[ENV.concurrency];
  if (raw === undefined || raw.trim() === '') return Math.max(1, os.availableParallelism());
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 256) {
    throw new Error(`${ENV.concurrency} must be a whole number from 0 (paused) to 256, not "${raw}"`);
  }
  return value;
}

/** What the local executor gets from the stack (`startLocalStack`'s `executor`). */
export interface LocalExecutorContext {
  store: Store;
  home: string;
  artifactsRoot: string;
  dynamodbEndpoint: string;
  /** The DynamoDB credentials file, for the workers (they sign with it too). */
  dynamodbCredentialsFile: string;
  /** The API's keys: the executor checks a job's signature before it runs, and hands its workers the public keys and the seal key. */
  keys: ApiKeys & { workerKey: string; previousWorkerKey?: string };
}

/** The executor of `startLocalStack`: workers get the stack's tables, DynamoDB and artifact folder. */
export function localExecutorFactory(env: NodeJS.ProcessEnv, workerScript: string, log?: (line: string) => void) {
  return (context: LocalExecutorContext): LocalExecutor =>
    new LocalExecutor({
      store: context.store,
      workerScript,
      concurrency: concurrencyFrom(env),
      keys: context.keys,
      log,
      env: {
        ...env,
        [ENV.env]: 'local',
        [ENV.jobsTable]: context.store.tables.jobs,
        [ENV.repositoriesTable]: context.store.tables.repositories,
        [ENV.dynamodbEndpoint]: context.dynamodbEndpoint,
        [ENV.dynamodbCredentials]: context.dynamodbCredentialsFile,
        [ENV.artifacts]: context.artifactsRoot,
        // What their sandboxed commands may not read (backend/worker/sandboxPolicy.ts).
        [ENV.home]: context.home,
        // V8's compiled worker bundle, kept between runs (see backend/worker/codeCache.mjs).
        [ENV.codeCache]: env[ENV.codeCache] ?? path.join(context.home, 'cache'),
      },
    });
}
