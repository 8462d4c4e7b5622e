import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { ENV } from '../../common/names';

// Finding every process a run started, including those that left the command's process group
// (`setsid daemon &`, double forks) and were re-parented to init. Each command's environment
// carries CODY_BATCH_RUN_MARKER=<random, one per worker>; children inherit it, and Linux keeps it
// in /proc/<pid>/environ, the block the process started with, whatever it does to its variables.
// After each command the worker kills every process whose block holds the marker, and the local
// executor does the same when a worker ends, however it ended.
//
// Limits, said plainly: Linux only (no /proc elsewhere, where this finds nothing); only processes
// of our own user can be read (on AWS commands run as another user, killed there with
// `kill -KILL -1` as that user instead, see commandRunner.ts); a process that execs itself with a
// new environment (`env -i`), or overwrites its own start-up block, no longer carries the marker
// and escapes. It is a clean-up for honest code, not a sandbox.

/** A new marker value: 128 random bits, so no other run's processes match it. */
export function newRunMarker(): string {
  return randomBytes(16).toString('hex');
}

/** Scans repeat while they find something, so children forked during a scan are caught by the next. */
const MAX_ROUNDS = 50;

/**
 * SIGKILLs every readable process whose start-up environment holds `CODY_BATCH_RUN_MARKER=marker`,
 * but those in `except` (the worker itself carries the marker). Returns how many were killed.
 */
export function killMarkedProcesses(marker: string, except: readonly number[] = [process.pid]): number {
  if (process.platform !== 'linux' || !/^[0-9a-f]{16,}$/.test(marker)) return 0;
  const entry = Buffer.from(`${ENV.runMarker}=${marker}\0`);
  let killed = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const found = markedProcesses(entry).filter((pid) => !except.includes(pid));
    if (found.length === 0) break;
    for (const pid of found) {
      try {
        process.kill(pid, 'SIGKILL');
        killed++;
      } catch {
        // Gone already.
      }
    }
  }
  return killed;
}

/** Pids whose start-up environment has `entry` (`NAME=value\0`) as one of its NUL-separated entries. */
function markedProcesses(entry: Buffer): number[] {
  const afterAnother = Buffer.concat([Buffer.from([0]), entry]);
  const found: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    let environ: Buffer;
    try {
      // Another user's processes (EACCES) and those already gone are skipped.
      environ = readFileSync(`/proc/${name}/environ`);
    } catch {
      continue;
    }
    if (environ.subarray(0, entry.length).equals(entry) || environ.includes(afterAnother)) found.push(Number(name));
  }
  return found;
}
