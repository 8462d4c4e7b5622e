import type { Context } from 'hono';
import type { ApiErrorCode } from '../../../common/errors';
import * as z from 'zod';
import { isJobId, JOB_ID_PATTERN, newJobId } from '../../../common/ids';
import { chooseSample } from '../../../common/sample';
import {
  CancelRequest,
  ContinueRequest,
  createJobRequestSchema,
  DeleteJobRequest,
  DeleteJobResponse,
  type CreateJobRequest,
  DEFAULT_MODEL,
  emptyUsage,
  Job,
  JobPage,
  type NameList,
  ListQuery,
  notesByRepository,
  repositoryInstructionsIssues,
  RetryRequest,
  sampleSizeProblem,
} from '../../../common/schemas';
import { type CommandsOfJob, sandboxRefusal } from '../../../common/sandbox';
import { isFinalJobStatus } from '../../../common/status';
import { nextRevision, revisesTask, revisionProblem } from '../../../common/tasks';
import { jobItemBytes, MAX_JOB_ITEM_BYTES } from '../../store/jobs';
import { expiresAtFor } from '../../store/retention';
import { runBulkAction } from '../bulkActions';
import { InvalidTokenError } from '../../store/pagination';
import {
  type ContinueOutcome,
  JobNotCreatedError,
  JobTooLargeError,
  type NewJob,
  type RetryOutcome,
  retryRefusal,
} from '../../store/store';
import type { AppEnv, ApiDependencies, ApiLimits } from '../context';
import { readJson, readQuery } from '../middleware/body';
import { apiError, isUnavailable, RequestError } from '../middleware/errors';
import { clip } from '../middleware/methods';
import { DocumentedRoutes, type Parameter } from '../openapi/operation';
import { checkHostNames } from '../hostNames';
import { pullRequestsRefusal } from '../pullRequestHost';
import { type Resolved, resolveRepositories } from '../resolveRepositories';
import { startRun } from '../startRun';
import { abandonOperation, itemsPhase, runForAMoment, startOperation } from '../operations';
import type { OperationState } from '../../store/operations';
import { operationWorks } from '../operationWorks';
import { retriesInBackground } from '../rowOperations';

