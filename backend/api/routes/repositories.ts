import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import * as z from 'zod';
import { FAILED_VERIFICATION_HEADER, PATCH_DIGEST_HEADER, patchFileName } from '../../../common/names';
import { currentPatchDigest } from '../../../common/patchDigest';
import { artifactKeyOf, patchKeyOf } from '../artifactKeys';
import {
  ArtifactQuery,
  DiffQuery,
  emptyUsage,
  FollowUpTrigger,
  PatchRevisionRequest,
  type PreviousAttempt,
  RepositoryListQuery,
  RepositoryPage,
  RepositoryResult,
  ReviewRequest,
  Thread,
} from '../../../common/schemas';
import { isRepositoryName, REPOSITORY_NAME_PATTERN } from '../../../common/repositoryNames';
import { reviewRepository } from '../../store/reviews';
import { checkReview } from '../custody';
import { savePatchRevision } from '../patchRevision';
import type { AppEnv, ApiDependencies, ApiLimits } from '../context';
import { readJson, readQuery } from '../middleware/body';
import { apiError, RequestError } from '../middleware/errors';
import { DocumentedRoutes, type Parameter, type RouteOperation } from '../openapi/operation';
import { JOB_ID, ownedJob, withToken } from './jobs';

// A job's repository results and their artifacts. The repository is one path segment,
// `owner%2Fname`, as clients send it with encodeURIComponent. Artifacts are the current attempt's,
// or an earlier one's with `?attempt=N`.

const PRESIGNED_URL_SECONDS = 300;

