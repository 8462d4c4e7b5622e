import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign as signBytes,
  timingSafeEqual,
  verify as verifyBytes,
} from 'node:crypto';
import { ENV } from '../../common/names';
import type { Job } from '../../common/schemas';

// Who may say what runs and what is pushed (docs/architecture.md, "Chain of custody").
//
// - The API signs, with an Ed25519 key only it holds ($CODY_BATCH_HOME/signing.key locally, a
//   Secrets Manager secret only the API Lambda may read on AWS): the job item (its task, its name
//   lists, its publish run), each row's task (note, task revision, the push it may replace), each
//   patch revision with its digest, each approval with the digest and base it approved, each
//   publication with what it must push. Workers and the local executor hold only the public keys:
//   they can check a signature, never make one.
// - A worker seals what only it knows (the commit it cloned with its diff's digest, the commit it
//   pushed) with an HMAC key the workers and the API share and the table's writers do not. The API
//   checks a seal before it signs anything that builds on it, so a value written around both is
//   never signed, and a worker never acts on a value the API has not signed.
//
// A key is made from a secret text of at least 32 characters (the local key file, or the secret a
// stack generated): its SHA-256 is the Ed25519 seed. Rotating it keeps the previous key trusted, so
// what was signed before still verifies until the next rotation (docs/operations.md).

/** What an API signature is about; each kind signs its own payload shape (./rowSignatures.ts). */
export type SignedKind = 'job' | 'task' | 'revision' | 'approval' | 'publication';
/** What a worker's seal is about. */
export type SealedKind = 'result' | 'push';

export const MIN_KEY_SECRET_CHARS = 32;

export interface Verifier {
  /** True when `signature` is a trusted key's over this kind and payload. */
  verifies(kind: SignedKind, payload: unknown, signature: string | undefined): boolean;
  /** The trusted public keys (raw Ed25519, base64url), the current one first: CODY_BATCH_TRUSTED_KEYS. */
  readonly publicKeys: readonly string[];
}

export interface Signer extends Verifier {
  sign(kind: SignedKind, payload: unknown): string;
}

export interface WorkerSeal {
  seal(kind: SealedKind, payload: unknown): string;
  /** True when `seal` is the current or the previous worker key's over this kind and payload. */
  verifies(kind: SealedKind, payload: unknown, seal: string | undefined): boolean;
}

/** What the API holds: its signing key, and the workers' seal key to check what they recorded. */
export interface ApiKeys {
  signer: Signer;
  workerSeal: WorkerSeal;
}

/** What a worker (and the local executor) holds: the API's public keys, and the seal key. */
export interface WorkerKeys {
  verifier: Verifier;
  workerSeal: WorkerSeal;
}

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');

/** The API's keys from the secret texts: `current` signs; it and `previous` verify. */
export function signerFrom(current: string, previous: readonly string[] = []): Signer {
  const key = privateKeyFrom(current);
  const verifier = verifierFrom([current, ...previous].map(publicKeyOf));
  const id = keyId(rawPublicKey(createPublicKey(key)));
  return {
    publicKeys: verifier.publicKeys,
    verifies: verifier.verifies,
    sign: (kind, payload) => `${id}.${signBytes(null, message(kind, payload), key).toString('base64url')}`,
  };
}

/** The raw public key (base64url) of a secret text's signing key. */
export function publicKeyOf(secret: string): string {
  return rawPublicKey(createPublicKey(privateKeyFrom(secret))).toString('base64url');
}

/** A verifier of the given public keys (raw Ed25519, base64url). Throws on one that is not a key. */
export function verifierFrom(publicKeys: readonly string[]): Verifier {
  if (publicKeys.length === 0) throw new Error('At least one trusted public key is needed');
  const keys = new Map<string, KeyObject>();
  for (const text of publicKeys) {
    const raw = Buffer.from(text, 'base64url');
    if (raw.length !== 32 || raw.toString('base64url') !== text)
      throw new Error(`"${text.slice(0, 12)}…" is not an Ed25519 public key (32 bytes, base64url)`);
    keys.set(keyId(raw), createPublicKey({ key: Buffer.concat([SPKI_ED25519, raw]), format: 'der', type: 'spki' }));
  }
  return {
    publicKeys: [...new Set(publicKeys)],
    verifies(kind, payload, signature) {
      if (typeof signature !== 'string') return false;
      const dot = signature.indexOf('.');
      const key = keys.get(signature.slice(0, dot));
      if (dot < 0 || !key) return false;
      const bytes = Buffer.from(signature.slice(dot + 1), 'base64url');
      return bytes.length === 64 && verifyBytes(null, message(kind, payload), key, bytes);
    },
  };
}

/** Trusted keys as CODY_BATCH_TRUSTED_KEYS carries them: comma-separated. */
export function parseTrustedKeys(text: string): string[] {
  return text
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean);
}

