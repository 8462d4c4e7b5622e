import { timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { LOCAL_OWNER } from '../../../common/names';
import type { AppEnv } from '../context';
import { apiError } from './errors';

/** Who is calling: an owner id, or undefined when the request is not authenticated. */
export type OwnerResolver = (c: Context<AppEnv>) => string | undefined;

/** Sets `owner` for the routes after it, or answers 401 (with `challenge` as its `WWW-Authenticate`). */
export function requireOwner(resolve: OwnerResolver, challenge?: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const owner = resolve(c);
    if (!owner) {
      if (challenge) c.header('WWW-Authenticate', challenge);
      return apiError(
        c,
        'UNAUTHORIZED',
        'Missing or wrong credentials; for the local stack send "Authorization: Bearer <token>" with the token from $CODY_BATCH_HOME/token',
      );
    }
    c.set('owner', owner);
    await next();
  };
}

export const BEARER_CHALLENGE = 'Bearer realm="cody-batch"';

/** The local stack's auth: one bearer token, whose holder is the owner `local`. */
export function bearerOwner(token: string): OwnerResolver {
  const expected = Buffer.from(token);
  return (c) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
    if (!match) return undefined;
    const given = Buffer.from(match[1]!);
    return given.length === expected.length && timingSafeEqual(given, expected) ? LOCAL_OWNER : undefined;
  };
}

/** Minimal shape of an API Gateway HTTP API (v2) event, authorized by IAM or by a JWT authorizer. */
interface AuthorizedEvent {
  requestContext?: {
    authorizer?: { iam?: { userArn?: string }; jwt?: { claims?: Record<string, unknown> } };
  };
}

function authorizerOf(c: Context<AppEnv>) {
  return (c.env as { event?: AuthorizedEvent } | undefined)?.event?.requestContext?.authorizer;
}

/** On AWS: API Gateway has already checked the SigV4 signature; the owner is the caller's ARN. */
export const iamOwner: OwnerResolver = (c) => {
  const arn = authorizerOf(c)?.iam?.userArn;
  return typeof arn === 'string' && arn.startsWith('arn:') ? arn : undefined;
};

/** The owner of a person signed in through the user pool: `cognito:` and the token's subject. */
export const JWT_OWNER_PREFIX = 'cognito:';

/**
 * On AWS, behind the web API's JWT authorizer: API Gateway has checked the token's signature,
 * issuer, audience and expiry; the owner is its subject (`sub`, the user pool's id for the person,
 * never reused), prefixed so that no subject can ever equal an IAM ARN.
 */
export const jwtOwner: OwnerResolver = (c) => {
  const sub = authorizerOf(c)?.jwt?.claims?.sub;
  return typeof sub === 'string' && /^[\w-]{1,128}$/.test(sub) ? `${JWT_OWNER_PREFIX}${sub}` : undefined;
};

/** The Lambda's: whichever authorizer API Gateway ran (the IAM API, or the web app's JWT API). */
export const awsOwner: OwnerResolver = (c) => iamOwner(c) ?? jwtOwner(c);
