import type { Verification } from '../../common/schemas';
import type { ChangeMaker } from './changeMaker';
import { tailOf } from './runLog';
import { RunFailure, runShell, step, type RunContext } from './runContext';

// Verification (`verifyCommand`): after the change, run it; while it fails and rounds are left,
// hand its output to Claude and run it again.

const FEEDBACK_CHARS = 8_000;
const RECORDED_TAIL_CHARS = 2_000;

export interface VerifyResult {
  verification: Verification;
  summary: string;
}

export async function verifyChange(
  context: RunContext,
  maker: ChangeMaker,
  command: string,
  maxRounds: number,
  summary: string,
): Promise<VerifyResult> {
  let current = summary;
  for (let round = 1; ; round++) {
    await step(context, `Verification round ${round} of ${maker.revise ? maxRounds : 1}`);
    const result = await runShell(context, command, 'Verification');
    if (result.cancelled) throw new RunFailure('CANCELLED', 'The verification was stopped by a cancel');
    const passed = result.exitCode === 0 && !result.timedOut;
    const outcome = result.timedOut
      ? `timed out after ${Math.round(result.timeoutMs / 1000)} s`
      : `exited with code ${result.exitCode ?? result.signal}`;
    const verification: Verification = {
      command,
      passed,
      rounds: round,
      outputTail: tailOf(context.log.redact(result.outputTail), RECORDED_TAIL_CHARS),
    };
    if (passed || !maker.revise || round >= maxRounds || Date.now() >= context.deadline) {
      return { verification, summary: current };
    }
    const output = tailOf(context.log.redact(result.outputTail), FEEDBACK_CHARS);
    current = await maker.revise(
      `The verification command \`${command}\` failed (${outcome}). Its output ends with:\n\n\`\`\`\n${output}\n\`\`\`\n\n` +
        'Fix the cause, then finish with a short summary of everything you changed and why.',
    );
  }
}

/** The end of some command output, safe for an error message. */
export function redactedTail(context: RunContext, output: string): string {
  return tailOf(context.log.redact(output), RECORDED_TAIL_CHARS);
}
