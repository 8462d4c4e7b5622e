import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { resultPayload } from '../../backend/store/rowSignatures';
import { localKeys, type WorkerSeal, workerKeyEnvironment } from '../../backend/store/signing';

// Signing keys for tests that drive the store, the API or a worker without the local stack (which
// makes its own in its home): the API's keys as the local stack derives them from one secret text,
// and what a worker is given of them.

const SECRET = 'cody-batch-test-signing-key-0123456789abcdefghijklmnop';

/** The API's keys (a fresh set for another `secret`). */
export function testKeys(secret = SECRET) {
  return localKeys(secret);
}

/** What a worker's environment carries of the test keys: the public keys, and the seal key (a secret). */
export function testWorkerEnv(secret = SECRET): Record<string, string> {
  return workerKeyEnvironment(testKeys(secret));
}

/** The keys of a local stack, from its home's signing.key, as its API and (for the seal) its workers hold them. */
export async function stackKeys(home: string) {
  return localKeys(await readFile(path.join(home, 'signing.key'), 'utf8'));
}

/**
 * What a worker records with a COMPLETED diff, for tests that play one: the commit it was made on,
 * the digest of the patch it stored, and its seal over both.
 */
export function workerResult(
  seal: WorkerSeal,
  row: { jobId: string; repositoryName: string; attempt: number },
  patch: string | Buffer,
  base = { branch: 'main', commit: '0'.repeat(40) },
) {
  const diffDigest = createHash('sha256').update(patch).digest('hex');
  return { base, diffDigest, resultSeal: seal.seal('result', resultPayload({ ...row, base, diffDigest })) };
}
