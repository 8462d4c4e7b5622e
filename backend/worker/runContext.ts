import type { RepositoryErrorCode } from '../../common/errors';
import type { FollowUp, FollowUpTrigger, Job, RepositoryResult, ThreadSandbox } from '../../common/schemas';
import { describeEnd, runCommand, type CommandResult, type CommandUser } from './commandRunner';
import type { GitCheckout } from './git';
import type { Liveness } from './liveness';
import type { RunArtifacts } from './runArtifacts';
import type { RunLog } from './runLog';
import type { RunSandbox } from './sandbox';

// What every step of one repository's run shares, and the one way steps fail.

/** A step failed in a way the user should see on the row: a code from REPOSITORY_ERROR_CODES and a sentence. */
export class RunFailure extends Error {
  constructor(
    readonly code: RepositoryErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RunFailure';
  }
}

export interface RunContext {
  job: Job;
  row: RepositoryResult;
  repositoryName: string;
  checkout: GitCheckout;
  log: RunLog;
  liveness: Liveness;
  artifacts: RunArtifacts;
  /** Epoch ms by which this repository must be done. */
  deadline: number;
  commandEnv: NodeJS.ProcessEnv;
  commandUser?: CommandUser;
  /** Marks every process the run's commands start, so none outlives them (./runProcesses.ts). */
  runMarker: string;
  /** The run's sandbox: every command of the run runs in it (absent: the sandbox is off or unavailable). */
  sandbox?: RunSandbox;
  /** What holds around the run's commands, as the thread view says it (absent: the job runs none). */
  sandboxState?: ThreadSandbox;
  /** A follow-up round: what was asked, and the trigger the worker read (Claude's first message holds it). */
  round?: { followUp: FollowUp; trigger: FollowUpTrigger; host: string };
}

/** Logs a step and beats; throws once the run has been told to stop. */
export async function step(context: Pick<RunContext, 'log' | 'liveness'>, message: string): Promise<void> {
  context.log.step(message);
  // Saved as it goes, so a worker that dies leaves its log so far.
  void context.log.flush();
  await context.liveness.beat();
  throwIfStopped(context);
}

export function throwIfStopped(context: Pick<RunContext, 'liveness'>): void {
  const reason = context.liveness.stopped;
  if (reason) throw new RunFailure(reason.code, reason.message);
}

/** Runs a shell command in the checkout, its output in the log, bounded by the run's deadline. */
export async function runShell(
  context: RunContext,
  command: string,
  label: string,
): Promise<CommandResult & { timeoutMs: number }> {
  const timeoutMs = Math.max(1_000, context.deadline - Date.now());
  context.log.step(`${label}: $ ${command}`);
  void context.log.flush();
  const stopFlushing = context.log.autoFlush(2_000);
  try {
    const result = await runCommand({
      command,
      cwd: context.checkout.workTree,
      env: context.commandEnv,
      timeoutMs,
      signal: context.liveness.signal,
      user: context.commandUser,
      runMarker: context.runMarker,
      sandbox: context.sandbox,
      onOutput: (chunk) => context.log.write(chunk),
    });
    context.log.step(`${label} ${describeEnd(result, timeoutMs)} (${(result.durationMs / 1000).toFixed(1)} s)`);
    return { ...result, timeoutMs };
  } finally {
    stopFlushing();
  }
}
