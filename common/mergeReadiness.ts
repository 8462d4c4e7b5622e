import type { PullRequestInfo } from './schemas';

// Merge Ready's rules, one home for every path that merges (the bulk merge, and auto-merge when the
// host has nothing left to wait for): a merge never forces, so a draft, a conflict, failing or
// pending checks, or requested changes are each a reason not to, in a sentence.

/** Why a pull request is not merged now, or undefined when it may be. */
export function whyNotMerge(
  info: Pick<PullRequestInfo, 'state' | 'mergeable' | 'checks' | 'review'> & {
    /** The host's reason when it is not mergeable (GitLab: a pipeline that must pass, approvals left). */
    notMergeableBecause?: string;
  },
): string | undefined {
  if (info.state === 'merged') return 'already merged';
  if (info.state === 'closed') return 'already closed';
  if (info.state === 'draft') return 'is a draft: mark it ready for review first';
  if (info.mergeable === false)
    return `not mergeable: ${info.notMergeableBecause ?? 'it conflicts with its base branch'}`;
  if (info.mergeable === null) return 'the host has not yet worked out whether it can be merged: try again shortly';
  if (info.checks === 'failing') return 'checks failing';
  if (info.checks === 'pending') return 'checks still running';
  if (info.review === 'changes_requested') return 'changes requested';
  return undefined;
}
