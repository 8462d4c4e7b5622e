import * as z from 'zod';
import { PatchDigest, PatchRevisionRequest, RepositoryError, ReviewRequest, ReviewState } from '../schemas';
import { loadRequest, type ProtocolSpec } from './messages';
import { Done, PanelTitle, RepositoryHeading } from './viewParts';
import {
  DiffLayout,
  GroupMember,
  Direction,
  GroupFingerprint,
  MAX_OPEN_KEYS,
  RepositoryRef,
  ShownMember,
  Verdict,
  ViewPlace,
} from './views';

// The diff view: one repository's diff, or a change group's, with its review.

export const DiffPanelState = RepositoryRef.extend({
  layout: DiffLayout.default('side-by-side'),
  /** The panel shows this change group (its representative's diff, with its members); absent: one repository. */
  group: GroupFingerprint.optional().catch(undefined),
  /** An earlier revision of the patch, read-only (0: the worker's own diff); absent: the current one. */
  revision: z.number().int().min(0).max(10_000).optional().catch(undefined),
  ...ViewPlace.shape,
  ...PanelTitle.shape,
});
export type DiffPanelState = z.infer<typeof DiffPanelState>;

/** The change group a diff panel shows: its representative's diff is the page's patch. */
export const GroupShown = z.object({
  fingerprint: GroupFingerprint,
  /** "38 repositories · the same change", "4 · a variant of the same change: only indentation differs", "1 · outlier: touches package-lock.json". */
  title: z.string().max(2_000),
  representative: z.string().max(200),
  members: z.array(GroupMember).max(100_000),
  /**
   * Members with the same lines in other surroundings than the representative's, one entry per
   * distinct surroundings; `opened` once one of its members was shown (its surroundings, or its own
   * diff). Approve group waits until every one is.
   */
  surroundings: z
    .array(z.object({ repositories: z.array(z.string().max(200)).max(100_000), opened: z.boolean() }))
    .max(100_000)
    .optional(),
  /** An outlier's Approve is a secondary button, never the primary one. */
  kind: z.enum(['main', 'variant', 'outlier', 'other']).optional(),
  /** The next group (in the overview's order, going round) with a member not reviewed yet. */
  next: z.object({ fingerprint: GroupFingerprint, title: z.string().max(2_000) }).optional(),
});
export type GroupShown = z.infer<typeof GroupShown>;

/** A member's hunks whose surroundings differ from the representative's (`common/surroundings.ts`). */
export const SurroundingsShown = z.object({
  hunks: z
    .array(
      z.object({
        path: z.string().max(4096),
        header: z.string().max(4096),
        lines: z.array(z.object({ text: z.string().max(100_000), differs: z.boolean() })).max(1_000),
        moreLines: z.number().int().min(0),
      }),
    )
    .max(1_000),
  moreHunks: z.number().int().min(0),
});
export type SurroundingsShown = z.infer<typeof SurroundingsShown>;

/** Which revision of the patch a diff panel shows, of how many (0: the worker's own diff). */
export const RevisionShown = z.object({
  shown: z.number().int().min(0),
  current: z.number().int().min(0),
});
export type RevisionShown = z.infer<typeof RevisionShown>;

/** Where what is marked to drop goes: this repository's patch, every member of its group, every repository of the job. */
export const DropScope = z.enum(['repository', 'group', 'job']);
export type DropScope = z.infer<typeof DropScope>;

/** A follow-up round above its diff: its heading and what it acted on (the host's words, shown as text). */
export const RoundShown = z.object({
  heading: z.string().max(2_000),
  parts: z
    .array(
      z.object({
        title: z.string().max(2_000),
        text: z.string().max(100_000).optional(),
        where: z.string().max(4_096).optional(),
        url: z.string().max(2_048).optional(),
      }),
    )
    .max(500),
  /** Why the parts are missing (the trigger could not be read). */
  note: z.string().max(2_000).optional(),
});
export type RoundShown = z.infer<typeof RoundShown>;

/** A repository's review as the diff view shows it. */
export const DiffReview = z.object({ state: ReviewState, note: z.string().max(2_000).optional() });
export type DiffReview = z.infer<typeof DiffReview>;

