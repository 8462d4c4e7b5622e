import { describeIssues } from '../../../../common/schemas';
import { BashInput, MAX_COMMAND_OUTPUT_CHARS } from './definitions';
import { ToolError } from './paths';

// Anthropic's bash tool (`bash_20250124`), run by our code in the repository's one persistent
// shell (backend/worker/shellSession.ts): the model sees each command's output, cut to its end,
// and its exit code; `restart` ends the session and everything it started.

/** How one command in the session ended. */
export interface ShellRunResult {
  /** The end of what it printed, stdout and stderr together (not redacted: the loop does that). */
  output: string;
  /** How many characters it printed in all; more than `output` holds when it was cut. */
  totalChars: number;
  /** Its exit code; null when it did not finish. */
  exitCode: number | null;
  /** It ran past its time limit: the session was killed with everything it started. */
  timedOut: boolean;
  /** Stopped by a cancel: the session was killed with everything it started. */
  cancelled: boolean;
  /** The shell itself ended during the command (`exit`, `set -e`, killed); its code is exitCode. */
  sessionEnded: boolean;
  /** True when this command started a new session (the first call, or the previous one had ended). */
  newSession: boolean;
  durationMs: number;
  /** What the sandbox refused while it ran (`deny network-outbound host:port (why)`), in order. */
  refusals?: string[];
}

/** A persistent shell in the checkout: one per repository run. */
export interface CommandShell {
  run(
    command: string,
    options: { timeoutMs: number; signal?: AbortSignal; maxOutputChars: number },
  ): Promise<ShellRunResult>;
  /** Kills the session and everything it started; the next command starts a new one. */
  restart(): Promise<void>;
  /** Kills the session and everything it started, for good (the end of the run). */
  dispose(): Promise<void>;
}

export interface BashCallOptions {
  shell: CommandShell;
  /** This call's time limit: the per-call limit, or less when the run's wall time ends sooner. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export async function runBash(raw: unknown, options: BashCallOptions): Promise<{ content: string; isError: boolean }> {
  const parsed = BashInput.safeParse(raw);
  if (!parsed.success) {
    throw new ToolError(
      `Error: invalid input: ${describeIssues(parsed.error)}. Give {"command": "…"} to run a command, or {"restart": true} to restart the session.`,
    );
  }
  if ('restart' in parsed.data && parsed.data.restart === true) {
    await options.shell.restart();
    return {
      content:
        'The bash session was restarted: everything it had started was stopped, and the next command starts in a new shell at the repository root.',
      isError: false,
    };
  }
  const { command } = parsed.data as { command: string };
  const result = await options.shell.run(command, {
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    maxOutputChars: MAX_COMMAND_OUTPUT_CHARS,
  });
  return describeShellResult(result, options.timeoutMs);
}

/** The tool result: notes, the output, and how the command ended. */
export function describeShellResult(result: ShellRunResult, timeoutMs: number): { content: string; isError: boolean } {
  const notes: string[] = [];
  if (result.newSession) notes.push('[A new bash session was started at the repository root.]');
  if (result.totalChars > result.output.length) {
    notes.push(
      `[Output cut: only the last ${result.output.length.toLocaleString('en-US')} of ${result.totalChars.toLocaleString('en-US')} characters are shown.]`,
    );
  }
  const output = result.output === '' ? '(no output)' : result.output.replace(/\n$/, '');
  let ending: string;
  let isError = false;
  if (result.cancelled) {
    ending = 'The command was stopped by a cancel.';
    isError = true;
  } else if (result.timedOut) {
    ending =
      `Error: the command was still running after ${Math.round(timeoutMs / 1000)} s, so the ` +
      `session was killed with everything it had started. The next command starts a new ` +
      `session (the working directory and variables are reset). Run long tasks with a narrower ` +
      `scope, or in the background with their output in a file.`;
    isError = true;
  } else if (result.sessionEnded) {
    ending =
      `The shell itself ended (exit code ${result.exitCode ?? 'none'}); everything it had ` +
      `started was stopped, and the next command starts a new session.`;
  } else {
    ending = `exit code: ${result.exitCode}`;
  }
  // In the block Claude Code's own sandbox uses, so the model reads it as the sandbox's word.
  const refused = result.refusals?.length ? ['<sandbox_violations>', ...result.refusals, '</sandbox_violations>'] : [];
  return { content: [...notes, output, ending, ...refused].join('\n'), isError };
}

/** How a bash call reads in the log: the command, or the restart. */
export function showBashCall(input: unknown): string {
  const record = (input ?? {}) as Record<string, unknown>;
  if (record.restart === true) return 'bash restart';
  return typeof record.command === 'string' ? `bash $ ${record.command}` : 'bash';
}