export function repositoryRoutes(deps: ApiDependencies, limits: ApiLimits): DocumentedRoutes {
  const { store } = deps;
  const routes = new DocumentedRoutes('/jobs', 'repositories');

  routes.on(
    {
      operationId: 'listRepositories',
      method: 'get',
      path: '/jobs/{jobId}/repositories',
      summary: 'List a job’s repository results',
      params: { jobId: JOB_ID },
      query: RepositoryListQuery,
      responses: {
        200: { description: 'A page of repository results', json: { name: 'RepositoryPage', schema: RepositoryPage } },
      },
      errors: ['NOT_FOUND', 'INVALID_NEXT_TOKEN'],
    },
    async (c) => {
      const job = await ownedJob(deps, c.req.param('jobId')!, c.get('owner'));
      const query = readQuery(c, RepositoryListQuery);
      return c.json(
        await withToken(() =>
          store.repositories.list(job.jobId, query.limit, query.nextToken, query.status, job.statusIndex),
        ),
      );
    },
  );

  routes.on(
    {
      operationId: 'getRepository',
      method: 'get',
      path: '/jobs/{jobId}/repositories/{repository}',
      summary: 'Get one repository’s result',
      params: REPOSITORY_PARAMS,
      responses: {
        200: { description: 'The repository’s result', json: { name: 'RepositoryResult', schema: RepositoryResult } },
      },
      errors: ['NOT_FOUND'],
    },
    async (c) => c.json(await ownedRepository(deps, c)),
  );

  routes.on(
    {
      operationId: 'reviewRepository',
      method: 'put',
      path: '/jobs/{jobId}/repositories/{repository}/review',
      summary: 'Approve or reject a repository’s diff, or take the review back',
      description:
        'Only a COMPLETED repository can be approved, and only with `digest`, the SHA-256 of the ' +
        'patch the reviewer was shown (the diff’s `x-cody-batch-patch-digest`): refused with 409 ' +
        'PATCH_CHANGED when it is not the current patch, or when the stored patch no longer ' +
        'hashes to it. The approval is recorded with that digest and signed by the API; a ' +
        'publish pushes only a patch with it. With `attempt`, the review is refused if the ' +
        'repository has moved on from the attempt whose diff was read.',
      params: REPOSITORY_PARAMS,
      body: {
        name: 'ReviewRequest',
        schema: ReviewRequest,
        example: {
          state: 'approved',
          note: 'Looks right',
          attempt: 1,
          digest: '3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea',
        },
      },
      responses: {
        200: {
          description: 'The repository’s result, reviewed',
          json: { name: 'RepositoryResult', schema: RepositoryResult },
        },
      },
      errors: ['NOT_FOUND', 'NOT_REVIEWABLE', 'PATCH_CHANGED', 'UNVERIFIED_ROW'],
    },
    async (c) => {
      const request = await readJson(c, ReviewRequest);
      const row = await ownedRepository(deps, c);
      const checked = await checkReview(deps, row, request);
      const outcome = await reviewRepository(store, row.jobId, c.get('owner'), row.repositoryName, checked);
      if (!outcome.ok) return apiError(c, outcome.code, outcome.message);
      return c.json(outcome.row);
    },
  );

  routes.on(
    {
      operationId: 'revisePatch',
      method: 'put',
      path: '/jobs/{jobId}/repositories/{repository}/patch',
      summary: 'Leave hunks or files out of a repository’s patch: a new revision, which a publish pushes',
      description:
        'Stores the current revision minus the hunks named (whole hunks only, so what is kept ' +
        'applies to the recorded base as the whole did) as revision `basedOn + 1`; the original ' +
        'stays readable with `GET …/diff?revision=0`. The revision gets its own fingerprint, and ' +
        'the review is taken back.',
      params: REPOSITORY_PARAMS,
      body: {
        name: 'PatchRevisionRequest',
        schema: PatchRevisionRequest,
        example: { basedOn: 0, drop: [{ path: 'package-lock.json' }, { path: 'src/main.js', hunks: [1] }] },
      },
      responses: {
        200: {
          description: 'The repository’s result at its new patch revision',
          json: { name: 'RepositoryResult', schema: RepositoryResult },
        },
      },
      errors: ['NOT_FOUND', 'NO_DIFF', 'PATCH_CHANGED', 'PATCH_LOCKED', 'PUBLISH_IN_PROGRESS', 'UNVERIFIED_ROW'],
    },
    async (c) => {
      const request = await readJson(c, PatchRevisionRequest);
      const row = await ownedRepository(deps, c);
      return c.json(await savePatchRevision(deps, row, request));
    },
  );

  routes.on(
    artifactOperation('getDiff', 'diff', 'Get the diff a repository’s attempt made', {
      description:
        'With `failed=1`, the change of a command job whose verification failed (FAILED, ' +
        'VERIFY_FAILED, with diffStats), kept to be read, never applied: without it that attempt ' +
        'answers 409 NO_DIFF.',
      query: DiffQuery,
      responses: {
        200: {
          description:
            'The patch, for `git apply` (a COMPLETED attempt), or, with `failed=1`, the kept change whose verification failed',
          content: { 'text/x-diff': z.string() },
          headers: {
            'Content-Disposition': { description: 'attachment; filename="…patch"', schema: z.string() },
            [FAILED_VERIFICATION_HEADER]: {
              description: '`true` when the patch is a change whose verification failed (read it, do not apply it)',
              schema: z.literal('true').optional(),
            },
            [PATCH_DIGEST_HEADER]: {
              description: 'The SHA-256 (hex) of the patch’s bytes as answered: what a review sends back as `digest`',
              schema: z.string(),
            },
          },
        },
        204: { description: 'The attempt made no changes (NO_CHANGES)' },
      },
      errors: ['NO_DIFF'],
    }),
    async (c) => {
      const row = await ownedRepository(deps, c);
      const { attempt, previous } = requestedAttempt(c, row);
      const { failed, revision } = readQuery(c, DiffQuery);
      // An attempt from before attempts were recorded has no status: the store has its diff or not.
      const status = attempt === row.attempt ? row.status : previous?.status;
      const ended = attempt === row.attempt ? row : previous;
      // A command job's change whose verification failed is kept, to be read, never applied by mistake:
      // only a caller that asks with ?failed=1 gets it.
      const keptFailure =
        status === 'FAILED' && ended?.error?.code === 'VERIFY_FAILED' && ended.diffStats !== undefined;
      if (status === 'NO_CHANGES') return c.body(null, 204);
      if (status !== undefined && status !== 'COMPLETED' && !(keptFailure && failed)) {
        const which =
          attempt === row.attempt ? `${row.repositoryName} is` : `Attempt ${attempt} of ${row.repositoryName} ended`;
        const hint = keptFailure ? '; the change whose verification failed is kept: ask with ?failed=1 to read it' : '';
        return apiError(
          c,
          'NO_DIFF',
          `${which} ${status}; a diff exists only once it has COMPLETED with changes${hint}`,
        );
      }
      const fileName = patchFileName(row, attempt);
      const key = await patchKeyOf(deps, row, attempt, revision);
      if (!key)
        return apiError(
          c,
          'NOT_FOUND',
          `Attempt ${attempt} of ${row.repositoryName} has no patch revision ` +
            `${revision}${attempt === row.attempt ? ` (its current one is ${row.patchRevision ?? 0})` : ' (an earlier attempt keeps only its revision 0)'}`,
        );
      const recorded =
        attempt !== row.attempt
          ? undefined
          : revision === undefined || revision === (row.patchRevision ?? 0)
            ? currentPatchDigest(row)
            : row.patchRevisions?.find((entry) => entry.revision === revision)?.digest;
      return serveArtifact(deps, limits, c, key, {
        digest: { recorded },
        what: `The diff of ${row.repositoryName}`,
        headers: {
          'content-type': 'text/x-diff; charset=utf-8',
          'content-disposition': `attachment; filename="${fileName}"`,
          ...(keptFailure ? { [FAILED_VERIFICATION_HEADER]: 'true' } : {}),
        },
        missing: () => apiError(c, 'NOT_FOUND', `The diff of ${row.repositoryName} is missing from the artifact store`),
      });
    },
  );

  routes.on(
    artifactOperation('getThread', 'claude-thread', 'Get the Claude thread of a repository’s attempt', {
      responses: {
        200: {
          description: 'The conversation so far (empty before Claude’s first turn)',
          json: { name: 'Thread', schema: Thread },
        },
      },
    }),
    async (c) => {
      const row = await ownedRepository(deps, c);
      const key = await artifactKeyOf(deps, row, 'thread.json', requestedAttempt(c, row).attempt);
      return serveArtifact(deps, limits, c, key, {
        what: `The Claude thread of ${row.repositoryName}`,
        headers: { 'content-type': 'application/json' },
        missing: () => c.json({ messages: [], usage: row.usage ?? emptyUsage() }),
      });
    },
  );

  routes.on(
    artifactOperation('getLog', 'log', 'Get the log of a repository’s attempt', {
      responses: {
        200: { description: 'The worker’s log (empty before it starts)', content: { 'text/plain': z.string() } },
      },
    }),
    async (c) => {
      const row = await ownedRepository(deps, c);
      const headers = { 'content-type': 'text/plain; charset=utf-8' };
      const key = await artifactKeyOf(deps, row, 'log.txt', requestedAttempt(c, row).attempt);
      return serveArtifact(deps, limits, c, key, {
        what: `The log of ${row.repositoryName}`,
        headers,
        missing: () => c.body('', 200, headers),
      });
    },
  );

  routes.on(
    artifactOperation('getTrigger', 'trigger', 'Get what a follow-up round acted on', {
      description:
        'The failing checks (annotations, log tails), the review comments, the base merged in, ' +
        'or the instruction a follow-up attempt was given, as its worker collected them. The ' +
        'host’s words are untrusted text.',
      responses: {
        200: {
          description: 'The round’s trigger',
          json: { name: 'FollowUpTrigger', schema: FollowUpTrigger },
        },
      },
    }),
    async (c) => {
      const row = await ownedRepository(deps, c);
      const { attempt, previous } = requestedAttempt(c, row);
      const round = attempt === row.attempt ? row.followUp?.attempt === attempt : previous?.followUpRound;
      if (!round)
        return apiError(c, 'NOT_FOUND', `Attempt ${attempt} of ${row.repositoryName} is not a follow-up round`);
      const key = await artifactKeyOf(deps, row, 'trigger.json', attempt);
      return serveArtifact(deps, limits, c, key, {
        what: `The trigger of ${row.repositoryName}`,
        headers: { 'content-type': 'application/json' },
        missing: () =>
          apiError(c, 'NOT_FOUND', `Attempt ${attempt} of ${row.repositoryName} has not read its trigger yet`),
      });
    },
  );

  return routes;
}

