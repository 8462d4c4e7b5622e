import * as z from 'zod';
import { Operation, OperationResultsPage } from '../../../common/schemas';
import type { ApiDependencies } from '../context';
import { readQuery } from '../middleware/body';
import { RequestError } from '../middleware/errors';
import { clip } from '../middleware/methods';
import { DocumentedRoutes, type Parameter } from '../openapi/operation';
import { JOB_ID, ownedJob, withToken } from './jobs';

// A job's bulk operations (backend/api/operations.ts): how one stands, and its per-repository
// results as they settle. The job item carries its latest operation; an earlier one is read from
// the copy it left when it ended.

const OPERATION_ID: Parameter = {
  description: 'The operation’s id, as the request that started it answered',
  schema: z.string().regex(/^[a-z0-9]{10,40}$/),
};

export function operationRoutes(deps: ApiDependencies): DocumentedRoutes {
  const routes = new DocumentedRoutes('/jobs', 'jobs');

  routes.on(
    {
      operationId: 'getOperation',
      method: 'get',
      path: '/jobs/{jobId}/operations/{operationId}',
      summary: 'How a bulk operation stands: done, skipped, failed, what is left, and any wait',
      params: { jobId: JOB_ID, operationId: OPERATION_ID },
      responses: { 200: { description: 'The operation', json: { name: 'Operation', schema: Operation } } },
      errors: ['NOT_FOUND'],
    },
    async (c) => {
      const job = await ownedJob(deps, c.req.param('jobId')!, c.get('owner'));
      return c.json(await operationOf(deps, job, c.req.param('operationId')!));
    },
  );

  routes.on(
    {
      operationId: 'listOperationResults',
      method: 'get',
      path: '/jobs/{jobId}/operations/{operationId}/results',
      summary: 'A bulk operation’s results, one per repository, in the order they settled',
      description:
        'A retry, continue or cancel keeps only the repositories it left as they were (with why); the others keep every result.',
      params: { jobId: JOB_ID, operationId: OPERATION_ID },
      query: ResultsQuery,
      responses: {
        200: {
          description: 'A page of results',
          json: { name: 'OperationResultsPage', schema: OperationResultsPage },
        },
      },
      errors: ['NOT_FOUND', 'INVALID_NEXT_TOKEN'],
    },
    async (c) => {
      const job = await ownedJob(deps, c.req.param('jobId')!, c.get('owner'));
      const operation = await operationOf(deps, job, c.req.param('operationId')!);
      const query = readQuery(c, ResultsQuery);
      return c.json(
        await withToken(() => deps.store.operations.results(job.jobId, operation.operationId, query.nextToken)),
      );
    },
  );

  return routes;
}

const ResultsQuery = z.strictObject({ nextToken: z.string().max(2_000).optional() });

async function operationOf(
  deps: ApiDependencies,
  job: Parameters<ApiDependencies['store']['operations']['get']>[0],
  operationId: string,
): Promise<Operation> {
  const operation = /^[a-z0-9]{10,40}$/.test(operationId)
    ? await deps.store.operations.get(job, operationId)
    : undefined;
  if (!operation) throw new RequestError('NOT_FOUND', `Job ${job.jobId} has no operation ${clip(operationId)}`);
  return operation;
}
