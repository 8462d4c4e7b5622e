import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type DynamoCredentials,
  formatDynamoCredentials,
  parseDynamoCredentials,
  StackInfo,
} from '../../common/localHome';

// $CODY_BATCH_HOME: the local stack's secrets (the bearer token, the DynamoDB credentials, the
// signing key), stack.json, database, artifacts and demo repositories. Only its owner may enter it.

export { resolveHome, StackInfo } from '../../common/localHome';

export function homePaths(home: string) {
  return {
    home,
    token: path.join(home, 'token'),
    dynamodbCredentials: path.join(home, 'dynamodb-credentials'),
    signingKey: path.join(home, 'signing.key'),
    previousSigningKey: path.join(home, 'signing.previous.key'),
    stack: path.join(home, 'stack.json'),
    lock: path.join(home, 'stack.lock'),
    db: path.join(home, 'db'),
    artifacts: path.join(home, 'artifacts'),
    demo: path.join(home, 'demo'),
  };
}

/** Makes the home if needed and closes it to everyone but its owner (0700), at every start. */
export async function closeHome(home: string): Promise<void> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  // mkdir's mode applies only to a folder it creates: a home made earlier, or by hand, keeps its own.
  await chmod(home, 0o700);
}

/**
 * A secret kept in the home: read when the file holds a valid one (its mode tightened to 0600 if
 * someone loosened it), else made once and written with mode 0600, whole or not at all.
 */
async function ensureSecretFile<T>(
  file: string,
  parse: (text: string) => T | undefined,
  make: () => { value: T; text: string },
): Promise<T> {
  try {
    const value = parse(await readFile(file, 'utf8'));
    if (value !== undefined) {
      // A secret readable by others is a secret shared with them.
      if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
      return value;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { value, text } = make();
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const partial = `${file}.${process.pid}.tmp`;
  await writeFile(partial, text, { mode: 0o600 });
  await chmod(partial, 0o600);
  await rename(partial, file);
  return value;
}

/** The bearer token: made once with mode 0600, then kept across restarts. */
export function ensureToken(tokenPath: string): Promise<string> {
  return ensureSecretFile(
    tokenPath,
    (text) => (text.trim().length >= 32 ? text.trim() : undefined),
    () => {
      const token = randomBytes(32).toString('base64url');
      return { value: token, text: `${token}\n` };
    },
  );
}

/** The local DynamoDB's credentials (the only ones it accepts): made once with mode 0600, then kept. */
export function ensureDynamoCredentials(file: string): Promise<DynamoCredentials> {
  return ensureSecretFile(file, parseDynamoCredentials, () => {
    const credentials = {
      accessKeyId: `CBL${randomBytes(10).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString('base64url'),
    };
    return { value: credentials, text: formatDynamoCredentials(credentials) };
  });
}

/**
 * The API's signing key (backend/store/signing.ts), as the secret text it is made from: made once
 * with mode 0600, then kept, so what was signed before a restart still verifies after it. Only the
 * stack's API process reads it; its workers get the public key and a key derived from it.
 */
export function ensureSigningKey(file: string): Promise<string> {
  return ensureSecretFile(file, parseKeySecret, () => {
    const secret = randomBytes(32).toString('base64url');
    return { value: secret, text: `${secret}\n` };
  });
}

/**
 * The signing key before the last rotation (docs/operations.md, "Rotating the signing key"), if
 * the home keeps one: what it signed still verifies. Its mode is tightened to 0600 like the others.
 */
export async function previousSigningKey(file: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const secret = parseKeySecret(text);
  if (secret === undefined) throw new Error(`${file} holds no signing key (at least 32 characters)`);
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  return secret;
}

function parseKeySecret(text: string): string | undefined {
  const secret = text.trim();
  return secret.length >= 32 && !/\s/.test(secret) ? secret : undefined;
}

export async function readStackInfo(stackPath: string): Promise<StackInfo | undefined> {
  try {
    const parsed = StackInfo.safeParse(JSON.parse(await readFile(stackPath, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Written beside and renamed over, so a reader (the CLI, the extension) sees the old file or the new, never a cut one. */
export async function writeStackInfo(stackPath: string, info: StackInfo): Promise<void> {
  const written = `${stackPath}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(written, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  await rename(written, stackPath);
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

/**
 * Takes the home for this process: `stack.lock`, created exclusively, holds our pid until
 * `release`. Two stacks starting at once on one home would otherwise both open its database (the
 * second dies inside dynalite) and both write its token. Answers the pid of the live process that
 * holds it instead, if any; a lock left by a process that died is taken over.
 */
export async function lockHome(lockPath: string): Promise<{ release: () => Promise<void> } | { heldBy: number }> {
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(lockPath, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return {
        release: async () => {
          if (Number((await readFile(lockPath, 'utf8').catch(() => '')).trim()) === process.pid)
            await rm(lockPath, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isProcessAlive(holder))
      return { heldBy: holder };
    // Empty (its writer is between create and write, or died there) or stale: give a writer a
    // moment, then take it over. (Two stacks taking over one stale lock at the same instant can
    // both win; the database's own lock still stops the second.)
    if (attempt >= 3) await rm(lockPath, { force: true });
    else await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
