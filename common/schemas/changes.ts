import * as z from 'zod';
import { REPOSITORY_NAME_PATTERN } from '../repositoryNames';
import { Operation } from './operations';
import { RepositoryResult } from './repository';
import { PatchDigest, ReviewCounts, ReviewState } from './review';

// A job's changes (GET /jobs/{id}/changes): repositories grouped by what their diffs change, the
// ones that stand out, and a group's review.

/** Why a repository stands out from the job's changes. */
export const FLAG_REASONS = ['large-diff', 'extra-files', 'verification-failed', 'high-cost', 'group-of-one'] as const;

export const FlagReason = z.object({
  code: z.enum(FLAG_REASONS),
  /** The reason in a sentence: "touches package-lock.json, which the largest group does not". */
  message: z.string(),
});
export type FlagReason = z.infer<typeof FlagReason>;

/** Repositories whose diffs share an exact fingerprint: one distinct change. */
export const ChangeGroup = z.object({
  fingerprint: z.string(),
  looseFingerprint: z.string(),
  /** Its members, by name. */
  repositories: z.array(z.string()),
  /** The files it touches (every member touches the same). */
  files: z.array(z.string()),
  additions: z.number().int(),
  deletions: z.number().int(),
  /** The member whose diff to show for the group. */
  representative: z.string(),
  reviewCounts: ReviewCounts,
  /** The largest group this one is a variant of (same loose fingerprint: only leading whitespace differs). */
  variantOf: z.string().optional(),
  /**
   * Members with the same lines in different surroundings: the lines around their change (context,
   * section heading) differ from the representative's. One entry per distinct surroundings, largest
   * first, each listing its members. The group is approved as one only once a member of each has
   * been opened (`openedVariants` of the group review). Absent: every member's diff reads alike.
   */
  surroundings: z.array(z.object({ repositories: z.array(z.string()) })).optional(),
  /** Each member's current patch digest, by name: a group review sends back the ones it showed. */
  digests: z.record(z.string(), PatchDigest).optional(),
});
export type ChangeGroup = z.infer<typeof ChangeGroup>;

export const FlaggedRepository = z.object({
  repositoryName: z.string(),
  fingerprint: z.string(),
  reasons: z.array(FlagReason),
});
export type FlaggedRepository = z.infer<typeof FlaggedRepository>;

/** `GET /jobs/{id}/changes`: the distinct changes of a job's COMPLETED repositories, largest first. */
export const JobChanges = z.object({
  jobId: z.string(),
  groups: z.array(ChangeGroup),
  flagged: z.array(FlaggedRepository),
  /** COMPLETED repositories with changes whose diff could not be read (missing from the artifact store). */
  unreadable: z.array(z.string()),
});
export type JobChanges = z.infer<typeof JobChanges>;

/** The body of `PUT /jobs/{id}/changes/{fingerprint}/review`. */
export const GroupReviewRequest = z.strictObject({
  state: ReviewState,
  note: z.string().max(2_000, { error: 'must be at most 2000 characters' }).optional(),
  /**
   * The members the reviewer was shown, each with the digest of its patch as shown: when the group
   * has any other members now (a repository joined or left), the review is refused (409
   * GROUP_CHANGED); when a member's patch is not that digest any more, 409 PATCH_CHANGED. Nothing is
   * written either way.
   */
  members: z
    .array(z.strictObject({ repositoryName: z.string().regex(REPOSITORY_NAME_PATTERN), digest: PatchDigest }))
    .min(1)
    .max(1_000),
  /**
   * The members whose own diffs the reviewer opened. Approving a group that has `surroundings` is
   * refused (409 VARIANTS_NOT_OPENED) unless it names a member of each.
   */
  openedVariants: z.array(z.string().regex(REPOSITORY_NAME_PATTERN)).max(1_000).optional(),
});
export type GroupReviewRequest = z.infer<typeof GroupReviewRequest>;

export const GroupReviewResponse = z.object({
  fingerprint: z.string(),
  /** The members reviewed; with `operation` (a large group, reviewed after the answer) none yet. */
  repositories: z.array(RepositoryResult),
  operation: Operation.optional(),
});
export type GroupReviewResponse = z.infer<typeof GroupReviewResponse>;
