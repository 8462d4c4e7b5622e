import type { ApiErrorCode } from '../../../common/errors';
import {
  type BulkAction,
  BulkActionRequest,
  BulkActionResponse,
  FollowUpRequest,
  FollowUpResponse,
  Job,
  PublishRequest,
  PublishResponse,
} from '../../../common/schemas';
import { checkBulkAction, namedTargets } from '../bulkActions';
import { runForAMoment, startOperation } from '../operations';
import { operationWorks } from '../operationWorks';
import type { ApiDependencies } from '../context';
import { readJson } from '../middleware/body';
import { DocumentedRoutes, momentAnswers } from '../openapi/operation';
import { publishJob } from '../publish';
import { pullRequestHost } from '../pullRequestHost';
import { refreshJob } from '../pullRequestRefresh';
import { startFollowUp } from '../followUp';
import { startRun } from '../startRun';
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
  'auto-merge': {
    operationId: 'autoMergePullRequests',
    summary:
      'Turn on the host’s auto-merge for the job’s pull requests (merging at once those with nothing left to wait for)',
    example: { filter: { state: ['open'] }, method: 'squash' },
  },
  comment: {
    operationId: 'commentOnPullRequests',
    summary: 'Comment on the job’s pull requests (those named, or those the filter picks)',
    example: { filter: { checks: ['failing'] }, body: 'The checks fail; please have a look.' },
  },
};

/**
 * What a route that pushes to a job's pull requests (publish, follow-up) can refuse with: no job, a
 * job still running, a host without pull requests, a job whose signature does not verify, a publish
 * run already under way.
 */
const PUBLISH_ERRORS: ApiErrorCode[] = [
  'NOT_FOUND',
  'JOB_ACTIVE',
  'PULL_REQUESTS_UNSUPPORTED',
  'UNVERIFIED_JOB',
  'PUBLISH_IN_PROGRESS',
];

export function pullRequestRoutes(deps: ApiDependencies): DocumentedRoutes {
  const routes = new DocumentedRoutes('/jobs', 'jobs');

  routes.on(
    {
      operationId: 'publish',
      method: 'post',
      path: '/jobs/{jobId}/publish',
      summary: 'Open pull requests for completed repositories that have none',
      description:
        'Queues a publish run: the repositories named (default every completed one without a ' +
        'pull request), or only the approved ones. One result per repository.',
      params: { jobId: JOB_ID },
      body: { name: 'PublishRequest', schema: PublishRequest, optional: true, example: { approved: true } },
      responses: {
        202: { description: 'The publish run is queued', json: { name: 'PublishResponse', schema: PublishResponse } },
      },
      errors: [...PUBLISH_ERRORS, 'NOTHING_TO_PUBLISH'],
    },
    async (c) => {
      const request = await readJson(c, PublishRequest, { emptyAllowed: true });
      const job = await ownedJob(deps, c.req.param('jobId')!, c.get('owner'));
      return c.json(await publishJob(deps, job, request), 202);
    },
  );

  routes.on(
    {
      operationId: 'followUp',
      method: 'post',
      path: '/jobs/{jobId}/follow-up',
      summary:
        'Start a follow-up round on open pull requests: fix failing checks, answer review, merge the base in, or follow an instruction',
      description:
        'Each chosen repository with an open pull request runs again from the pull request’s ' +
        'head and makes one commit on top, pushed as a fast-forward of that head once its diff ' +
        'is approved and published (`push: review`) or at once (`push: auto`; never onto a pull ' +
        'request whose auto-merge is on, so an unreviewed push does not merge by itself). ' +
        'Without repositories or a filter, the reason picks the pull requests it applies to. One ' +
        'result per repository: `queued`, or `skipped` with why.',
      params: { jobId: JOB_ID },
      body: {
        name: 'FollowUpRequest',
        schema: FollowUpRequest,
        example: { reason: 'checks', maxRounds: 2 },
      },
      responses: {
        202: {
          description: 'The job (RUNNING when some round started) and one result per repository',
          json: { name: 'FollowUpResponse', schema: FollowUpResponse },
        },
      },
      errors: [...PUBLISH_ERRORS, 'COST_LIMIT_REACHED', 'HOST_UNAVAILABLE'],
    },
    async (c) => {
      const request = await readJson(c, FollowUpRequest);
      const job = await ownedJob(deps, c.req.param('jobId')!, c.get('owner'));
      const { response, started } = await startFollowUp(deps, job, request);
      if (!started) return c.json(response, 202);
      return c.json({ ...response, job: await startRun(deps, response.job) }, 202);
    },
  );

  routes.on(
    {
      operationId: 'refreshPullRequests',
      method: 'post',
      path: '/jobs/{jobId}/pull-requests/refresh',
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
        summary: operation.summary,
        description:
          'An operation: within the host’s pace (GitHub.com: one change a second), waiting out the ' +
          'rate limits it answers. Done within a moment, the answer has every result; else it is ' +
          '202 with the `operation` and the results so far, and the work goes on (follow it with ' +
          '`GET /jobs/{jobId}/operations/{operationId}` and `…/results`).',
        params: { jobId: JOB_ID },
        body: { name: 'BulkActionRequest', schema: BulkActionRequest, optional: true, example: operation.example },
        responses: momentAnswers(
          { name: 'BulkActionResponse', schema: BulkActionResponse },
          'One result per repository',
          'The operation, going on, and the results so far',
        ),
        errors: ['NOT_FOUND', 'PULL_REQUESTS_UNSUPPORTED', 'OPERATION_IN_PROGRESS'],
      },
      async (c) => {
        const since = Date.now();
        const request = await readJson(c, BulkActionRequest, { emptyAllowed: true });
        const job = await ownedJob(deps, c.req.param('jobId')!, c.get('owner'));
        checkBulkAction(deps, action, request);
        const names = await namedTargets(deps, job, request);
        const { repositories: _named, ...order } = request;
        const state = await startOperation(deps, job, action, order, names ? { names, phase: 'items' } : {});
        const moment = await runForAMoment(deps, operationWorks, state, since);
        if (moment.end === 'done') return c.json({ results: moment.results });
        if (moment.end === 'failed') throw new Error(moment.operation.message ?? `The ${action} failed`);
        return c.json({ results: moment.results, operation: moment.operation }, 202);
      },
    );
  }

  return routes;
}
