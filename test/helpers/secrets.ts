import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Files under `folder` holding `secret` anywhere, binary files (the database) included. */
export async function filesContaining(folder: string, secret: string): Promise<string[]> {
  try {
    const { stdout } = await run('grep', ['-rlaF', '--', secret, folder]);
    return stdout.trim().split('\n').filter(Boolean);
  } catch (error) {
    if ((error as { code?: number }).code === 1) return []; // grep: nothing found
    throw error;
  }
}
