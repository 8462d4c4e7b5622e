import { closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';

// /proc/<pid>/environ shows the environment block a process started with, whatever it later does
// to process.env, and every process of the same user may read it (a command run as that user can
// read its worker's and the stack's). This removes variables from both: from process.env, and from
// the block itself, whose bytes are overwritten in place through /proc/self/mem (Linux only).

/**
 * Takes `names` out of this process's environment: out of process.env, and their `NAME=value`
 * bytes blanked (NUL) in the start-up block. True when /proc/self/environ shows none of them
 * afterwards; false where it cannot be done (not Linux, /proc/self/mem refused).
 */
export function removeFromStartupEnvironment(names: readonly string[]): boolean {
  // unsetenv first: once no environ pointer refers to an entry, overwriting it breaks nothing.
  for (const name of names) delete process.env[name];
  if (process.platform !== 'linux') return false;
  try {
    const { start, end } = environBounds();
    const fd = openSync('/proc/self/mem', 'r+');
    try {
      const block = Buffer.alloc(end - start);
      readSync(fd, block, 0, block.length, start);
      for (const [offset, length] of entriesNamed(block, names)) {
        writeSync(fd, Buffer.alloc(length), 0, length, start + offset);
      }
    } finally {
      closeSync(fd);
    }
    return entriesNamed(readFileSync('/proc/self/environ'), names).length === 0;
  } catch {
    return false;
  }
}

/** env_start and env_end, fields 50 and 51 of /proc/self/stat (after the parenthesised command name). */
function environBounds(): { start: number; end: number } {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = Number(fields[47]);
  const end = Number(fields[48]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end <= start || end - start > 1 << 24) {
    throw new Error('Unexpected /proc/self/stat');
  }
  return { start, end };
}

/** [offset, length] of each NUL-terminated `NAME=…` entry of a block whose name is one of `names`. */
function entriesNamed(block: Buffer, names: readonly string[]): [number, number][] {
  const prefixes = names.map((name) => Buffer.from(`${name}=`));
  const found: [number, number][] = [];
  let offset = 0;
  while (offset < block.length) {
    const nul = block.indexOf(0, offset);
    const entryEnd = nul < 0 ? block.length : nul;
    const entry = block.subarray(offset, entryEnd);
    if (prefixes.some((prefix) => entry.subarray(0, prefix.length).equals(prefix))) {
      found.push([offset, entryEnd - offset]);
    }
    offset = entryEnd + 1;
  }
  return found;
}
