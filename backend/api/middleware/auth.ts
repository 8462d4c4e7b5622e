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

/** Minimal shape of an API Gateway HTTP API (v2) event with IAM authorization. */
interface IamAuthorizedEvent {
  requestContext?: { authorizer?: { iam?: { userArn?: string } } };
}

/** On AWS: API Gateway has already checked the SigV4 signature; the owner is the caller's ARN. */
export const iamOwner: OwnerResolver = (c) => {
  const event = (c.env as { event?: IamAuthorizedEvent } | undefined)?.event;
  const arn = event?.requestContext?.authorizer?.iam?.userArn;
  return typeof arn === 'string' && arn.startsWith('arn:') ? arn : undefined;
};
