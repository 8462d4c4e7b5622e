import * as z from 'zod';
import { PatchDigest, ReviewState } from '../schemas';

// What the views share. Each view has a panel state (what `setState` keeps and the serializer
// restores) and a spec, in a file of its own beside this one.

export const RepositoryRef = z.object({
  jobId: z.string().min(1).max(200),
  repositoryName: z.string().min(1).max(200),
  /** An earlier attempt's artifacts; absent: the current attempt's. */
  attempt: z.number().int().min(1).max(10_000).optional(),
});
export type RepositoryRef = z.infer<typeof RepositoryRef>;

export const DiffLayout = z.enum(['side-by-side', 'line-by-line']);
export type DiffLayout = z.infer<typeof DiffLayout>;

/** The most open sections a page remembers (see webviews/shared/viewMemory.ts). */
export const MAX_OPEN_KEYS = 2000;

/**
 * Where the user was on a page: which sections were open (file paths, section ids) and how far it
 * was scrolled, so a panel comes back at the same place after switching tabs. A bad value is
 * dropped rather than losing the panel.
 */
export const ViewPlace = z.object({
  open: z.array(z.string().max(4096)).max(MAX_OPEN_KEYS).optional().catch(undefined),
  scrollY: z.number().nonnegative().max(100_000_000).optional().catch(undefined),
});
export type ViewPlace = z.infer<typeof ViewPlace>;

/** A change group of a job, by its exact fingerprint (SHA-256 hex). */
export const GroupFingerprint = z.string().regex(/^[0-9a-f]{64}$/);

/** An attempt of a repository, for the list of attempts a view offers. */
export const AttemptChoice = z.object({ attempt: z.number().int(), status: z.string() });
export type AttemptChoice = z.infer<typeof AttemptChoice>;

export const Direction = z.enum(['previous', 'next']);
export type Direction = z.infer<typeof Direction>;

/** A reviewer's verdict on a repository or a group (taking a review back is done per repository). */
export const Verdict = ReviewState.exclude(['unreviewed']);
export type Verdict = z.infer<typeof Verdict>;

/** A member of a change group as the group view lists it, with its patch's digest as the job's changes gave it. */
export const GroupMember = z.object({
  repositoryName: z.string().max(200),
  state: ReviewState,
  digest: PatchDigest.optional(),
});
export type GroupMember = z.infer<typeof GroupMember>;

/** A member a group review was shown, with the digest of its patch as shown: the API refuses any other. */
export const ShownMember = z.object({ repositoryName: z.string().min(1).max(200), digest: PatchDigest });
export type ShownMember = z.infer<typeof ShownMember>;
