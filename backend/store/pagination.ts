import * as z from 'zod';

// Opaque pagination tokens: base64url JSON of DynamoDB's LastEvaluatedKey. A token is validated
// against the key's shape and the query it belongs to, so a token from another owner or another
// job is refused instead of leaking rows.

const TokenEnvelope = z.object({ v: z.literal(1), k: z.record(z.string(), z.string()) });

export class InvalidTokenError extends Error {
  constructor() {
    super('nextToken is not a token this list gave out');
    this.name = 'InvalidTokenError';
  }
}

export function encodeToken(key: Record<string, unknown> | undefined): string | undefined {
  if (!key) return undefined;
  return Buffer.from(JSON.stringify({ v: 1, k: key })).toString('base64url');
}

/** The key attributes a list's token holds, each with a check of its value. */
export type TokenKeyShape = Record<string, (value: string) => boolean>;

/**
 * Decodes a token and checks it against `expected`: every expected attribute must be present with
 * that value, only the attributes of `shape` may appear, and each must pass its check. The checks
 * keep values DynamoDB would refuse as a start key (empty, over its key size) from reaching it.
 */
export function decodeToken(
  token: string | undefined,
  shape: TokenKeyShape,
  expected: Record<string, string>,
): Record<string, string> | undefined {
  if (token === undefined) return undefined;
  let envelope: z.infer<typeof TokenEnvelope>;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new InvalidTokenError();
    envelope = TokenEnvelope.parse(JSON.parse(Buffer.from(token, 'base64url').toString('utf8')));
  } catch {
    throw new InvalidTokenError();
  }
  const attributes = Object.keys(shape);
  const keys = Object.keys(envelope.k);
  if (
    keys.length !== attributes.length ||
    !attributes.every((name) => typeof envelope.k[name] === 'string' && shape[name]!(envelope.k[name]!))
  ) {
    throw new InvalidTokenError();
  }
  for (const [name, value] of Object.entries(expected)) {
    if (envelope.k[name] !== value) throw new InvalidTokenError();
  }
  return envelope.k;
}
