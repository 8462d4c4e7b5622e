import type { Hono } from 'hono';
import * as z from 'zod';
import { DEFAULT_ALLOWED_HOSTS, SandboxStatus } from '../../common/sandbox';
import { DEFAULT_MAX_REPOSITORIES, Health, MAX_BODY_BYTES } from '../../common/schemas';
import type { AppEnv, ApiDependencies, ApiLimits } from './context';
import { type OwnerResolver, requireOwner } from './middleware/auth';
import { limitBody } from './middleware/body';
import { onError } from './middleware/errors';
import { notFoundOrWrongMethod } from './middleware/methods';
import { type OpenApiDocument, openApiDocument } from './openapi/document';
import { DocumentedRoutes, mount, operationsOf } from './openapi/operation';
import { INLINE_MS } from './operations';
import { changeRoutes } from './routes/changes';
import { jobRoutes } from './routes/jobs';
import { operationRoutes } from './routes/operations';
import { pullRequestRoutes } from './routes/pullRequests';
import { repositoryRoutes } from './routes/repositories';
import { resolveRoutes } from './routes/resolve';

export const DEFAULT_LIMITS: ApiLimits = {
  maxRepositories: DEFAULT_MAX_REPOSITORIES,
  maxBodyBytes: MAX_BODY_BYTES,
  // Node's server has no response limit; on Lambda, createLambdaHandler sets Lambda's.
  maxInlineArtifactBytes: Number.POSITIVE_INFINITY,
  operationMomentMs: INLINE_MS,
};

/**
 * The whole HTTP API as one Hono app. Adapters (Lambda, Node) differ only in how they find the
 * owner, and in the `WWW-Authenticate` challenge of a 401 (none on AWS, where API Gateway answers).
 */
export function createApp(deps: ApiDependencies, resolveOwner: OwnerResolver, challenge?: string): Hono<AppEnv> {
  const limits: ApiLimits = { ...DEFAULT_LIMITS, ...deps.limits };
  const log = deps.log ?? { error: (message: string, details?: unknown) => console.error(message, details) };
  const routes = new DocumentedRoutes('', 'service');
  const { app } = routes;

  app.onError(onError(log));
  app.notFound(notFoundOrWrongMethod(app));

  routes.on(
    {
      operationId: 'health',
      method: 'get',
      path: '/health',
      summary: 'Whether the API is up, and its version',
      auth: false,
      responses: { 200: { description: 'The API is up', json: { name: 'Health', schema: Health } } },
    },
    (c) => c.json({ status: 'ok', version: deps.version }),
  );

  // Written once, on the first request: the operations are all registered by then.
  let document: OpenApiDocument | undefined;
  routes.on(
    {
      operationId: 'getOpenApiDocument',
      method: 'get',
      path: '/openapi.json',
      summary: 'This document: the API in OpenAPI 3.1',
      auth: false,
      responses: {
        200: {
          description: 'The OpenAPI document',
          json: { name: 'OpenApiDocument', schema: z.looseObject({ openapi: z.string() }) },
        },
      },
    },
    (c) => {
      document ??= openApiDocument(operationsOf(app), deps.version);
      return c.json(document);
    },
  );

  app.use('/sandbox', requireOwner(resolveOwner, challenge));
  routes.on(
    {
      operationId: 'getSandbox',
      method: 'get',
      path: '/sandbox',
      summary: 'What holds around the commands jobs run here',
      description:
        'The command sandbox where this API runs jobs: on, off, unavailable (with the line that ' +
        'installs it), or the worker container on AWS; and the hosts every sandboxed command may reach.',
      responses: { 200: { description: 'The sandbox', json: { name: 'SandboxStatus', schema: SandboxStatus } } },
    },
    async (c) => c.json(await sandboxStatusOf(deps)),
  );

  app.use('/jobs', requireOwner(resolveOwner, challenge), limitBody(limits.maxBodyBytes));
  app.use('/jobs/*', requireOwner(resolveOwner, challenge), limitBody(limits.maxBodyBytes));
  mount(app, jobRoutes({ ...deps, log }, limits));
  mount(app, repositoryRoutes({ ...deps, log }, limits));
  mount(app, pullRequestRoutes({ ...deps, log }));
  mount(app, changeRoutes({ ...deps, log }));
  mount(app, operationRoutes({ ...deps, log }));
  app.use('/repositories/*', requireOwner(resolveOwner, challenge), limitBody(limits.maxBodyBytes));
  mount(app, resolveRoutes({ ...deps, log }, limits));

  return app;
}

/** The executor's sandbox, or (none attached, an idle API) the state of one with no workers: off. */
async function sandboxStatusOf(deps: ApiDependencies): Promise<SandboxStatus> {
  return (
    (await deps.executor.sandboxStatus?.()) ?? {
      mode: 'off',
      state: 'off',
      message: 'No workers are attached to this API: it runs no commands.',
      defaultAllowedHosts: [...DEFAULT_ALLOWED_HOSTS],
    }
  );
}

/** The API's OpenAPI document as the app with these limits serves it. */
export function apiDocument(version: string, limits: Partial<ApiLimits> = {}): OpenApiDocument {
  const app = createApp({ version, limits } as ApiDependencies, () => undefined);
  return openApiDocument(operationsOf(app), version);
}