export function jobRoutes(deps: ApiDependencies, limits: ApiLimits): DocumentedRoutes {
  const { store, executor } = deps;
  const createSchema = createJobRequestSchema({ maxRepositories: limits.maxRepositories });
  const routes = new DocumentedRoutes('/jobs', 'jobs');

  routes.on(
    {
      operationId: 'createJob',
      method: 'post',
      path: '/jobs',
      summary: 'Create a job',
      description:
        'Runs a prompt (Claude makes the change) or a command across the repositories listed, ' +
        'chosen by a repositoryQuery, or both. With `sample`, that many run first and the job ' +
        'stops SAMPLED.',
      body: {
        name: 'CreateJobRequest',
        schema: createSchema,
        example: {
          name: 'Update API calls',
          description: 'Replace oldFunction with newFunction',
          prompt: 'Replace every oldFunction(x) with newFunction(x, { version: 2 })',
          repositories: ['acme/widgets', 'acme/gadgets'],
          createPullRequests: false,
        },
      },
      responses: { 201: { description: 'The job, PENDING', json: { name: 'Job', schema: Job } } },
      errors: ['QUERY_REFUSED', 'HOST_UNAVAILABLE', 'SANDBOX_UNAVAILABLE'],
    },
    async (c) => {
      const request = await readJson(c, createSchema);
      const refused = await sandboxProblem(deps, request);
      if (refused) return apiError(c, 'SANDBOX_UNAVAILABLE', refused);
      const refusal = request.createPullRequests ? pullRequestsRefusal(deps) : undefined;
      if (refusal) return apiError(c, 'VALIDATION_FAILED', `createPullRequests: ${refusal}`);
      checkHostNames(deps.codeHost, {
        repositories: request.repositories,
        owners: request.repositoryQuery?.owners,
        reviewers: request.pullRequest?.reviewers,
      });
      const resolved = request.repositoryQuery
        ? await resolveRepositories(
            deps.codeHost,
            request.repositoryQuery,
            request.repositories ?? [],
            limits.maxRepositories,
          )
        : undefined;
      // Checked against what runs: the listed repositories and what the query resolved to.
      const count = (resolved?.repositories ?? request.repositories ?? []).length;
      const sampleProblem = request.sample && sampleSizeProblem(request.sample.size, count);
      if (sampleProblem) return apiError(c, 'VALIDATION_FAILED', `sample.size: ${sampleProblem}`);
      const { job: draft, repositories, run } = newJob(request, c.get('owner'), resolved, deps.retentionDays);
      // Checked on the repositories the job runs, however the request named them.
      const noteIssues = repositoryInstructionsIssues(request.repositoryInstructions, repositories);
      if (noteIssues.length > 0) {
        return apiError(
          c,
          'VALIDATION_FAILED',
          noteIssues.map((issue) => `repositoryInstructions.${issue.name}: ${issue.message}`).join('; '),
        );
      }
      const notes = notesByRepository(request.repositoryInstructions, repositories);
      let job: Job;
      try {
        job = await store.createJob({ job: draft, repositories, run, notes, signer: deps.keys.signer });
      } catch (error) {
        if (error instanceof JobTooLargeError) return apiError(c, 'VALIDATION_FAILED', error.message);
        if (!(error instanceof JobNotCreatedError)) throw error;
        return notCreated(deps, c, error);
      }
      return c.json(await startRun(deps, job), 201);
    },
  );

  routes.on(
    {
      operationId: 'listJobs',
      method: 'get',
      path: '/jobs',
      summary: 'List the caller’s jobs, newest first',
      query: ListQuery,
      responses: { 200: { description: 'A page of jobs', json: { name: 'JobPage', schema: JobPage } } },
      errors: ['INVALID_NEXT_TOKEN'],
    },
    async (c) => {
      const query = readQuery(c, ListQuery);
      const page = await withToken(() => store.jobs.listByOwner(c.get('owner'), query.limit, query.nextToken));
      return c.json(page);
    },
  );

  routes.on(
    {
      operationId: 'getJob',
      method: 'get',
      path: '/jobs/{jobId}',
      summary: 'Get a job',
      params: { jobId: JOB_ID },
      responses: { 200: { description: 'The job', json: { name: 'Job', schema: Job } } },
      errors: ['NOT_FOUND'],
    },
    async (c) => {
      const job = await ownedJob(deps, c.req.param('jobId')!, c.get('owner'));
      return c.json(job);
    },
  );

  routes.on(
    {
      operationId: 'deleteJob',
      method: 'delete',
      path: '/jobs/{jobId}',
      summary: 'Delete a finished job, its repository results and artifacts',
      description:
        'Its pull requests stay open unless `closePullRequests` is true; then the job is deleted only once every open or draft one is closed.',
      params: { jobId: JOB_ID },
      body: {
        name: 'DeleteJobRequest',
        schema: DeleteJobRequest,
        optional: true,
        example: { closePullRequests: true },
      },
      responses: {
        200: { description: 'The job is deleted', json: { name: 'DeleteJobResponse', schema: DeleteJobResponse } },
      },
      errors: [
        'NOT_FOUND',
        'JOB_ACTIVE',
        'PUBLISH_IN_PROGRESS',
        'PULL_REQUESTS_UNSUPPORTED',
        'HOST_UNAVAILABLE',
        'OPERATION_IN_PROGRESS',
      ],
    },
    async (c) => {
      const request = await readJson(c, DeleteJobRequest, { emptyAllowed: true });
      const job = await ownedJob(deps, c.req.param('jobId')!, c.get('owner'));
      if (!isFinalJobStatus(job.status))
        return apiError(
          c,
          'JOB_ACTIVE',
          `Job ${job.jobId} is ${job.status}; delete it once it has finished (cancel it first to stop it)`,
        );
      if (job.operation?.status === 'running')
        return apiError(
          c,
          'OPERATION_IN_PROGRESS',
          `Job ${job.jobId} has a ${job.operation.kind} going on (${job.operation.left} left); delete it once it has ended`,
        );
      const rows = await store.repositories.listAll(job.jobId);
      const publishing = rows.filter(
        (row) => row.publication?.status === 'queued' || row.publication?.status === 'publishing',
      );
      if (publishing.length)
        return apiError(
          c,
          'PUBLISH_IN_PROGRESS',
          `Job ${job.jobId} is publishing ${publishing.length} repositories; delete it once they are done`,
        );
      let results;
      if (request.closePullRequests) {
        results = await runBulkAction(deps, job, 'close', { filter: { state: ['open', 'draft'] } });
        const unclosed = results.filter((result) => result.outcome === 'failed' || result.outcome === 'waiting');
        if (unclosed.length)
          return apiError(
            c,
            'HOST_UNAVAILABLE',
            `${unclosed.length} pull requests could not be closed (${unclosed
              .slice(0, 3)
              .map((result) => `${result.repositoryName}: ${result.reason}`)
              .join('; ')}), so job ${job.jobId} was not deleted; try again`,
          );
      }
      if (!(await store.deleteJob(job, deps.artifacts)))
        return apiError(c, 'JOB_ACTIVE', `Job ${job.jobId} changed while it was being deleted; refresh and try again`);
      return c.json({ jobId: job.jobId, deleted: true as const, ...(results ? { results } : {}) });
    },
  );

  routes.on(
    {
      operationId: 'cancelJob',
      method: 'post',
      path: '/jobs/{jobId}/cancel',
      summary: 'Cancel a job',
      description:
        'Stops its workers; the repositories that have not finished end CANCELLED. A large job ' +
        'answers CANCELLING with its `operation` while its rows are marked.',
      params: { jobId: JOB_ID },
      body: { name: 'CancelRequest', schema: CancelRequest, optional: true },
      responses: { 202: { description: 'The job, CANCELLING or CANCELLED', json: { name: 'Job', schema: Job } } },
      errors: ['NOT_FOUND', 'JOB_FINAL'],
    },
    async (c) => {
      const since = Date.now();
      const jobId = c.req.param('jobId')!;
      await readJson(c, CancelRequest, { emptyAllowed: true });
      if (!isJobId(jobId)) return notFound(c, jobId);
      const outcome = await store.requestCancel(jobId, c.get('owner'));
      if (!outcome.ok) {
        if (outcome.code === 'NOT_FOUND') return notFound(c, jobId);
        return apiError(
          c,
          'JOB_FINAL',
          `Job ${jobId} has already finished (${outcome.job?.status ?? 'final'}); there is nothing to cancel`,
        );
      }
      try {
        await executor.cancel(outcome.job);
      } catch (error) {
        // The rows are marked below whatever happened: a worker that survives finds its row
        // CANCELLED at its next heartbeat and stops.
        deps.log?.error(`Executor failed to cancel job ${jobId}`, error);
      }
      // The rows are marked by an operation, which takes the job over from any other (a retry
      // still moving rows stops at its next write): a large job's cancel answers while it goes on.
      // A retry or continue it takes over set the job's counters for rows it had not all moved yet:
      // the cancel's end counts from the rows (cancelWork.finish).
      const replaced = outcome.job.operation?.status === 'running' ? outcome.job.operation.kind : undefined;
      const state = await startOperation(deps, outcome.job, 'cancel', replaced ? { replaced } : {}, {
        preempt: true,
      });
      await runForAMoment(deps, operationWorks, state, since);
      return c.json((await store.jobs.get(jobId)) ?? outcome.job, 202);
    },
  );

  routes.on(
    {
      operationId: 'retryJob',
      method: 'post',
      path: '/jobs/{jobId}/retry',
      summary: 'Retry a job’s failed and cancelled repositories, or those named',
      params: { jobId: JOB_ID },
      body: { name: 'RetryRequest', schema: RetryRequest, optional: true, example: { repositories: ['acme/gadgets'] } },
      description:
        'A retry answers with the job RUNNING and its `operation` while its rows go back to PENDING; the workers start once they have. ' +
        'A retry of every failed and cancelled row of a job of more than 1,000 answers first, with the job as it was and its `operation`, ' +
        'which reads the rows, makes the job RUNNING and moves them (a row that cannot be vouched for ends it failed, code UNVERIFIED_ROW, nothing moved).',
      responses: { 202: { description: 'The job, running again', json: { name: 'Job', schema: Job } } },
      errors: ['NOT_FOUND', 'JOB_ACTIVE', 'NOTHING_TO_RETRY', ...RUN_AGAIN_ERRORS],
    },
    async (c) => {
      const since = Date.now();
      const jobId = c.req.param('jobId')!;
      const body = await readJson(c, RetryRequest, { emptyAllowed: true });
      if (!isJobId(jobId)) return notFound(c, jobId);
      const job = await ownedJob(deps, jobId, c.get('owner'));
      // Without the sandbox, a job that needs it runs nothing again.
      const refused = await sandboxProblem(deps, job);
      if (refused) return apiError(c, 'SANDBOX_UNAVAILABLE', refused);
      if (retriesInBackground(job, body.repositories)) {
        // A large job: what its item says is checked here, its rows are read by the operation (whose
        // answer does not grow with the job), and the job goes RUNNING there.
        const refusal = retryRefusal(job, deps.keys.signer, true);
        if (refusal && !refusal.ok) return apiError(c, refusal.code, refusal.message);
        const state = await startOperation(deps, job, 'retry', {});
        await runForAMoment(deps, operationWorks, state, since);
        return c.json((await store.jobs.get(jobId)) ?? job, 202);
      }
      // The job's write (RUNNING, its new run) is made here, with the operation's next phase in it;
      // the rows move and the workers start in the operation, which a large job answers with. The
      // operation starts once every check has passed: a refused retry changes nothing.
      return beginOperation(c, deps, job, 'retry', {}, since, (checked) =>
        store.beginRetry(jobId, c.get('owner'), body.repositories, deps.keys.signer, checked),
      );
    },
  );

  routes.on(
    {
      operationId: 'continueJob',
      method: 'post',
      path: '/jobs/{jobId}/continue',
      summary: 'Run the rest of a SAMPLED job, optionally with a revised task',
      params: { jobId: JOB_ID },
      body: {
        name: 'ContinueRequest',
        schema: ContinueRequest,
        optional: true,
        example: { prompt: 'Replace every oldFunction(x) with newFunction(x), and update the tests' },
      },
      responses: { 202: { description: 'The job, RUNNING', json: { name: 'Job', schema: Job } } },
      errors: ['NOT_FOUND', 'JOB_NOT_SAMPLED', ...RUN_AGAIN_ERRORS],
    },
    async (c) => {
      const since = Date.now();
      const jobId = c.req.param('jobId')!;
      const body = await readJson(c, ContinueRequest, { emptyAllowed: true });
      const job = await ownedJob(deps, jobId, c.get('owner'));
      if (job.status !== 'SAMPLED')
        return apiError(c, 'JOB_NOT_SAMPLED', `Job ${job.jobId} is ${job.status}; only a SAMPLED job can be continued`);
      const problem = revisionProblem(job, body);
      if (problem) return apiError(c, 'VALIDATION_FAILED', problem);
      const revision = revisesTask(body) ? nextRevision(job, body, new Date().toISOString()) : undefined;
      const refused = await sandboxProblem(deps, { ...job, ...revision });
      if (refused) return apiError(c, 'SANDBOX_UNAVAILABLE', refused);
      if (revision) {
        // Every revision is kept on the job item, so it counts toward the item's limit.
        const bytes = jobItemBytes({ ...job, taskRevisions: [...(job.taskRevisions ?? []), revision] });
        if (bytes > MAX_JOB_ITEM_BYTES)
          return apiError(
            c,
            'VALIDATION_FAILED',
            `The job would be too large to store with this revision (${Math.ceil(bytes / 1000)} KB ` +
              `of at most ${MAX_JOB_ITEM_BYTES / 1000} KB): shorten the prompt`,
          );
      }
      // As a retry: the operation starts once every check has passed.
      return beginOperation(c, deps, job, 'continue', revision ? { revision } : {}, since, (checked) =>
        store.beginContinue(job.jobId, c.get('owner'), revision, deps.keys.signer, checked),
      );
    },
  );

  return routes;
}

