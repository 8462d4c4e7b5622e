import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { tailOf } from './runLog';

// Runs a shell command in the checkout, in its own process group, so that a timeout or a cancel
// kills everything it started (and the worker lives on to record the result).

/**
 * The unprivileged user commands run as in the worker image (CODY_BATCH_COMMAND_USER), through the
 * image's one sudo rule. See backend/worker/Dockerfile for the contract this follows.
 */
export interface CommandUser {
  name: string;
  home: string;
}

export interface CommandOptions {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Aborting kills the process group at once. */
  signal?: AbortSignal;
  user?: CommandUser;
  onOutput(chunk: string): void;
}

export interface CommandResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  cancelled: boolean;
  durationMs: number;
  /** The end of what it printed (not redacted: the caller does that). */
  outputTail: string;
}

/** Grace between SIGTERM and SIGKILL when a command times out. */
const TERM_GRACE_MS = 2_000;

/** Process groups of commands still running (and whose they are), for a worker that must stop everything on exit. */
export const runningProcessGroups = new Map<number, CommandUser | undefined>();

/** Called with each new process group (the local executor learns them to clean up after a crash). */
let announceGroup: (pgid: number) => void = () => undefined;
export function onProcessGroup(announce: (pgid: number) => void): void {
  announceGroup = announce;
}

/** Signals a command's whole process group; the command user's processes only through sudo. */
export function killProcessGroup(pgid: number, signal: NodeJS.Signals = 'SIGKILL', user?: CommandUser): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
  if (user) {
    try {
      execFileSync(
        'sudo',
        ['-n', '-u', user.name, '--', '/bin/sh', '-c', `kill -${signal.replace(/^SIG/, '')} -- -${pgid}`],
        { stdio: 'ignore', timeout: 5_000 },
      );
    } catch {
      // Already gone, or nothing left that the user owns.
    }
  }
}

/** Stops every command still running (the worker is exiting). */
export function killAllCommands(): void {
  for (const [pgid, user] of runningProcessGroups) killProcessGroup(pgid, 'SIGKILL', user);
}

/**
 * Starts `sh -c command` as the leader of a new process group. As the command user, sudo leads the
 * group and `env -i` hands the command exactly the environment we chose (sudo's own is reset).
 */
function spawnShell(options: CommandOptions): ChildProcess {
  const common = { cwd: options.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] as ('ignore' | 'pipe')[] };
  if (!options.user) return spawn('/bin/sh', ['-c', options.command], { ...common, env: options.env });
  const variables = Object.entries({ ...options.env, HOME: options.user.home }).map(
    ([name, value]) => `${name}=${value}`,
  );
  return spawn(
    'sudo',
    ['-n', '-u', options.user.name, '--', 'env', '-i', ...variables, '/bin/sh', '-c', options.command],
    {
      ...common,
      env: { PATH: options.env.PATH },
    },
  );
}

export function runCommand(options: CommandOptions): Promise<CommandResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    let output = '';
    let timedOut = false;
    let cancelled = false;
    const child = spawnShell(options);
    const pgid = child.pid;
    const kill = (signal: NodeJS.Signals) => pgid !== undefined && killProcessGroup(pgid, signal, options.user);
    if (pgid !== undefined) {
      runningProcessGroups.set(pgid, options.user);
      announceGroup(pgid);
    }
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output = tailOf(output + text, 16_000);
      options.onOutput(text);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);

    let killTimer: NodeJS.Timeout | undefined;
    const timeout = setTimeout(() => {
      timedOut = true;
      kill('SIGTERM');
      killTimer = setTimeout(() => kill('SIGKILL'), TERM_GRACE_MS);
    }, options.timeoutMs);
    const onAbort = () => {
      cancelled = true;
      kill('SIGKILL');
    };
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    let settled = false;
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      if (killTimer) clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      if (pgid !== undefined) {
        // Whatever it left running in the background (a server, a watcher) goes with it.
        kill('SIGKILL');
        runningProcessGroups.delete(pgid);
      }
      resolve({ exitCode, signal, timedOut, cancelled, durationMs: Date.now() - started, outputTail: tailOf(output) });
    };
    child.once('error', (error) => {
      output += `\n${error.message}\n`;
      options.onOutput(`${error.message}\n`);
      finish(null, null);
    });
    // 'close' waits for the pipes; a background child holding them open must not hang us, so
    // the group is killed on 'exit' and 'close' follows.
    child.once('exit', (code, signal) => {
      kill('SIGKILL');
      const fallback = setTimeout(() => finish(code, signal), 1_000);
      child.once('close', () => {
        clearTimeout(fallback);
        finish(code, signal);
      });
    });
  });
}

/** One sentence on how a command ended. */
export function describeEnd(result: CommandResult, timeoutMs: number): string {
  if (result.cancelled) return 'was cancelled';
  if (result.timedOut) return `timed out after ${Math.round(timeoutMs / 1000)} s`;
  if (result.signal) return `was killed by ${result.signal}`;
  if (result.exitCode === null) return 'could not be started';
  return `exited with code ${result.exitCode}`;
}

/** The command user's name and home (CODY_BATCH_COMMAND_USER). */
export async function resolveCommandUser(name: string): Promise<CommandUser> {
  const { stdout } = await promisify(execFile)('getent', ['passwd', name]);
  const home = stdout.trim().split(':')[5];
  return { name, home: home || `/home/${name}` };
}

/**
 * Before `git add`: files the command user made private become group-writable, so the worker
 * (same group) can stage them. Runs as that user, who owns them.
 */
export async function shareWithGroup(folder: string, user: CommandUser): Promise<void> {
  await promisify(execFile)('sudo', [
    '-n',
    '-u',
    user.name,
    '--',
    'find',
    folder,
    '-user',
    user.name,
    '-exec',
    'chmod',
    'g+rwX',
    '{}',
    '+',
  ]);
}