const REPOSITORY_PARAMS: Record<string, Parameter> = {
  jobId: JOB_ID,
  repository: {
    description: 'The repository as `owner/name`, its slash encoded as one path segment: `owner%2Fname`',
    schema: z.string().regex(REPOSITORY_NAME_PATTERN),
  },
};

const REDIRECT = {
  description:
    'On AWS, an artifact too large for one Lambda answer: download it from the presigned S3 URL (valid 5 minutes) without the API’s auth headers',
  headers: { Location: { description: 'A presigned S3 URL', schema: z.string() } },
};

/**
 * What the diff, thread, log and trigger routes share: the repository's path, `?attempt=N`, the
 * redirect to a presigned URL of an artifact too large to answer inline, and NOT_FOUND.
 */
function artifactOperation(
  operationId: string,
  file: string,
  summary: string,
  own: Pick<RouteOperation, 'description' | 'query' | 'responses' | 'errors'>,
): RouteOperation {
  return {
    operationId,
    method: 'get',
    path: `/jobs/{jobId}/repositories/{repository}/${file}`,
    summary,
    params: REPOSITORY_PARAMS,
    query: ArtifactQuery,
    ...own,
    responses: { ...own.responses, 302: REDIRECT },
    errors: ['NOT_FOUND', ...(own.errors ?? [])],
  };
}