export const diffProtocol = {
  requests: {
    /** The page is ready: the diff to show. `patch` is undefined when the run made no changes. */
    load: loadRequest(
      RepositoryHeading.extend({
        patch: z.string().optional(),
        /** The SHA-256 of the patch's bytes as the host received them: what a review of it sends back. */
        digest: PatchDigest.optional(),
        pullRequestUrl: z.string().optional(),
        /** The layout last chosen in any diff panel, for a panel that has no choice of its own yet. */
        layout: DiffLayout.optional(),
        /**
         * The change was kept though its verification failed (a command job's): shown with the
         * failure above it, and offered for reading only, not to apply.
         */
        failure: RepositoryError.optional(),
        /** The review of the shown attempt, when it is the current one (absent on an earlier attempt). */
        review: DiffReview.optional(),
        /** "12 of 40 reviewed · 10 approved, 2 rejected": the job's COMPLETED repositories. */
        progress: z.string().max(200).optional(),
        /** The repositories Previous and Next Repository go to, in the tree's order. */
        previousRepository: z.string().max(200).optional(),
        nextRepository: z.string().max(200).optional(),
        /** The files this reviewer marked Viewed in this attempt's patch: they show collapsed. */
        viewed: z.array(z.string().max(4096)).max(MAX_OPEN_KEYS).optional(),
        /** What the last action did, said once on the page it led to ("Approved acme/a. Now acme/b."). */
        notice: z.string().max(2_000).optional(),
        /** Group mode: the group whose representative's diff this is, with its members. */
        group: GroupShown.optional(),
        /** The revision shown and the current one, when the patch has revisions or can take one. */
        revision: RevisionShown.optional(),
        /** Hunks and files may be dropped from this patch (its current revision, on the current attempt). */
        revisable: z.boolean().optional(),
        /** Where marked hunks and files may be dropped from (a group view: its members, the job). */
        dropScopes: z.array(DropScope).max(3).optional(),
        /** The shown attempt is a follow-up round: what triggered it, above its diff. */
        round: RoundShown.optional(),
      }),
    ),
    /**
     * Group mode: approve or reject every member shown (refused when the group or a member's patch
     * changed since). The host sends the members in other surroundings this reviewer opened with it.
     */
    reviewGroup: {
      params: z.object({ state: Verdict, members: z.array(ShownMember).max(1_000) }),
      result: Done,
    },
    /** Group mode: open a member's own diff (a member in other surroundings counts as opened). */
    openMember: { params: z.object({ repositoryName: z.string().min(1).max(200) }), result: Done },
    /** Group mode: a member's hunks whose surroundings differ from the representative's; it counts as opened. */
    showSurroundings: {
      params: z.object({ repositoryName: z.string().min(1).max(200) }),
      result: SurroundingsShown,
    },
    /** Group mode: show another group of the job in this tab (the next unreviewed one). */
    openGroup: { params: z.object({ fingerprint: GroupFingerprint }), result: Done },
    /** Save the current patch minus the hunks and files marked to drop, as a new revision. */
    revisePatch: { params: PatchRevisionRequest, result: Done },
    /**
     * Drop what is marked (files by path, hunks by their change) from every member of the group, or
     * every repository of the job: one new revision each, one summary.
     */
    dropEverywhere: { params: PatchRevisionRequest.extend({ scope: DropScope.exclude(['repository']) }), result: Done },
    /** Show another revision of the patch (0: the original), read-only unless it is the current one. */
    showRevision: { params: z.object({ revision: z.number().int().min(0).max(10_000) }), result: Done },
    /** Approve, reject or take back the review of the shown repository, then move on (approve, reject). */
    review: { params: ReviewRequest.pick({ state: true, note: true, digest: true }), result: Done },
    /** The reviewer marked a file Viewed, or not: kept per reviewer, repository and patch. */
    setViewed: { params: z.object({ path: z.string().min(1).max(4096), viewed: z.boolean() }), result: Done },
    /** Show the previous or next repository of the job in this panel. */
    showRepository: { params: z.object({ direction: Direction }), result: Done },
    openFileInDiffEditor: { params: z.object({ path: z.string().min(1).max(4096) }), result: Done },
    applyToLocalCheckout: { params: z.object({}), result: Done },
    downloadPatch: { params: z.object({}), result: Done },
    openPullRequest: { params: z.object({}), result: Done },
    /** The user switched layout: the next diff panel opens in it. */
    rememberLayout: { params: z.object({ layout: DiffLayout }), result: Done },
    /** Open another attempt of this repository in this panel. */
    showAttempt: { params: z.object({ attempt: z.number().int().min(1).max(10_000) }), result: Done },
  },
  events: {
    /** The panel was reused for another repository (or attempt): load again, from the top. */
    show: z.object({}),
    /** Next/Previous File from the keyboard: open and scroll to that file. */
    goToFile: z.object({ direction: Direction }),
    /** Approve or Reject from the keyboard: review with the note typed on the page. */
    reviewRequested: z.object({ state: Verdict }),
    /**
     * What the page shows changed since it was painted (a new attempt, a new revision, a review
     * made elsewhere, the group's members): say so, and act on nothing until it loads again.
     */
    changed: z.object({ message: z.string().max(2_000) }),
  },
} satisfies ProtocolSpec;