/**
 * A retry's or continue's operation: `begin` is the store's first step, and the operation starts in its
 * `checked` (once every check has passed), its next phase going into the job's write. A refused begin
 * abandons the operation if one started; else it runs for a moment and the answer is the job, 202.
 */
async function beginOperation(
  c: Context<AppEnv>,
  deps: ApiDependencies,
  job: Job,
  kind: 'retry' | 'continue',
  request: Record<string, unknown>,
  since: number,
  begin: (
    checked: () => Promise<(run: NameList) => Record<string, unknown>>,
  ) => Promise<RetryOutcome | ContinueOutcome>,
): Promise<Response> {
  const begun: { state?: OperationState } = {};
  const outcome = await begin(async () => {
    const started = await startOperation(deps, job, kind, request);
    begun.state = started;
    return (run) => itemsPhase(started, run.size);
  });
  const state = begun.state;
  if (!outcome.ok || !state) {
    if (!outcome.ok && state) await abandonOperation(deps, state, outcome.message);
    if (outcome.ok) throw new Error(`The ${kind} began without its operation`);
    if (outcome.code === 'NOT_FOUND') return notFound(c, job.jobId);
    return apiError(c, outcome.code, outcome.message);
  }
  await runForAMoment(deps, operationWorks, state, since);
  return c.json((await deps.store.jobs.get(job.jobId)) ?? outcome.job, 202);
}