interface ArtifactAnswer {
  /** The artifact in messages: "The log of acme/widgets". */
  what: string;
  /**
   * Say the patch's digest (PATCH_DIGEST_HEADER): of the bytes answered inline; on a redirect, the
   * one the row records (the client hashes what it downloads itself).
   */
  digest?: { recorded?: string };
  headers: Record<string, string>;
  /** The answer when there is no such artifact. */
  missing: () => Response;
}

/**
 * Answers one artifact inline, or, when it is larger than an answer may be (on Lambda, 6 MB with
 * base64), with a redirect to a presigned URL. Its size is read before it is downloaded, and again
 * after: a running worker rewrites its thread as the conversation grows.
 */
async function serveArtifact(
  deps: ApiDependencies,
  limits: ApiLimits,
  c: Context<AppEnv>,
  key: string,
  answer: ArtifactAnswer,
): Promise<Response> {
  const { artifacts } = deps;
  const max = limits.maxInlineArtifactBytes;
  const redirect = async () => {
    if (answer.digest?.recorded) c.header(PATCH_DIGEST_HEADER, answer.digest.recorded);
    return c.redirect(await artifacts.presignedUrl!(key, PRESIGNED_URL_SECONDS), 302);
  };
  if (artifacts.presignedUrl && Number.isFinite(max)) {
    const size = await artifacts.size(key);
    if (size !== undefined && size > max) return redirect();
  }
  const artifact = await artifacts.get(key);
  if (!artifact) return answer.missing();
  if (artifact.body.length > max) {
    if (artifacts.presignedUrl) return redirect();
    deps.log?.error(`${answer.what} (${artifact.body.length} bytes) is over the inline limit of ${max} bytes`);
    return apiError(
      c,
      'INTERNAL',
      `${answer.what} is too large to send (${artifact.body.length} bytes, at most ${max} in one answer), and the artifact store cannot make a download link`,
    );
  }
  const headers: Record<string, string> = { ...answer.headers };
  if (answer.digest) headers[PATCH_DIGEST_HEADER] = createHash('sha256').update(artifact.body).digest('hex');
  return c.body(new Uint8Array(artifact.body), 200, headers);
}

/** The attempt a request asks for with `?attempt=N` (default the row's current one), and how it ended. */
function requestedAttempt(c: Context<AppEnv>, row: RepositoryResult): { attempt: number; previous?: PreviousAttempt } {
  const { attempt } = readQuery(c, ArtifactQuery);
  if (attempt === undefined || attempt === row.attempt) return { attempt: row.attempt };
  if (attempt > row.attempt)
    throw new RequestError(
      'NOT_FOUND',
      `${row.repositoryName} is at attempt ${row.attempt}; it has no attempt ${attempt} (yet)`,
    );
  return { attempt, previous: row.previousAttempts?.find((candidate) => candidate.attempt === attempt) };
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
