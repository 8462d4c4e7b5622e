import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { StackInfo } from '../../common/localHome';

// $CODY_BATCH_HOME: the local stack's token, stack.json, database, artifacts and demo repositories.

export { resolveHome, StackInfo } from '../../common/localHome';

export function homePaths(home: string) {
  return {
    home,
    token: path.join(home, 'token'),
    stack: path.join(home, 'stack.json'),
    db: path.join(home, 'db'),
    artifacts: path.join(home, 'artifacts'),
    demo: path.join(home, 'demo'),
  };
}

/** The bearer token: made once with mode 0600, then kept across restarts. */
export async function ensureToken(tokenPath: string): Promise<string> {
  try {
    const token = (await readFile(tokenPath, 'utf8')).trim();
    if (token.length >= 32) {
      // Someone may have loosened it; a token readable by others is a token shared with them.
      if (((await stat(tokenPath)).mode & 0o077) !== 0) await chmod(tokenPath, 0o600);
      return token;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = randomBytes(32).toString('base64url');
  await mkdir(path.dirname(tokenPath), { recursive: true, mode: 0o700 });
  await writeFile(tokenPath, `${token}\n`, { mode: 0o600 });
  await chmod(tokenPath, 0o600);
  return token;
}

export async function readStackInfo(stackPath: string): Promise<StackInfo | undefined> {
  try {
    const parsed = StackInfo.safeParse(JSON.parse(await readFile(stackPath, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export async function writeStackInfo(stackPath: string, info: StackInfo): Promise<void> {
  await writeFile(stackPath, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
}

export async function removeStackInfo(stackPath: string, pid: number): Promise<void> {
  const current = await readStackInfo(stackPath);
  if (current && current.pid !== pid) return; // another stack's file: leave it
  await rm(stackPath, { force: true });
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The stack recorded in stack.json, if its process is still alive. */
export async function runningStack(stackPath: string): Promise<StackInfo | undefined> {
  const info = await readStackInfo(stackPath);
  return info && info.pid !== process.pid && isProcessAlive(info.pid) ? info : undefined;
}
