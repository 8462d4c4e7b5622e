import { localKeys, workerKeyEnvironment } from '../../backend/store/signing';

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
