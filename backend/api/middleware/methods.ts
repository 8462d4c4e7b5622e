import type { Context, Hono } from 'hono';
import type { AppEnv } from '../context';
import { apiError } from './errors';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** The methods some route (not a middleware) answers at this path. */
function allowedMethods(app: Hono<AppEnv>, path: string): string[] {
  return METHODS.filter((method) => {
    const [matches] = app.router.match(method, path);
    return matches.some(([[, route]]) => route.method === method);
  });
}

/** The app's not-found answer: 405 with `Allow` for a known path asked with the wrong method, else 404. */
export function notFoundOrWrongMethod(app: Hono<AppEnv>) {
  return (c: Context<AppEnv>): Response => {
    const allowed = allowedMethods(app, c.req.path);
    if (allowed.length > 0) {
      c.header('Allow', allowed.join(', '));
      return apiError(c, 'METHOD_NOT_ALLOWED', `${c.req.method} is not allowed here; use ${allowed.join(' or ')}`);
    }
    return apiError(c, 'NOT_FOUND', `No route ${c.req.method} ${clip(c.req.path)}`);
  };
}

/** Caller-supplied text echoed in a message, cut so a 5,000-character id does not come back whole. */
export function clip(text: string, max = 120): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
