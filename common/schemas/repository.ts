import * as z from 'zod';
import { RepositoryStatus } from '../status';
import { FollowUp, FollowUpReason } from './followUps';
import { Publication, PullRequestInfo } from './pullRequests';
import { pageSchema } from './queries';
import { DiffStats, Fingerprint, PatchDigest, PatchRevision, Review } from './review';
import { IsoDate } from './text';
import { Usage } from './usage';

// A job's repository row: one repository's result, its attempts, review, pull request and
// follow-up round.

export const Verification = z.object({
  command: z.string(),
  passed: z.boolean(),
  rounds: z.number().int(),
  outputTail: z.string(),
});
export type Verification = z.infer<typeof Verification>;

export const RepositoryError = z.object({ code: z.string(), message: z.string() });
export type RepositoryError = z.infer<typeof RepositoryError>;

/** How an earlier attempt of a repository ended; its diff, thread and log stay readable with `?attempt=`. */
export const PreviousAttempt = z.object({
  attempt: z.number().int(),
  taskRevision: z.number().int(),
  status: RepositoryStatus,
  finishedAt: IsoDate.optional(),
  diffStats: DiffStats.optional(),
  summary: z.string().optional(),
  pullRequestUrl: z.string().optional(),
  error: RepositoryError.optional(),
  /** The follow-up round this attempt was. */
  followUpRound: z.object({ round: z.number().int(), reason: FollowUpReason }).optional(),
});
export type PreviousAttempt = z.infer<typeof PreviousAttempt>;

export const RepositoryResult = z.object({
  jobId: z.string(),
  repositoryName: z.string(),
  status: RepositoryStatus,
  attempt: z.number().int(),
  startedAt: IsoDate.optional(),
  heartbeatAt: IsoDate.optional(),
  finishedAt: IsoDate.optional(),
  diffStats: DiffStats.optional(),
  summary: z.string().optional(),
  verification: Verification.optional(),
  pullRequestUrl: z.string().optional(),
  /** What went wrong without failing the repository (a reviewer the host refused). */
  warnings: z.array(z.string()).optional(),
  error: RepositoryError.optional(),
  usage: Usage,
  /** The task revision this attempt runs (absent on rows from before revisions: 1). */
  taskRevision: z.number().int().optional(),
  /** The job's note for this repository (`repositoryInstructions` of the request), for Claude's first message. */
  note: z.string().optional(),
  /** One of the job's sample. */
  sampled: z.boolean().optional(),
  previousAttempts: z.array(PreviousAttempt).optional(),
  /** The branch and commit the diff was made against: a publish pushes exactly this commit plus the stored diff. */
  base: z.object({ branch: z.string(), commit: z.string() }).optional(),
  /** This attempt's review (absent: unreviewed). */
  review: Review.optional(),
  pullRequest: PullRequestInfo.optional(),
  /** The attempt whose diff the pull request's branch holds. */
  publishedAttempt: z.number().int().optional(),
  publication: Publication.optional(),
  expiresAt: z.number().int().optional(),
  /** The current revision of this attempt's patch: 0 or absent, the worker's; n, a reviewer's (hunks left out). */
  patchRevision: z.number().int().optional(),
  /** This attempt's revisions after the worker's, oldest first (each stays readable with `?revision=n`). */
  patchRevisions: z.array(PatchRevision).optional(),
  /** What the current patch changes (absent on rows from before fingerprints: computed when first asked for). */
  fingerprint: Fingerprint.optional(),
  /** SHA-256 of this attempt's diff.patch (patch revision 0) as the worker wrote it. */
  diffDigest: PatchDigest.optional(),
  /** The API's signature of what this row runs: its note, task revision and the push it may replace. */
  taskSignature: z.string().optional(),
  /** The worker's seal of `base` and `diffDigest` (backend/store/signing.ts). */
  resultSeal: z.string().optional(),
  /** The branch and commit this row pushed last (a publish may move that branch only while it is still there). */
  pushedBranch: z.string().optional(),
  pushedCommit: z.string().optional(),
  /** The worker's seal of `pushedBranch` and `pushedCommit`. */
  pushSeal: z.string().optional(),
  /** The pull request's latest follow-up round; the current attempt is that round when `followUp.attempt === attempt`. */
  followUp: FollowUp.optional(),
});
export type RepositoryResult = z.infer<typeof RepositoryResult>;

export const RepositoryPage = pageSchema(RepositoryResult);
export type RepositoryPage = z.infer<typeof RepositoryPage>;
