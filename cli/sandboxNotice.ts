import { type SandboxStatus, sandboxNotice } from '../common/sandbox';
import { say, sayError } from './terminal';

/**
 * Says on the terminal what holds around the stack's commands: a line when the sandbox is on
 * (`label`, when given), or a warning on stderr, with the line that installs what is missing.
 */
export function printSandboxNotice(status: SandboxStatus | undefined, label?: string): void {
  if (!status) return;
  const notice = sandboxNotice(status);
  if (notice.warning) sayError(`\n${notice.text}\n`);
  else if (label) say(`${label}${notice.text}`);
}