/** Why the job may not run here for want of the command sandbox (common/sandbox.ts), or undefined. */
async function sandboxProblem(deps: ApiDependencies, job: CommandsOfJob): Promise<string | undefined> {
  const status = await deps.executor.sandboxStatus?.();
  return status ? sandboxRefusal(status, job) : undefined;
}

/**
 * What a route that runs a job's rows again (retry, continue) can refuse with: a job or row whose
 * signature does not verify, no sandbox for a job that needs one, another operation under way.
 */
const RUN_AGAIN_ERRORS: ApiErrorCode[] = [
  'UNVERIFIED_JOB',
  'UNVERIFIED_ROW',
  'SANDBOX_UNAVAILABLE',
  'OPERATION_IN_PROGRESS',
];

/** The `{jobId}` of a path. */
export const JOB_ID: Parameter = {
  description: 'The job’s id (26 lowercase letters and digits)',
  schema: z.string().regex(JOB_ID_PATTERN),
};

function newJob(
  request: CreateJobRequest,
  owner: string,
  resolved: Resolved | undefined,
  retentionDays: number | undefined,
): Pick<NewJob, 'job' | 'repositories' | 'run'> {
  const created = Date.now();
  const now = new Date(created).toISOString();
  const expiresAt = expiresAtFor(created, retentionDays);
  const repositories = resolved?.repositories ?? request.repositories ?? [];
  const total = repositories.length;
  const jobId = newJobId();
  // A sample runs first; the rest waits, PENDING, for POST /jobs/{id}/continue.
  const run = request.sample ? chooseSample(jobId, repositories, request.sample.size) : repositories;
  const job: NewJob['job'] = {
    jobId,
    name: request.name,
    description: request.description,
    type: request.type,
    prompt: request.prompt,
    command: request.command,
    verifyCommand: request.verifyCommand,
    repositoryQuery: request.repositoryQuery,
    ...(request.sample ? { sample: { size: request.sample.size } } : {}),
    createPullRequests: request.createPullRequests,
    draftPullRequests: request.draftPullRequests,
    pullRequest: request.pullRequest,
    baseBranch: request.baseBranch,
    model: request.model ?? DEFAULT_MODEL,
    maxCostUsd: request.maxCostUsd,
    ...(request.allowCommands ? { allowCommands: true } : {}),
    ...(request.setupCommand !== undefined ? { setupCommand: request.setupCommand } : {}),
    ...(request.sandbox?.allowHosts.length
      ? { sandbox: { allowHosts: [...new Set(request.sandbox.allowHosts)] } }
      : {}),
    owner,
    status: 'PENDING',
    counts: { total, pending: total, running: 0, completed: 0, noChanges: 0, failed: 0, cancelled: 0 },
    reviewCounts: { unreviewed: total, approved: 0, rejected: 0 },
    usage: emptyUsage(),
    createdAt: now,
    updatedAt: now,
    ...(expiresAt !== undefined ? { expiresAt } : {}),
  };
  return { job, repositories, run };
}

