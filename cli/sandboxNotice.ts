import { type SandboxStatus, sandboxNotice } from '../common/sandbox';

/**
 * Says on the terminal what holds around the stack's commands: a line when the sandbox is on
 * (`label`, when given), or a warning on stderr, with the line that installs what is missing.
 */
export function printSandboxNotice(status: SandboxStatus | undefined, label?: string): void {
  if (!status) return;
  const notice = sandboxNotice(status);
  if (notice.warning) console.error(`\n${notice.text}\n`);
  else if (label) console.log(`${label}${notice.text}`);
}
