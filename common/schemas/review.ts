import * as z from 'zod';
import { IsoDate } from './text';

// A person's review of a repository's diff, the patch it names by digest, the patch's revisions,
// and the fingerprint of what a diff changes.

export const ReviewState = z.enum(['unreviewed', 'approved', 'rejected']);
export type ReviewState = z.infer<typeof ReviewState>;

/** SHA-256 (lowercase hex) of a patch's exact bytes: what a reviewer saw, what a publish must push. */
export const PatchDigest = z
  .string()
  .regex(/^[0-9a-f]{64}$/, { error: 'is not a SHA-256 digest (64 lowercase hex digits)' });

/** A person's verdict on a repository's diff, for the attempt whose diff they read. */
export const Review = z.object({
  state: ReviewState,
  note: z.string().optional(),
  /** The attempt reviewed: a new attempt's diff is another diff, and its review starts over. */
  attempt: z.number().int(),
  reviewedAt: IsoDate,
  /** The patch revision approved (an approval's). */
  patchRevision: z.number().int().optional(),
  /** The digest of the patch the reviewer was shown and approved: a publish pushes only a patch with this digest. */
  digest: PatchDigest.optional(),
  /** The commit that patch applies to, as the worker recorded it when it made the diff. */
  baseCommit: z.string().optional(),
  /** The API's signature of the approval (repository, attempt, patch revision, digest, base commit). */
  signature: z.string().optional(),
});
export type Review = z.infer<typeof Review>;

export const ReviewCounts = z.object({
  unreviewed: z.number().int(),
  approved: z.number().int(),
  rejected: z.number().int(),
});
export type ReviewCounts = z.infer<typeof ReviewCounts>;

/** The body of `PUT /jobs/{id}/repositories/{owner%2Fname}/review`. */
export const ReviewRequest = z.strictObject({
  state: ReviewState,
  note: z.string().max(2_000, { error: 'must be at most 2000 characters' }).optional(),
  /** The attempt whose diff was read; when the row has moved on since, the review is refused (409). */
  attempt: z.number().int().min(1).optional(),
  /**
   * The digest of the patch the reviewer was shown (the diff's `x-cody-batch-patch-digest`, or the
   * SHA-256 of its bytes); required to approve. Refused (409 PATCH_CHANGED) when it is not the
   * repository's current patch.
   */
  digest: PatchDigest.optional(),
});
export type ReviewRequest = z.infer<typeof ReviewRequest>;

export const DiffStats = z.object({
  files: z.number().int(),
  additions: z.number().int(),
  deletions: z.number().int(),
});
export type DiffStats = z.infer<typeof DiffStats>;

/** A reviewer's revision of a repository's patch (hunks left out of the one before). */
export const PatchRevision = z.object({
  revision: z.number().int().min(1),
  /** SHA-256 hex of the patch's bytes: names its artifact. */
  digest: PatchDigest,
  diffStats: DiffStats,
  createdAt: IsoDate,
  /** The API's signature of the revision and its digest. */
  signature: z.string().optional(),
});
export type PatchRevision = z.infer<typeof PatchRevision>;

/** At most this many revisions of one attempt's patch. */
export const MAX_PATCH_REVISIONS = 50;

/** At most this many paths are kept in a row's fingerprint (a row must stay far below DynamoDB's 400 KB). */
export const MAX_FINGERPRINT_FILES = 300;

/** What a diff changes, as `common/fingerprint.ts` computes it, and which diff it was computed from. */
export const Fingerprint = z.object({
  /** How it was computed (`FINGERPRINT_VERSION`); absent: version 1, computed again when needed. */
  version: z.number().int().optional(),
  /** SHA-256 hex of each file's kind, modes, link target and paths as git wrote them, and its removed and added lines. */
  exact: z.string().regex(/^[0-9a-f]{64}$/),
  /** The same, ignoring leading whitespace: groups that share it are variants of one another. */
  loose: z.string().regex(/^[0-9a-f]{64}$/),
  /** The same with what surrounds each change (context lines, section headings); absent before version 2. */
  context: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  /** The paths the diff touches, sorted (at most MAX_FINGERPRINT_FILES). */
  files: z.array(z.string()),
  /** The attempt and patch revision whose diff this is; on any other, the fingerprint is stale. */
  attempt: z.number().int(),
  patchRevision: z.number().int(),
});
export type Fingerprint = z.infer<typeof Fingerprint>;

/** The body of `PUT /jobs/{id}/repositories/{owner%2Fname}/patch`: a new revision with hunks left out. */
export const PatchRevisionRequest = z.strictObject({
  /** The revision the reviewer read (0: the worker's); refused (409) when the row has another now. */
  basedOn: z.number().int().min(0),
  /** What to leave out of it: a file's hunks by index from 0, or the whole file without `hunks`. */
  drop: z
    .array(
      z.strictObject({
        path: z.string().min(1).max(4_096),
        hunks: z.array(z.number().int().min(0)).min(1).max(10_000).optional(),
      }),
    )
    .min(1)
    .max(1_000),
});
export type PatchRevisionRequest = z.infer<typeof PatchRevisionRequest>;
