import { Hono, type Context } from 'hono';
import { artifactKey } from '../../../common/names';
import { emptyUsage, isRepositoryName, RepositoryListQuery, type RepositoryResult } from '../../../common/schemas';
import type { AppEnv, ApiDependencies, ApiLimits } from '../context';
import { readQuery } from '../middleware/body';
import { apiError, RequestError } from '../middleware/errors';
import { ownedJob, withToken } from './jobs';

// A job's repository results and their artifacts. The repository is one path segment,
// `owner%2Fname`, as clients send it with encodeURIComponent.

const PRESIGNED_URL_SECONDS = 300;

export function repositoryRoutes(deps: ApiDependencies, limits: ApiLimits): Hono<AppEnv> {
  const { store, artifacts } = deps;
  const app = new Hono<AppEnv>();

  app.get('/:jobId/repositories', async (c) => {
    const job = await ownedJob(deps, c.req.param('jobId'), c.get('owner'));
    const query = readQuery(c, RepositoryListQuery);
    return c.json(
      await withToken(() => store.repositories.list(job.jobId, query.limit, query.nextToken, query.status)),
    );
  });

  app.get('/:jobId/repositories/:repository', async (c) => c.json(await ownedRepository(deps, c)));

  app.get('/:jobId/repositories/:repository/diff', async (c) => {
    const row = await ownedRepository(deps, c);
    if (row.status === 'NO_CHANGES') return c.body(null, 204);
    if (row.status !== 'COMPLETED') {
      return apiError(
        c,
        'NO_DIFF',
        `${row.repositoryName} is ${row.status}; a diff exists only once it has COMPLETED with changes`,
      );
    }
    const key = artifactKey(row.jobId, row.repositoryName, 'diff.patch');
    if (artifacts.presignedUrl) {
      const size = await artifacts.size(key);
      if (size !== undefined && size > limits.redirectDiffsOverBytes)
        return c.redirect(await artifacts.presignedUrl(key, PRESIGNED_URL_SECONDS), 302);
    }
    const diff = await artifacts.get(key);
    if (!diff) return apiError(c, 'NOT_FOUND', `The diff of ${row.repositoryName} is missing from the artifact store`);
    const fileName = `${row.repositoryName.replace('/', '-')}-${row.jobId}.patch`;
    return c.body(new Uint8Array(diff.body), 200, {
      'content-type': 'text/x-diff; charset=utf-8',
      'content-disposition': `attachment; filename="${fileName}"`,
    });
  });

  app.get('/:jobId/repositories/:repository/claude-thread', async (c) => {
    const row = await ownedRepository(deps, c);
    const thread = await artifacts.get(artifactKey(row.jobId, row.repositoryName, 'thread.json'));
    if (!thread) return c.json({ messages: [], usage: row.usage ?? emptyUsage() });
    return c.body(new Uint8Array(thread.body), 200, { 'content-type': 'application/json' });
  });

  app.get('/:jobId/repositories/:repository/log', async (c) => {
    const row = await ownedRepository(deps, c);
    const log = await artifacts.get(artifactKey(row.jobId, row.repositoryName, 'log.txt'));
    return c.body(log ? new Uint8Array(log.body) : '', 200, { 'content-type': 'text/plain; charset=utf-8' });
  });

  return app;
}

async function ownedRepository(deps: ApiDependencies, c: Context<AppEnv>): Promise<RepositoryResult> {
  const job = await ownedJob(deps, c.req.param('jobId')!, c.get('owner'));
  const repositoryName = c.req.param('repository')!;
  const row = isRepositoryName(repositoryName)
    ? await deps.store.repositories.get(job.jobId, repositoryName)
    : undefined;
  if (!row) throw new RequestError('NOT_FOUND', `Job ${job.jobId} has no repository ${JSON.stringify(repositoryName)}`);
  return row;
}
