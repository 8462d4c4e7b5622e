import { Hono } from 'hono';
import { BULK_ACTIONS, type BulkAction, BulkActionRequest, PublishRequest } from '../../../common/schemas';
import { runBulkAction } from '../bulkActions';
import type { AppEnv, ApiDependencies } from '../context';
import { readJson } from '../middleware/body';
import { RequestError } from '../middleware/errors';
import { publishJob } from '../publish';
import { refreshJob } from '../pullRequestRefresh';
import { ownedJob } from './jobs';

// A job's pull requests: publish the reviewed diffs, refresh what the code host says of them, and
// merge, close or comment on many at once.

export function pullRequestRoutes(deps: ApiDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/:jobId/publish', async (c) => {
    const request = await readJson(c, PublishRequest, { emptyAllowed: true });
    const job = await ownedJob(deps, c.req.param('jobId'), c.get('owner'));
    return c.json(await publishJob(deps, job, request), 202);
  });

  app.post('/:jobId/pull-requests/refresh', async (c) => {
    const job = await ownedJob(deps, c.req.param('jobId'), c.get('owner'));
    const host = deps.codeHost;
    if (!host || host.pullRequestsRefusal)
      throw new RequestError(
        'PULL_REQUESTS_UNSUPPORTED',
        host?.pullRequestsRefusal ?? 'This server has no code host to ask about pull requests',
      );
    return c.json(await refreshJob(deps.store, host, job));
  });

  app.post('/:jobId/pull-requests/:action', async (c) => {
    const action = c.req.param('action');
    if (!(BULK_ACTIONS as readonly string[]).includes(action))
      throw new RequestError(
        'NOT_FOUND',
        `No pull-request action "${action.slice(0, 40)}": use merge, close or comment`,
      );
    const request = await readJson(c, BulkActionRequest, { emptyAllowed: true });
    const job = await ownedJob(deps, c.req.param('jobId'), c.get('owner'));
    return c.json({ results: await runBulkAction(deps, job, action as BulkAction, request) });
  });

  return app;
}
