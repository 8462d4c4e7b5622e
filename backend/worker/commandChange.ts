import { redactedTail } from './verify';
import { RunFailure, runShell, type RunContext } from './runContext';
import type { ChangeMaker } from './changeMaker';

/** A job's `command`, run once in the checkout. A non-zero exit fails the repository. */
export function commandChange(context: RunContext, command: string): ChangeMaker {
  return {
    async make() {
      const result = await runShell(context, command, 'Command');
      if (result.cancelled) throw new RunFailure('CANCELLED', 'The command was stopped by a cancel');
      if (result.timedOut) {
        throw new RunFailure(
          'COMMAND_TIMEOUT',
          `The command timed out after ${Math.round(result.timeoutMs / 1000)} s. Output ends with:\n${redactedTail(context, result.outputTail)}`,
        );
      }
      if (result.exitCode !== 0) {
        const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.exitCode}`;
        throw new RunFailure(
          'COMMAND_FAILED',
          `The command ${how}. Output ends with:\n${redactedTail(context, result.outputTail)}`,
        );
      }
      return `Ran \`${command}\`.`;
    },
  };
}
