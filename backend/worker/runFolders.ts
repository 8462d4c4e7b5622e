import { lstat, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import path from 'node:path';

// A run clones into <work dir>/cody-batch-run-<worker pid>-<random>. The pid in the name lets the
// local executor remove the folder of a worker that died without cleaning up (SIGKILL, out of
// memory), and a stack at start those of workers no longer alive, never a live one's. A pid that
// was reused by another process keeps its folder until that process is gone too.

const PREFIX = 'cody-batch-run-';
const NAME = /^cody-batch-run-(\d+)-/;

/**
 * Makes this worker's run folder (mode 0700), and the work folder first when it is missing (mode
 * 0700). A work folder that is a symbolic link, or that others may write without the sticky bit,
 * is refused: in a shared /tmp another user could have made it first to move our clones.
 */
export async function makeRunFolder(workDir: string): Promise<string> {
  await mkdir(workDir, { recursive: true, mode: 0o700 });
  const folder = await lstat(workDir);
  const othersMayMove = (folder.mode & 0o002) !== 0 && (folder.mode & 0o1000) === 0;
  if (!folder.isDirectory() || othersMayMove) {
    throw new Error(
      `The work folder ${workDir} is ${folder.isDirectory() ? 'writable by everyone' : 'not a folder'}: set CODY_BATCH_WORK_DIR to a folder of your own.`,
    );
  }
  return mkdtemp(path.join(workDir, `${PREFIX}${process.pid}-`));
}

/** Removes the run folders of worker `pid`, which has exited. Returns how many. */
export async function removeRunFoldersOf(workDir: string, pid: number): Promise<number> {
  return removeWhere(workDir, (owner) => owner === pid);
}

/** Removes the run folders whose worker is no longer alive. Returns how many. */
export async function removeOrphanedRunFolders(workDir: string): Promise<number> {
  return removeWhere(workDir, (owner) => !isAlive(owner));
}

async function removeWhere(workDir: string, test: (pid: number) => boolean): Promise<number> {
  let names: string[];
  try {
    names = await readdir(workDir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const owner = NAME.exec(name)?.[1];
    if (owner === undefined || !test(Number(owner))) continue;
    try {
      await rm(path.join(workDir, name), { recursive: true, force: true });
      removed++;
    } catch {
      // Another user's, or in use: left alone.
    }
  }
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, and another user's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
