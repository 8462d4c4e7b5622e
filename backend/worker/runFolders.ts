import type { Stats } from 'node:fs';
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
 * 0700). The work folder's name is predictable (`cody-batch-runs-<uid>` in the temporary folder), so
 * another user may have made it first. It is refused when it is a symbolic link, when others may
 * write it without the sticky bit, or when it is another user's: its owner may rename entries in it
 * whatever its mode, and so swap our run folder for one of their own between a clone and a push.
 * Only root's sticky folders (/tmp itself) are shared as they are.
 */
export async function makeRunFolder(workDir: string): Promise<string> {
  await mkdir(workDir, { recursive: true, mode: 0o700 });
  const folder = await lstat(workDir);
  const refusal = refuseWorkFolder(folder);
  if (refusal)
    throw new Error(`The work folder ${workDir} ${refusal}: set CODY_BATCH_WORK_DIR to a folder of your own.`);
  try {
    return await mkdtemp(path.join(workDir, `${PREFIX}${process.pid}-`));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
      throw new Error(
        `Cannot make a run folder in ${workDir} (${code}): set CODY_BATCH_WORK_DIR to a folder you may write.`,
      );
    throw error;
  }
}

/** Why a work folder must not be used, or undefined when it may. */
function refuseWorkFolder(folder: Stats): string | undefined {
  if (!folder.isDirectory()) return 'is not a folder';
  const sticky = (folder.mode & 0o1000) !== 0;
  if ((folder.mode & 0o002) !== 0 && !sticky) return 'is writable by everyone';
  const me = process.getuid?.();
  if (me !== undefined && folder.uid !== me && !(folder.uid === 0 && sticky))
    return `belongs to another user (uid ${folder.uid})`;
  return undefined;
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
