import { Hono } from 'hono';
import { DEFAULT_MAX_REPOSITORIES, MAX_BODY_BYTES } from '../../common/schemas';
import type { AppEnv, ApiDependencies, ApiLimits } from './context';
import { type OwnerResolver, requireOwner } from './middleware/auth';
import { limitBody } from './middleware/body';
import { onError } from './middleware/errors';
import { notFoundOrWrongMethod } from './middleware/methods';
import { jobRoutes } from './routes/jobs';
import { pullRequestRoutes } from './routes/pullRequests';
import { repositoryRoutes } from './routes/repositories';
import { resolveRoutes } from './routes/resolve';

export const DEFAULT_LIMITS: ApiLimits = {
  maxRepositories: DEFAULT_MAX_REPOSITORIES,
  maxBodyBytes: MAX_BODY_BYTES,
  // Node's server has no response limit; on Lambda, createLambdaHandler sets Lambda's.
  maxInlineArtifactBytes: Number.POSITIVE_INFINITY,
};

/**
 * The whole HTTP API as one Hono app. Adapters (Lambda, Node) differ only in how they find the
 * owner, and in the `WWW-Authenticate` challenge of a 401 (none on AWS, where API Gateway answers).
 */
export function createApp(deps: ApiDependencies, resolveOwner: OwnerResolver, challenge?: string): Hono<AppEnv> {
  const limits: ApiLimits = { ...DEFAULT_LIMITS, ...deps.limits };
  const log = deps.log ?? { error: (message: string, details?: unknown) => console.error(message, details) };
  const app = new Hono<AppEnv>();

  app.onError(onError(log));
  app.notFound(notFoundOrWrongMethod(app));

  app.get('/health', (c) => c.json({ status: 'ok', version: deps.version }));

  app.use('/jobs', requireOwner(resolveOwner, challenge), limitBody(limits.maxBodyBytes));
  app.use('/jobs/*', requireOwner(resolveOwner, challenge), limitBody(limits.maxBodyBytes));
  app.route('/jobs', jobRoutes({ ...deps, log }, limits));
  app.route('/jobs', repositoryRoutes({ ...deps, log }, limits));
  app.route('/jobs', pullRequestRoutes({ ...deps, log }));
  app.use('/repositories/*', requireOwner(resolveOwner, challenge), limitBody(limits.maxBodyBytes));
  app.route('/repositories', resolveRoutes({ ...deps, log }, limits));

  return app;
}
