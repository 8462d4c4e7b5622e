import * as z from 'zod';
import { RepositoryName } from './fields';
import { PatchDigest } from './review';
import { BoundedText, IsoDate } from './text';

// A job's pull requests: their state on the code host, their counts over time, a repository's
// publish, and the bodies of a publish and a bulk action.

export const PullRequestState = z.enum(['open', 'draft', 'merged', 'closed']);
export type PullRequestState = z.infer<typeof PullRequestState>;

/** Check runs and commit statuses of the head commit, together. */
export const ChecksState = z.enum(['pending', 'passing', 'failing', 'none']);
export type ChecksState = z.infer<typeof ChecksState>;

export const PullRequestReviewState = z.enum(['approved', 'changes_requested', 'review_required', 'none']);
export type PullRequestReviewState = z.infer<typeof PullRequestReviewState>;

export const MergeMethod = z.enum(['merge', 'squash', 'rebase']);
export type MergeMethod = z.infer<typeof MergeMethod>;

/** The host's auto-merge on a pull request: it merges by itself once its checks and reviews allow. */
export const AutoMerge = z.object({ method: MergeMethod, enabledAt: IsoDate });
export type AutoMerge = z.infer<typeof AutoMerge>;

/** A repository's pull request as the code host last told it. */
export const PullRequestInfo = z.object({
  url: z.string(),
  number: z.number().int(),
  state: PullRequestState,
  checks: ChecksState,
  review: PullRequestReviewState,
  /** Whether the host would merge it now; null while the host has not worked it out. */
  mergeable: z.boolean().nullable(),
  /** When it last changed on the host. */
  updatedAt: IsoDate,
  /** The host's auto-merge, when it is enabled. */
  autoMerge: AutoMerge.optional(),
  /** When someone other than Cody Batch last commented or reviewed (what a review follow-up answers). */
  feedbackAt: IsoDate.optional(),
});
export type PullRequestInfo = z.infer<typeof PullRequestInfo>;

/** How many of a job's pull requests are in each state. */
const ByState = z.object({
  open: z.number().int(),
  draft: z.number().int(),
  merged: z.number().int(),
  closed: z.number().int(),
});

export const PullRequestCounts = z.object({
  ...ByState.shape,
  /** Of the open and draft ones: */
  checksPassing: z.number().int(),
  checksFailing: z.number().int(),
  checksPending: z.number().int(),
  approved: z.number().int(),
  changesRequested: z.number().int(),
  /** Repositories whose pull request a publish is still opening (queued or publishing); absent when none. */
  publishing: z.number().int().optional(),
});
export type PullRequestCounts = z.infer<typeof PullRequestCounts>;

/** The counts by state at one moment, a point of the job's burndown chart. */
export const BurndownPoint = z.object({ at: IsoDate, ...ByState.shape });
export type BurndownPoint = z.infer<typeof BurndownPoint>;

/** Where a repository's publish (POST /jobs/{id}/publish) stands. */
export const PublicationStatus = z.enum(['queued', 'publishing', 'published', 'failed']);
export type PublicationStatus = z.infer<typeof PublicationStatus>;

export const Publication = z.object({
  status: PublicationStatus,
  /** The job's `publishRun.id` it belongs to. */
  runId: z.string(),
  requestedAt: IsoDate,
  heartbeatAt: IsoDate.optional(),
  finishedAt: IsoDate.optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  /** What the publish must push, as the API checked it when it queued the row; signed by the API. */
  intent: z
    .object({
      attempt: z.number().int(),
      patchRevision: z.number().int(),
      /** The patch's digest: the artifact the worker reads must hash to it. */
      digest: PatchDigest,
      base: z.object({ branch: z.string(), commit: z.string() }),
      /** What this row pushed last, as the API checked its worker's seal: the push may replace only that. */
      lease: z.object({ branch: z.string(), commit: z.string() }).optional(),
      /** Queued by a publish of approved repositories only: the approval must still hold this digest. */
      approved: z.boolean(),
      /**
       * A follow-up round: its commit goes onto `branch` (the one the row pushed), a child of `head`
       * (and of `mergedBase`), pushed only while the branch is still at `head`.
       */
      round: z
        .object({
          branch: z.string(),
          head: z.string(),
          mergedBase: z.string().optional(),
          round: z.number().int(),
          reason: z.enum(['checks', 'review', 'conflicts', 'instruction']),
          baseBranch: z.string(),
          triggerSummary: z.string().optional(),
        })
        .optional(),
    })
    .optional(),
  signature: z.string().optional(),
});
export type Publication = z.infer<typeof Publication>;

/** The body of `POST /jobs/{id}/publish`. */
export const PublishRequest = z.strictObject({
  /** Only these (each must be part of the job); default every completed repository without a pull request. */
  repositories: z.array(RepositoryName).min(1).optional(),
  /** Only the approved ones. */
  approved: z.literal(true).optional(),
  /** Open them as drafts (default: the job's settings). */
  draft: z.boolean().optional(),
  /** Turn on the host's auto-merge with this method (merge now those with nothing left to wait for). */
  autoMerge: MergeMethod.optional(),
});
export type PublishRequest = z.infer<typeof PublishRequest>;

export const PullRequestFilter = z.strictObject({
  checks: z.array(ChecksState).min(1).optional(),
  review: z.array(PullRequestReviewState).min(1).optional(),
  state: z.array(PullRequestState).min(1).optional(),
  /** Whether the host would merge it now (one that it has not worked out yet matches neither). */
  mergeable: z.boolean().optional(),
});
export type PullRequestFilter = z.infer<typeof PullRequestFilter>;

export const BULK_ACTIONS = ['merge', 'close', 'comment', 'auto-merge'] as const;

export type BulkAction = (typeof BULK_ACTIONS)[number];

/** The body of `POST /jobs/{id}/pull-requests/{merge|close|comment}`. */
export const BulkActionRequest = z
  .strictObject({
    repositories: z.array(RepositoryName).min(1).max(1_000).optional(),
    filter: PullRequestFilter.optional(),
    method: MergeMethod.optional(),
    deleteBranch: z.boolean().optional(),
    body: BoundedText(60_000).optional(),
  })
  .refine((request) => !(request.repositories && request.filter), {
    error: 'give repositories or a filter, not both',
  });
export type BulkActionRequest = z.infer<typeof BulkActionRequest>;
