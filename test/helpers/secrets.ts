import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Files under `folder` holding `secret` anywhere, binary files (the database) included. A secret of
 * several lines (a private key's PEM) counts as found where any of its lines of 16 characters or
 * more is: part of a key is a leak too, and grep reads each line of a pattern as a pattern of its own.
 */
export async function filesContaining(folder: string, secret: string): Promise<string[]> {
  const patterns = secret.includes('\n')
    ? secret.split('\n').filter((line) => line.length >= 16 && !line.startsWith('-----'))
    : [secret];
  try {
    const { stdout } = await run('grep', ['-rlaF', ...patterns.flatMap((pattern) => ['-e', pattern]), '--', folder]);
    return stdout.trim().split('\n').filter(Boolean);
  } catch (error) {
    if ((error as { code?: number }).code === 1) return []; // grep: nothing found
    throw error;
  }
}
