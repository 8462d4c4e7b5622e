import { execFile, execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { promisify } from 'node:util';
import { ENV } from '../../common/names';
import { killMarkedProcesses } from './runProcesses';
import { tailOf } from './runLog';
import type { RunSandbox } from './sandbox';

// Runs a shell command in the checkout, in its own process group, so that a timeout or a cancel
// kills everything it started (and the worker lives on to record the result). In the run's sandbox
// (./sandbox.ts) when there is one: then it has its own PID namespace, which ends with it and takes
// everything in it. Outside the sandbox, when it ends, what it left behind goes too, out of its
// group included: as the command user, every process of that user; otherwise every process carrying
// the run's marker (./runProcesses.ts).

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
  /** CODY_BATCH_RUN_MARKER's value, added to the command's environment (./runProcesses.ts). */
  runMarker?: string;
  /** The run's sandbox; absent, the command runs with the worker's rights (or the command user's). */
  sandbox?: RunSandbox;
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

/** Process groups of commands still running (whose they are, their marker), for a worker that must stop everything on exit. */
export const runningProcessGroups = new Map<number, Pick<CommandOptions, 'user' | 'runMarker'>>();

/** Called with each new process group (the local executor learns them to clean up after a crash). */
let announceGroup: (pgid: number) => void = () => undefined;
export function onProcessGroup(announce: (pgid: number) => void): void {
  announceGroup = announce;
}

/**
 * The shell command that sends `signal` to `target` (`-<pgid>` for a group, `-1` for every process
 * the caller may signal), as the command user runs it through sudo. Debian's /bin/sh is dash,
 * whose kill takes no `--`: `kill -KILL -- -123` fails there with "Illegal number".
 */
export function userKillCommand(signal: NodeJS.Signals, target: string): string[] {
  return ['/bin/sh', '-c', `kill -${signal.replace(/^SIG/, '')} ${target}`];
}

/** Runs `userKillCommand` as the command user; failures mean nothing was left to signal. */
function killAsUser(user: CommandUser, signal: NodeJS.Signals, target: string): void {
  try {
    execFileSync('sudo', ['-n', '-u', user.name, '--', ...userKillCommand(signal, target)], {
      stdio: 'ignore',
      timeout: 5_000,
    });
  } catch {
    // Already gone, nothing left that the user owns (ESRCH), or no sudo.
  }
}

/** Signals a command's whole process group; the command user's processes only through sudo. */
export function killProcessGroup(pgid: number, signal: NodeJS.Signals = 'SIGKILL', user?: CommandUser): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
  if (user) killAsUser(user, signal, `-${pgid}`);
}

/**
 * Kills every process the command user has: after a command, nothing of a run may stay behind, in
 * its process group or not. That user runs nothing else (one worker per container on AWS Batch).
 * `kill -1` spares the shell that sends it, and cannot reach sudo, which runs as root.
 */
export function killUserProcesses(user: CommandUser): void {
  killAsUser(user, 'SIGKILL', '-1');
}

/** Kills what a command left behind outside its process group (see the top of this file). */
export function killLeftovers(options: Pick<CommandOptions, 'user' | 'runMarker'>): void {
  if (options.user) killUserProcesses(options.user);
  else if (options.runMarker) killMarkedProcesses(options.runMarker);
}

/** Stops every command still running, and what they started (the worker is exiting). */
export function killAllCommands(): void {
  for (const [pgid, owner] of runningProcessGroups) {
    killProcessGroup(pgid, 'SIGKILL', owner.user);
    killLeftovers(owner);
  }
}

/** Records a process group a command or a shell leads, so the worker's exit kills it (killAllCommands). */
export function trackProcessGroup(pgid: number, owner: Pick<CommandOptions, 'user' | 'runMarker'>): void {
  runningProcessGroups.set(pgid, owner);
  announceGroup(pgid);
}

/**
 * The command line that runs `program` with exactly `env`: as itself, or as the command user
 * through sudo and `env -i` (sudo's own environment is reset).
 */
