import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';

/** Pids of live processes whose command line is exactly `argv` (Linux /proc). */
export async function processesRunning(argv: string[]): Promise<number[]> {
  const wanted = `${argv.join('\0')}\0`;
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline === wanted) found.push(Number(entry));
  }
  return found;
}

/** A `sleep` command line no other test or program runs: `sleep 600.<digits>`. */
export function uniqueSleep(): string[] {
  return ['sleep', `600.${String(process.pid % 10_000).padStart(4, '0')}${Math.floor(Math.random() * 1e6)}`];
}

/** Kills what a failed test may have left. */
export async function killRunning(argv: string[]): Promise<void> {
  for (const pid of await processesRunning(argv)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** Whether the process is alive: it exists and is not a zombie (a container's init may never reap one). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Whether every one of `pids` has stopped running within `timeoutMs`. A SIGKILL takes effect when
 * the process is next scheduled, which on a loaded machine can be some milliseconds after kill()
 * returned: a test that checks a kill waits for it rather than reading /proc once. The bound only
 * ends a wait for a process that was not killed.
 */
export async function stopRunning(pids: readonly number[], timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isRunning)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}