export async function ownedJob(deps: ApiDependencies, jobId: string, owner: string): Promise<Job> {
  const job = isJobId(jobId) ? await deps.store.jobs.getOwned(jobId, owner) : undefined;
  if (!job) throw new RequestError('NOT_FOUND', `No job ${clip(jobId)}`);
  return job;
}

/** The answer to a create the store refused: it says whether anything of the job is left. */
function notCreated(deps: ApiDependencies, c: Parameters<typeof apiError>[0], error: JobNotCreatedError): Response {
  const kept = error.cleanedUp
    ? 'nothing of it was kept'
    : 'some of its repository rows may remain, unlisted and never run';
  deps.log?.error(`POST /jobs: job ${error.jobId} could not be stored; ${kept}`, error.cause);
  if (isUnavailable(error.cause))
    return apiError(
      c,
      'UNAVAILABLE',
      `Storage is unavailable for the moment, so the job was not created (${kept}); try again shortly`,
    );
  return apiError(c, 'INTERNAL', `The job could not be stored; ${kept}. The server's log has the details`);
}

function notFound(c: Parameters<typeof apiError>[0], jobId: string): Response {
  return apiError(c, 'NOT_FOUND', `No job ${clip(jobId)}`);
}

/** Runs a list query, turning a token that does not belong to it into a 400. */
export async function withToken<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof InvalidTokenError) throw new RequestError('INVALID_NEXT_TOKEN', error.message);
    throw error;
  }
}
