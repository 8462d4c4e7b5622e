import * as z from 'zod';
import { PullRequestInfo } from './pullRequests';
import { pageSchema } from './queries';
import { IsoDate } from './text';

// Bulk operations: the work a bulk action goes on with after its request answered, and the
// per-repository results.

/** What a bulk operation does, row by row or pull request by pull request (see `Operation`). */
export const OperationKind = z.enum([
  'retry',
  'continue',
  'cancel',
  'groupReview',
  'merge',
  'close',
  'comment',
  'auto-merge',
]);
export type OperationKind = z.infer<typeof OperationKind>;

/**
 * A bulk action's work that goes on after its request answered: a retry, continue or cancel moving
 * a large job's rows, a group review, a merge, close or comment on many pull requests. The request
 * answers within a second or two; if the work is not done by then, its answer carries this, and the
 * job item keeps it (`Job.operation`) while it runs and after. Clients follow it with
 * `GET /jobs/{id}/operations/{operationId}` and its per-repository results with `…/results`.
 */
export const Operation = z.object({
  operationId: z.string(),
  jobId: z.string(),
  kind: OperationKind,
  status: z.enum(['running', 'done', 'failed']),
  /** Repositories it works on (0 until it has chosen them: a filter, a retry's failed rows). */
  total: z.number().int(),
  /** Done as asked. */
  done: z.number().int(),
  /** Left alone, each with its reason in the results (already merged, moved meanwhile). */
  skipped: z.number().int(),
  /** Tried and not done, each with its reason in the results. */
  failed: z.number().int(),
  /** Not reached yet. */
  left: z.number().int(),
  /** The code host asked to wait (a rate limit): this many seconds from `updatedAt`, and why. */
  waitingSeconds: z.number().optional(),
  reason: z.string().optional(),
  /** Why it failed as a whole (`status: failed`). */
  message: z.string().optional(),
  /** The API error code of that failure when a request would have answered it (a group review: PATCH_CHANGED). */
  code: z.string().optional(),
  createdAt: IsoDate,
  updatedAt: IsoDate,
  finishedAt: IsoDate.optional(),
});
export type Operation = z.infer<typeof Operation>;

/** One repository's part in a publish or a bulk action: done (queued, for a publish), or why not. */
export const RepositoryActionResult = z.object({
  repositoryName: z.string(),
  outcome: z.enum(['done', 'queued', 'skipped', 'failed', 'waiting']),
  /** Why not, in a sentence; for `waiting`, the host's rate limit. */
  reason: z.string().optional(),
  /** `waiting`: try this repository again after this many seconds. */
  retryAfterSeconds: z.number().optional(),
  pullRequest: PullRequestInfo.optional(),
});
export type RepositoryActionResult = z.infer<typeof RepositoryActionResult>;

/** A page of an operation's per-repository results, in the order they settled. */
export const OperationResultsPage = pageSchema(RepositoryActionResult);
export type OperationResultsPage = z.infer<typeof OperationResultsPage>;

export const BulkActionResponse = z.object({
  /** Every repository's result, or (with `operation`, when the work goes on) those settled so far. */
  results: z.array(RepositoryActionResult),
  operation: Operation.optional(),
});
export type BulkActionResponse = z.infer<typeof BulkActionResponse>;
