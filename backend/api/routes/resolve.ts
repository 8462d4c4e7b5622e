import { Hono } from 'hono';
import { type RepositoryResolution, ResolveRepositoriesRequest } from '../../../common/schemas';
import type { AppEnv, ApiDependencies, ApiLimits } from '../context';
import { readJson } from '../middleware/body';
import { resolveRepositories } from '../resolveRepositories';

/** `POST /repositories/resolve`: what a job's repositoryQuery (plus its listed names) would run, creating nothing. */
export function resolveRoutes(deps: ApiDependencies, limits: ApiLimits): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/resolve', async (c) => {
    const request = await readJson(c, ResolveRepositoriesRequest);
    const listed = request.repositories ?? [];
    const { repositories, notes } = await resolveRepositories(
      deps.codeHost,
      request.repositoryQuery,
      listed,
      limits.maxRepositories,
    );
    const answer: RepositoryResolution = { count: repositories.length, repositories };
    if (notes.length) answer.notes = notes;
    return c.json(answer);
  });
  return app;
}