export function commandLine(
  program: string[],
  env: NodeJS.ProcessEnv,
  user: CommandUser | undefined,
): { file: string; args: string[]; env: NodeJS.ProcessEnv } {
  if (!user) return { file: program[0]!, args: program.slice(1), env };
  const variables = Object.entries({ ...env, HOME: user.home }).map(([name, value]) => `${name}=${value}`);
  return {
    file: 'sudo',
    args: ['-n', '-u', user.name, '--', 'env', '-i', ...variables, ...program],
    env: { PATH: env.PATH },
  };
}

/** What a command process is: `sh -c script`, or (no script) a bash that reads its commands on stdin. */
export type CommandProgram = { shell: 'sh'; script: string } | { shell: 'bash'; script?: undefined };

/**
 * Starts a command process as the leader of a new process group: in the run's sandbox, or as the
 * command user (sudo leads the group and `env -i` hands the command exactly the environment we
 * chose; sudo's own is reset), or as the worker's user. Call `ended` once it has exited.
 */
export async function spawnCommand(
  program: CommandProgram,
  options: Pick<CommandOptions, 'cwd' | 'env' | 'user' | 'runMarker' | 'sandbox'>,
): Promise<{ child: ChildProcess; ended(): void }> {
  const env = options.runMarker ? { ...options.env, [ENV.runMarker]: options.runMarker } : options.env;
  const stdin = program.script === undefined ? 'pipe' : 'ignore';
  const spawnOptions: SpawnOptions = { cwd: options.cwd, detached: true, stdio: [stdin, 'pipe', 'pipe'] };
  if (options.sandbox) {
    const line = await options.sandbox.line(program.script ?? 'exec /bin/bash --noprofile --norc', program.shell);
    const child = spawn(line.file, line.args, { ...spawnOptions, env: { ...env, ...options.sandbox.env } });
    return { child, ended: line.ended };
  }
  const argv =
    program.script === undefined ? ['/bin/bash', '--noprofile', '--norc'] : ['/bin/sh', '-c', program.script];
  const line = commandLine(argv, env, options.user);
  return { child: spawn(line.file, line.args, { ...spawnOptions, env: line.env }), ended: () => undefined };
}

export async function runCommand(options: CommandOptions): Promise<CommandResult> {
  const started = Date.now();
  let spawned: Awaited<ReturnType<typeof spawnCommand>>;
  try {
    spawned = await spawnCommand({ shell: 'sh', script: options.command }, options);
  } catch (error) {
    // The sandbox could not wrap it (a path it cannot protect on this host): it never started.
    const message = `${(error as Error).message}\n`;
    options.onOutput(message);
    return { exitCode: null, signal: null, timedOut: false, cancelled: false, durationMs: 0, outputTail: message };
  }
  const { child } = spawned;
  return new Promise((resolve) => {
    let output = '';
    let timedOut = false;
    let cancelled = false;
    const pgid = child.pid;
    const kill = (signal: NodeJS.Signals) => pgid !== undefined && killProcessGroup(pgid, signal, options.user);
    const killAll = () => {
      kill('SIGKILL');
      // In the sandbox the command is PID 1's child in its own PID namespace, which the kernel ends
      // with it (bubblewrap's --unshare-pid, and --die-with-parent when the group above is killed):
      // nothing it started outlives it, so no scan of every process's environment (a few hundred
      // reads of /proc/<pid>/environ, twice per command) is needed.
      if (!options.sandbox) killLeftovers(options);
    };
    if (pgid !== undefined) trackProcessGroup(pgid, { user: options.user, runMarker: options.runMarker });
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
        // Whatever it left running in the background (a server, a watcher, a daemon) goes with it.
        killAll();
        runningProcessGroups.delete(pgid);
      }
      spawned.ended();
      resolve({ exitCode, signal, timedOut, cancelled, durationMs: Date.now() - started, outputTail: tailOf(output) });
    };
    child.once('error', (error) => {
      output += `\n${error.message}\n`;
      options.onOutput(`${error.message}\n`);
      finish(null, null);
    });
    // 'close' waits for the pipes; a background child holding them open must not hang us, so
    // the group and the leftovers are killed on 'exit' and 'close' follows.
    child.once('exit', (code, signal) => {
      killAll();
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
