import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { tailOf } from './runLog';

// Runs a shell command in the checkout, in its own process group, so that a timeout or a cancel
// kills everything it started (and the worker lives on to record the result).

export interface CommandUser {
  uid: number;
  gid: number;
  name: string;
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

/** Process groups of commands still running, for a worker that must stop everything on exit. */
export const runningProcessGroups = new Set<number>();

/** Called with each new process group (the local executor learns them to clean up after a crash). */
let announceGroup: (pgid: number) => void = () => undefined;
export function onProcessGroup(announce: (pgid: number) => void): void {
  announceGroup = announce;
}

export function killProcessGroup(pgid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

export function runCommand(options: CommandOptions): Promise<CommandResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    let output = '';
    let timedOut = false;
    let cancelled = false;
    const child = spawn('/bin/sh', ['-c', options.command], {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      uid: options.user?.uid,
      gid: options.user?.gid,
    });
    const pgid = child.pid;
    if (pgid !== undefined) {
      runningProcessGroups.add(pgid);
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
      if (pgid === undefined) return;
      killProcessGroup(pgid, 'SIGTERM');
      killTimer = setTimeout(() => killProcessGroup(pgid, 'SIGKILL'), TERM_GRACE_MS);
    }, options.timeoutMs);
    const onAbort = () => {
      cancelled = true;
      if (pgid !== undefined) killProcessGroup(pgid, 'SIGKILL');
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
        killProcessGroup(pgid, 'SIGKILL');
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
      if (pgid !== undefined) killProcessGroup(pgid, 'SIGKILL');
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

/** Looks up the unprivileged user commands run as (CODY_BATCH_COMMAND_USER: a name or uid[:gid]). */
export async function resolveCommandUser(user: string): Promise<CommandUser> {
  const numeric = /^(\d+)(?::(\d+))?$/.exec(user);
  if (numeric) return { uid: Number(numeric[1]), gid: Number(numeric[2] ?? numeric[1]), name: user };
  const run = promisify(execFile);
  const [uid, gid] = await Promise.all([run('id', ['-u', user]), run('id', ['-g', user])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()), name: user };
}

/** Hands a folder to the command user, so the commands can edit the checkout. */
export async function chownTree(folder: string, user: CommandUser): Promise<void> {
  await promisify(execFile)('chown', ['-R', `${user.uid}:${user.gid}`, folder]);
}
