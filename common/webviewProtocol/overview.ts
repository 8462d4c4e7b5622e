import * as z from 'zod';
import { Job, JobChanges, RepositoryResult } from '../schemas';
import { loadRequest, type ProtocolSpec } from './messages';
import { Done, PanelTitle } from './viewParts';
import { GroupFingerprint, ShownMember, Verdict } from './views';

// The job overview: counts, failures, the burndown and the change groups of one job.

export const OverviewPanelState = z.object({ jobId: z.string().min(1).max(200), ...PanelTitle.shape });
export type OverviewPanelState = z.infer<typeof OverviewPanelState>;

/** Where a click on a repository of the overview goes: its diff (changes, kept ones too) or its log. */
export const RepositoryView = z.enum(['diff', 'log']);
export type RepositoryView = z.infer<typeof RepositoryView>;

export const overviewProtocol = {
  requests: {
    /** The job and every repository row: the page computes its counts, failures and burndown from them. */
    load: loadRequest(
      z.object({
        job: Job,
        repositories: z.array(RepositoryResult).max(100_000),
        /** The job's change groups (GET /jobs/{id}/changes); absent when they could not be read. */
        changes: JobChanges.optional(),
        /** Why the change groups are missing. */
        changesError: z.string().max(2_000).optional(),
      }),
    ),
    /** Approve or reject a change group: the members shown, refused when the group changed since. */
    reviewGroup: {
      params: z.object({
        fingerprint: GroupFingerprint,
        state: Verdict,
        members: z.array(ShownMember).min(1).max(1_000),
      }),
      result: Done,
    },
    /** Open a change group: its representative's diff with its members. */
    openGroup: { params: z.object({ fingerprint: GroupFingerprint }), result: Done },
    /** Start a follow-up round on a change group's pull requests (the host asks which: checks, review, …). */
    followUpGroup: {
      params: z.object({
        fingerprint: GroupFingerprint,
        repositories: z.array(z.string().max(200)).min(1).max(1_000),
        title: z.string().max(2_000),
      }),
      result: Done,
    },
    openRepository: {
      params: z.object({ repositoryName: z.string().min(1).max(200), view: RepositoryView }),
      result: Done,
    },
  },
  events: {
    /** The job may have changed (the tree looked again, an action ended): load again, in place. */
    changed: z.object({}),
  },
} satisfies ProtocolSpec;
