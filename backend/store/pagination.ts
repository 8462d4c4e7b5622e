import { z } from 'zod';

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

/**
 * Decodes a token and checks it against `expected`: every expected attribute must be present with
 * that value, and only the listed attributes may appear.
 */
export function decodeToken(
  token: string | undefined,
  attributes: readonly string[],
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
  const keys = Object.keys(envelope.k);
  if (keys.length !== attributes.length || !attributes.every((name) => typeof envelope.k[name] === 'string')) {
    throw new InvalidTokenError();
  }
  for (const [name, value] of Object.entries(expected)) {
    if (envelope.k[name] !== value) throw new InvalidTokenError();
  }
  return envelope.k;
}
