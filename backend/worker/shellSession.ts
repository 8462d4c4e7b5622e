import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { CommandShell, ShellRunResult } from './agent';
import {
  type CommandUser,
  killLeftovers,
  killProcessGroup,
  runningProcessGroups,
  spawnCommand,
  trackProcessGroup,
} from './commandRunner';
import type { RunSandbox } from './sandbox';

// The repository's one persistent shell for Claude's bash tool: a long-lived `bash` in the
// checkout, in its own process group, with the same environment, user, run marker and sandbox as
// the job's commands (./commandRunner.ts). What the sandbox refused during a call (a host off the
// allowlist) is added to that call's result. Each command is sent on the shell's stdin, quoted whole and run
// by `eval` with its stdin from /dev/null (so it cannot read the commands that follow), followed
// by a line that prints a sentinel unique to the call and the exit code.
//
// What a command leaves running in the background lives on between calls, as in a terminal. When
// a call runs past its limit, on a cancel, on `restart` and at the end of the run, the session's
// process group is killed and then everything carrying the run's marker (locally) or owned by the
// command user (on AWS): nothing a call started outlives the repository's run. The job's own
// commands (setup, verification) sweep the same way when they end, which ends this session too;
// the next call then starts a new one and says so.

export interface ShellSessionOptions {
  cwd: string;
  /** The commands' environment (commandEnvironment: no secrets, no AWS_*, none of our settings). */
  env: NodeJS.ProcessEnv;
  user?: CommandUser;
  runMarker: string;
  /** The run's sandbox; the shell and everything it starts run inside it. */
  sandbox?: RunSandbox;
}

interface Pending {
  sentinel: string;
  /** The end of what was printed (with room for the sentinel line). */
  tail: string;
  /** Characters dropped from the front of `tail`. */
  dropped: number;
  keep: number;
  finish(result: Omit<ShellRunResult, 'newSession' | 'durationMs' | 'refusals'>): void;
}

/** Extra characters kept past the output cap, so a sentinel line split across chunks is still found. */
const SENTINEL_ROOM = 4096;

export class ShellSession implements CommandShell {
  private child: ChildProcess | undefined;
  private pgid: number | undefined;
  private pending: Pending | undefined;
  private started = 0;
  private disposed = false;
  /** Tells the sandbox the shell has exited (it removes what it set up for it). */
  private ended: (() => void) | undefined;

  constructor(private readonly options: ShellSessionOptions) {}

  /** How many shells this session has started (a restart, a killed shell and the first call each start one). */
  get shellsStarted(): number {
    return this.started;
  }

  /** The running shell's process group, for tests and the worker's exit; undefined between shells. */
  get processGroup(): number | undefined {
    return this.pgid;
  }

