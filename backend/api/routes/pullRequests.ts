import { Hono } from 'hono';
import {
  type BulkAction,
  BulkActionRequest,
  BulkActionResponse,
  Job,
  PublishRequest,
  PublishResponse,
} from '../../../common/schemas';
import { runBulkAction } from '../bulkActions';
import type { AppEnv, ApiDependencies } from '../context';
import { readJson } from '../middleware/body';
import { documentedRoutes } from '../openapi/operation';
import { publishJob } from '../publish';
import { pullRequestHost } from '../pullRequestHost';
import { refreshJob } from '../pullRequestRefresh';
import { JOB_ID, ownedJob } from './jobs';

// A job's pull requests: publish the reviewed diffs, refresh what the code host says of them, and
// merge, close or comment on many at once.

/** Each bulk action is its own operation: one path, one body's meaning. */
const BULK_OPERATIONS: Record<BulkAction, { operationId: string; summary: string; example: BulkActionRequest }> = {
  merge: {
    operationId: 'mergePullRequests',
    summary: 'Merge the job’s pull requests (those named, or those the filter picks)',
    example: { filter: { checks: ['passing'], review: ['approved'] }, method: 'squash', deleteBranch: true },
  },
  close: {
    operationId: 'closePullRequests',
    summary: 'Close the job’s pull requests (those named, or those the filter picks)',
    example: { repositories: ['acme/gadgets'] },
  },
  comment: {
    operationId: 'commentOnPullRequests',
    summary: 'Comment on the job’s pull requests (those named, or those the filter picks)',
    example: { filter: { checks: ['failing'] }, body: 'The checks fail; please have a look.' },
  },
};

export function pullRequestRoutes(deps: ApiDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const routes = documentedRoutes(app, '/jobs');

  routes.on(
    {
      operationId: 'publish',
      method: 'post',
      path: '/jobs/{jobId}/publish',
      tag: 'jobs',
      summary: 'Open pull requests for completed repositories that have none',
      description:
        'Queues a publish run: the repositories named (default every completed one without a pull request), or only the approved ones. One result per repository.',
      params: { jobId: JOB_ID },
      body: { name: 'PublishRequest', schema: PublishRequest, optional: true, example: { approved: true } },
      responses: {
        202: { description: 'The publish run is queued', json: { name: 'PublishResponse', schema: PublishResponse } },
      },
      errors: [
        'NOT_FOUND',
        'JOB_ACTIVE',
        'PULL_REQUESTS_UNSUPPORTED',
        'UNVERIFIED_JOB',
        'PUBLISH_IN_PROGRESS',
        'NOTHING_TO_PUBLISH',
      ],
    },
    async (c) => {
      const request = await readJson(c, PublishRequest, { emptyAllowed: true });
      const job = await ownedJob(deps, c.req.param('jobId')!, c.get('owner'));
      return c.json(await publishJob(deps, job, request), 202);
    },
  );

  routes.on(
    {
      operationId: 'refreshPullRequests',
      method: 'post',
      path: '/jobs/{jobId}/pull-requests/refresh',
      tag: 'jobs',
      summary: 'Ask the code host about the job’s pull requests now',
      params: { jobId: JOB_ID },
      responses: {
        200: { description: 'The job, with its pull-request counts and burndown', json: { name: 'Job', schema: Job } },
      },
      errors: ['NOT_FOUND', 'PULL_REQUESTS_UNSUPPORTED', 'HOST_UNAVAILABLE'],
    },
    async (c) => {
      const job = await ownedJob(deps, c.req.param('jobId')!, c.get('owner'));
      const host = pullRequestHost(deps, 'ask about pull requests');
      return c.json(await refreshJob(deps.store, host.pullRequests, job));
    },
  );

  for (const [action, operation] of Object.entries(BULK_OPERATIONS) as [
    BulkAction,
    (typeof BULK_OPERATIONS)[BulkAction],
  ][]) {
    routes.on(
      {
        operationId: operation.operationId,
        method: 'post',
        path: `/jobs/{jobId}/pull-requests/${action}`,
        tag: 'jobs',
        summary: operation.summary,
        description:
          'Some results may be `waiting` (the host’s rate limit, the request’s time budget): send those repositories again after `retryAfterSeconds`.',
        params: { jobId: JOB_ID },
        body: { name: 'BulkActionRequest', schema: BulkActionRequest, optional: true, example: operation.example },
        responses: {
          200: {
            description: 'One result per repository',
            json: { name: 'BulkActionResponse', schema: BulkActionResponse },
          },
        },
        errors: ['NOT_FOUND', 'PULL_REQUESTS_UNSUPPORTED'],
      },
      async (c) => {
        const request = await readJson(c, BulkActionRequest, { emptyAllowed: true });
        const job = await ownedJob(deps, c.req.param('jobId')!, c.get('owner'));
        return c.json({ results: await runBulkAction(deps, job, action, request) });
      },
    );
  }

  return app;
}
