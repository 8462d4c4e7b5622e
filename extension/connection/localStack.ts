import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveHome, StackInfo } from '../../common/localHome';

// What "Connect to Local Stack" reads from the local home: stack.json (the API URL, while the
// stack runs) and the bearer token. No vscode here.

/** The setting if given (with `~` expanded), else `$CODY_BATCH_HOME`, else `~/.cody-batch`. */
export function localHome(setting: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const configured = setting?.trim();
  if (!configured) return resolveHome(env);
  if (configured === '~' || configured.startsWith('~/')) return path.join(os.homedir(), configured.slice(1));
  return path.resolve(configured);
}

export interface LocalStackFiles {
  home: string;
  /** stack.json, when present and well-formed. */
  stack: StackInfo | undefined;
  /** Why stack.json could not be used, when it could not. */
  stackProblem: string | undefined;
  /** The token file's content, when present. */
  token: string | undefined;
}

export async function readLocalStackFiles(home: string): Promise<LocalStackFiles> {
  const files: LocalStackFiles = { home, stack: undefined, stackProblem: undefined, token: undefined };
  const stackPath = path.join(home, 'stack.json');
  try {
    const parsed = StackInfo.safeParse(JSON.parse(await readFile(stackPath, 'utf8')));
    if (parsed.success) files.stack = parsed.data;
    else files.stackProblem = `${stackPath} is not what the local stack writes`;
  } catch (error) {
    files.stackProblem =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? `there is no ${stackPath}` : `${stackPath} cannot be read`;
  }
  try {
    const token = (await readFile(path.join(home, 'token'), 'utf8')).trim();
    if (token) files.token = token;
  } catch {
    // Absent: the user is asked for it.
  }
  return files;
}

/** True when stack.json names a process that is still alive on this machine. */
export function isStackProcessAlive(stack: StackInfo): boolean {
  try {
    process.kill(stack.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
