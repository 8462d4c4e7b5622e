import * as z from 'zod';
import { GroupReviewRequest, GroupReviewResponse, JobChanges } from '../../../common/schemas';
import { API_ERRORS, type ApiErrorCode } from '../../../common/errors';
import { groupMembers, groupReviewOrder, hashesInRequest, jobChanges } from '../changes';
import { runForAMoment, startOperation } from '../operations';
import { operationWorks } from '../operationWorks';
import type { ApiDependencies } from '../context';
import { readJson } from '../middleware/body';
import { RequestError } from '../middleware/errors';
import { DocumentedRoutes, momentAnswers } from '../openapi/operation';
import { JOB_ID, ownedJob } from './jobs';

// A job's diffs as distinct changes, and the review of one change for all its repositories.

const FINGERPRINT = /^[0-9a-f]{64}$/;

export function changeRoutes(deps: ApiDependencies): DocumentedRoutes {
  const routes = new DocumentedRoutes('/jobs', 'jobs');

  routes.on(
    {
      operationId: 'getChanges',
      method: 'get',
      path: '/jobs/{jobId}/changes',
      summary: 'The job’s distinct changes, largest first, and the repositories that stand out',
      description:
        'COMPLETED repositories with changes, grouped by the exact fingerprint of their current ' +
        'diff (each file’s kind, old and new mode, link target and paths as git quotes them, and ' +
        'its removed/added lines; context, line numbers and index lines ignored). Members whose ' +
        'change sits in other surroundings (context lines, section heading) than the ' +
        'representative’s are listed in `surroundings`, one entry per distinct surroundings: the ' +
        'same lines, to open before approving the group. Groups whose loose fingerprint (leading ' +
        'whitespace ignored too) matches a larger group’s name it in `variantOf`. Flagged: a ' +
        'diff over 3× the median size, files outside the largest group’s, a failed verification, ' +
        'a cost over 3× the median, a group of one.',
      params: { jobId: JOB_ID },
      responses: {
        200: { description: 'The job’s change groups', json: { name: 'JobChanges', schema: JobChanges } },
      },
      errors: ['NOT_FOUND'],
    },
    async (c) => {
      const job = await ownedJob(deps, c.req.param('jobId')!, c.get('owner'));
      return c.json(await jobChanges(deps, job));
    },
  );

  routes.on(
    {
      operationId: 'reviewChangeGroup',
      method: 'put',
      path: '/jobs/{jobId}/changes/{fingerprint}/review',
      summary: 'Approve or reject every repository of one change group, or take their reviews back',
      description:
        'With `members` (each member the reviewer was shown, with the digest of its patch as ' +
        'shown): refused with 409 GROUP_CHANGED when the group has other members now (a member’s ' +
        'diff changed since its fingerprint, or another joined), and with 409 PATCH_CHANGED when ' +
        'a member’s patch is not the digest shown, or, to approve, its stored bytes no longer ' +
        'hash to it; nothing is written then. An approval of a group with `surroundings` is ' +
        'refused with 409 VARIANTS_NOT_OPENED unless `openedVariants` names a member of each ' +
        '(nothing is written). Each approval is recorded with its member’s digest and signed. ' +
        'Each row is written only if it is still at the attempt and patch revision checked.',
      params: {
        jobId: JOB_ID,
        fingerprint: {
          description: 'The group’s exact fingerprint, as `GET /jobs/{jobId}/changes` gives it',
          schema: z.string().regex(FINGERPRINT),
        },
      },
      body: {
        name: 'GroupReviewRequest',
        schema: GroupReviewRequest,
        example: {
          state: 'approved',
          note: 'The same rename everywhere',
          members: [
            {
              repositoryName: 'acme/widgets',
              digest: '3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea',
            },
            {
              repositoryName: 'acme/gadgets',
              digest: '9c56cc51b374c3ba189210d5b6d4bf57790d351c96c47c02190ecf1e430635ab',
            },
          ],
          openedVariants: ['acme/gadgets'],
        },
      },
      responses: momentAnswers(
        { name: 'GroupReviewResponse', schema: GroupReviewResponse },
        'The group’s repositories, reviewed',
        'A large group: its reviews go on as an `operation` (the repositories are read as it ends)',
      ),
      errors: [
        'NOT_FOUND',
        'NOT_REVIEWABLE',
        'GROUP_CHANGED',
        'PATCH_CHANGED',
        'UNVERIFIED_ROW',
        'VARIANTS_NOT_OPENED',
        'OPERATION_IN_PROGRESS',
      ],
    },
    async (c) => {
      const since = Date.now();
      const request = await readJson(c, GroupReviewRequest);
      const owner = c.get('owner');
      const job = await ownedJob(deps, c.req.param('jobId')!, owner);
      const fingerprint = c.req.param('fingerprint')!;
      if (!FINGERPRINT.test(fingerprint))
        throw new RequestError(
          'NOT_FOUND',
          `${JSON.stringify(fingerprint)} is not a change's fingerprint (64 hex digits)`,
        );
      const members = await groupMembers(deps, job, fingerprint, request);
      const names = members.map(({ row }) => row.repositoryName);
      // An approval hashes every member's stored patch before its first write: the request did for
      // a group of up to 2,000 (groupMembers), the operation's prepare does for a larger one.
      const state = await startOperation(
        deps,
        job,
        'groupReview',
        { ...groupReviewOrder(fingerprint, request, members) },
        {
          names,
          phase: request.state === 'approved' && !hashesInRequest(request.state, names.length) ? 'prepare' : 'items',
        },
      );
      const moment = await runForAMoment(deps, operationWorks, state, since);
      if (moment.end === 'paused' || moment.end === 'lost')
        return c.json({ fingerprint, repositories: [], operation: moment.operation }, 202);
      if (moment.end === 'failed') {
        const { code, message } = moment.operation;
        if (code && code in API_ERRORS)
          throw new RequestError(code as ApiErrorCode, message ?? 'The group review failed');
        throw new Error(message ?? 'The group review failed');
      }
      const refused = moment.results.filter((result) => result.outcome !== 'done');
      if (refused.length)
        throw new RequestError(
          'GROUP_CHANGED',
          `${refused.length} of the ${members.length} repositories changed while the group was being reviewed and were not reviewed: ${refused
            .map((result) => result.repositoryName)
            .join(', ')}. The other ${members.length - refused.length} were`,
        );
      const repositories = await deps.store.repositories.getMany(job.jobId, names);
      repositories.sort((a, b) => (a.repositoryName < b.repositoryName ? -1 : 1));
      return c.json({ fingerprint, repositories });
    },
  );

  return routes;
}