/** The workers' seal from its key texts, the current one first (it seals; all verify). */
export function workerSealFrom(keys: readonly string[]): WorkerSeal {
  if (keys.length === 0 || keys.some((key) => key.trim().length < MIN_KEY_SECRET_CHARS))
    throw new Error(`A worker key must hold at least ${MIN_KEY_SECRET_CHARS} characters`);
  const macKeys = keys.map((key) => createHash('sha256').update(`cody-batch worker key\n${key.trim()}`).digest());
  const mac = (key: Buffer, kind: SealedKind, payload: unknown) =>
    createHmac('sha256', key).update(message(kind, payload)).digest();
  return {
    seal: (kind, payload) => mac(macKeys[0]!, kind, payload).toString('base64url'),
    verifies(kind, payload, seal) {
      if (typeof seal !== 'string') return false;
      const given = Buffer.from(seal, 'base64url');
      return macKeys.some((key) => {
        const expected = mac(key, kind, payload);
        return given.length === expected.length && timingSafeEqual(given, expected);
      });
    },
  };
}

/**
 * The local stack's worker key, made from its signing key's secret (one file to keep and rotate):
 * one-way, so a worker holding it learns nothing of the signing key.
 */
export function localWorkerKey(signingSecret: string): string {
  return createHmac('sha256', signingSecret.trim()).update('cody-batch local worker key').digest('base64url');
}

/** The local stack's keys from its key files' texts: the API's, and what its workers get. */
export function localKeys(
  current: string,
  previous: readonly string[] = [],
): ApiKeys & { workerKey: string; previousWorkerKey?: string } {
  const workerKey = localWorkerKey(current);
  const previousWorkerKey = previous[0] === undefined ? undefined : localWorkerKey(previous[0]);
  return {
    signer: signerFrom(current, previous),
    workerSeal: workerSealFrom(previousWorkerKey ? [workerKey, previousWorkerKey] : [workerKey]),
    workerKey,
    ...(previousWorkerKey ? { previousWorkerKey } : {}),
  };
}

/** What a worker is given of these keys: the trusted public keys (not secret) and the seal keys (secrets). */
export function workerKeyEnvironment(keys: {
  signer: Verifier;
  workerKey: string;
  previousWorkerKey?: string;
}): Record<string, string> {
  return {
    [ENV.trustedKeys]: keys.signer.publicKeys.join(','),
    [ENV.workerKey]: keys.workerKey,
    ...(keys.previousWorkerKey ? { [ENV.previousWorkerKey]: keys.previousWorkerKey } : {}),
  };
}

function privateKeyFrom(secret: string): KeyObject {
  const text = secret.trim();
  if (text.length < MIN_KEY_SECRET_CHARS)
    throw new Error(`A signing key's secret must hold at least ${MIN_KEY_SECRET_CHARS} characters`);
  const seed = createHash('sha256').update(`cody-batch signing key\n${text}`).digest();
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
}

function rawPublicKey(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519.length);
}

function keyId(raw: Buffer): string {
  return createHash('sha256').update(raw).digest('hex').slice(0, 16);
}

/** The bytes signed: the scheme, the kind, and the payload as canonical JSON. */
function message(kind: string, payload: unknown): Buffer {
  return Buffer.from(`cody-batch/${kind}/v1\n${canonicalJson(payload)}`);
}

/**
 * What moves while a job runs, and so is not signed: its status, counters (run, review and
 * pull-request counts, the burndown, the latest bulk operation's progress), usage, timestamps, the executor's reference and the
 * signature itself. Everything else (identity, the change, its task revisions, the run and the
 * publish run with their name lists' digests, every option a worker reads, and any field added
 * later) is signed, so a new field that decides what runs is covered without anyone remembering to.
 */
const UNSIGNED_JOB_FIELDS: ReadonlySet<string> = new Set([
  'status',
  'counts',
  'usage',
  'updatedAt',
  'startedAt',
  'finishedAt',
  'executorRef',
  'shardSize',
  'signature',
  'reviewCounts',
  'pullRequestCounts',
  'pullRequestsRefreshedAt',
  'burndown',
  // The latest bulk operation's progress (a retry's own run is signed in its job write).
  'operation',
]);

function jobPayload(job: Job): Record<string, unknown> {
  return Object.fromEntries(Object.entries(job).filter(([key]) => !UNSIGNED_JOB_FIELDS.has(key)));
}

/** The job's signature, for its `signature`. */
export function signJob(signer: Signer, job: Job): string {
  return signer.sign('job', jobPayload(job));
}

/** True when the job carries the API's signature of what it runs now. */
export function jobVerifies(verifier: Verifier, job: Job): boolean {
  return verifier.verifies('job', jobPayload(job), job.signature);
}

/** JSON with object keys sorted at every depth, so the same value always signs the same bytes. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