  async run(
    command: string,
    options: { timeoutMs: number; signal?: AbortSignal; maxOutputChars: number },
  ): Promise<ShellRunResult> {
    if (this.disposed) throw new Error('The shell session has ended');
    if (this.pending) throw new Error('The shell session is already running a command');
    const startedAt = Date.now();
    const newSession = this.child === undefined;
    if (newSession) {
      try {
        await this.start();
      } catch (error) {
        // The sandbox could not wrap it: no shell, and the call says why.
        const output = `The bash session could not be started: ${(error as Error).message}`;
        return {
          output,
          totalChars: output.length,
          exitCode: null,
          timedOut: false,
          cancelled: false,
          sessionEnded: true,
          newSession,
          durationMs: Date.now() - startedAt,
        };
      }
    }
    const child = this.child!;
    const sentinel = `__CODY_BATCH_DONE_${randomBytes(12).toString('hex')}__`;
    const refusals: string[] = [];
    const stopListening = this.options.sandbox?.onRefusal((refusal) => refusals.push(refusal.line));

    const result = await new Promise<Omit<ShellRunResult, 'newSession' | 'durationMs' | 'refusals'>>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        this.kill();
        this.settle({ cancelled: true });
      };
      this.pending = {
        sentinel,
        tail: '',
        dropped: 0,
        keep: options.maxOutputChars + SENTINEL_ROOM,
        finish: (outcome) => {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
          this.pending = undefined;
          resolve(outcome);
        },
      };
      timer = setTimeout(() => {
        this.kill();
        this.settle({ timedOut: true });
      }, options.timeoutMs);
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      // Single quotes keep every byte of the command literal; eval then parses it as bash would.
      const quoted = `'${command.replace(/'/g, `'\\''`)}'`;
      child.stdin!.write(`eval ${quoted} < /dev/null\nprintf '\\n%s %d\\n' '${sentinel}' "$?"\n`);
    });
    stopListening?.();
    const output = cutToEnd(result.output, options.maxOutputChars);
    return {
      ...result,
      output,
      totalChars: result.totalChars,
      newSession,
      durationMs: Date.now() - startedAt,
      ...(refusals.length > 0 ? { refusals } : {}),
    };
  }

  async restart(): Promise<void> {
    this.kill();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.kill();
    this.settle({ cancelled: true });
    // Also when no shell is running now: what an earlier one left behind goes too.
    killLeftovers({ user: this.options.user, runMarker: this.options.runMarker });
  }

  private async start(): Promise<void> {
    const { child, ended } = await spawnCommand({ shell: 'bash' }, this.options);
    this.ended = ended;
    this.started++;
    this.child = child;
    this.pgid = child.pid;
    if (child.pid !== undefined) {
      trackProcessGroup(child.pid, { user: this.options.user, runMarker: this.options.runMarker });
    }
    // Everything the session prints comes on one stream, in order.
    child.stdin!.write('exec 2>&1\n');
    child.stdin!.on('error', () => undefined);
    const onData = (text: string) => this.receive(text);
    // Decoded as streams, so a character split across two chunks stays whole.
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.stderr!.setEncoding('utf8').on('data', onData);
    child.once('error', (error) => {
      if (this.child === child) this.forget();
      this.settle({ sessionEnded: true, extra: `${error.message}\n` });
    });
    child.once('exit', (code) => {
      if (this.child !== child) return;
      // The shell ended (exit, set -e, a sweep after a setup or verify command): what it started
      // goes too. What it printed last may still be in the pipe: read it first, briefly.
      killProcessGroup(child.pid!, 'SIGKILL', this.options.user);
      if (!this.pending) return this.forget();
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        if (this.child === child) this.forget();
        this.settle({ sessionEnded: true, exitCode: code });
      };
      child.stdout!.once('close', end);
      setTimeout(end, 500).unref();
    });
  }

  private receive(text: string): void {
    const pending = this.pending;
    if (!pending) return;
    pending.tail += text;
    if (pending.tail.length > pending.keep) {
      const drop = pending.tail.length - pending.keep;
      pending.dropped += drop;
      pending.tail = pending.tail.slice(drop);
    }
    const marker = `\n${pending.sentinel} `;
    const at = pending.tail.indexOf(marker);
    if (at < 0) return;
    const rest = pending.tail.slice(at + marker.length);
    const end = rest.indexOf('\n');
    if (end < 0) return;
    const output = pending.tail.slice(0, at);
    pending.finish({
      output,
      totalChars: pending.dropped + output.length,
      exitCode: Number(rest.slice(0, end)),
      timedOut: false,
      cancelled: false,
      sessionEnded: false,
    });
  }

  /** Ends the pending call, if any, with what it printed so far. */
  private settle(how: {
    timedOut?: boolean;
    cancelled?: boolean;
    sessionEnded?: boolean;
    exitCode?: number | null;
    extra?: string;
  }): void {
    const pending = this.pending;
    if (!pending) return;
    const output = pending.tail + (how.extra ?? '');
    pending.finish({
      output,
      totalChars: pending.dropped + output.length,
      exitCode: how.exitCode ?? null,
      timedOut: how.timedOut ?? false,
      cancelled: how.cancelled ?? false,
      sessionEnded: how.sessionEnded ?? false,
    });
  }

  /** Kills the shell's process group and everything the run's commands started. */
  private kill(): void {
    const pgid = this.pgid;
    if (pgid !== undefined) killProcessGroup(pgid, 'SIGKILL', this.options.user);
    killLeftovers({ user: this.options.user, runMarker: this.options.runMarker });
    this.forget();
  }

  private forget(): void {
    const child = this.child;
    this.ended?.();
    this.ended = undefined;
    if (this.pgid !== undefined) runningProcessGroups.delete(this.pgid);
    this.child = undefined;
    this.pgid = undefined;
    if (child) {
      child.stdout?.removeAllListeners('data');
      child.stderr?.removeAllListeners('data');
      child.stdout?.destroy();
      child.stderr?.destroy();
      child.stdin?.destroy();
    }
  }
}

/** The last `max` characters of `text`. */
function cutToEnd(text: string, max: number): string {
  return text.length <= max ? text : text.slice(-max);
}
