import { whyNotMerge } from '../../common/mergeReadiness';
import type { AutoMerge, MergeMethod } from '../../common/schemas';
import type { PullRequestHost, PullRequestRef, PullRequestStatus } from './codeHost';

// Merge on green, for any host: turn the host's auto-merge on; where the host refuses because
// nothing is left to wait for, merge now under Merge Ready's rules (never forcing, at the head that
// was checked), and say so. The bulk action and a publish with `autoMerge` both come here.

export type AutoMergeResult =
  | { outcome: 'enabled'; autoMerge: AutoMerge }
  | { outcome: 'merged'; reason: string }
  | { outcome: 'not-merged'; reason: string };

export async function autoMergeOrMerge(
  host: Pick<PullRequestHost, 'enableAutoMerge' | 'mergePullRequest'>,
  ref: PullRequestRef,
  status: Pick<PullRequestStatus, 'headSha' | 'state' | 'mergeable' | 'checks' | 'review' | 'notMergeableBecause'>,
  method: MergeMethod,
): Promise<AutoMergeResult> {
  const answer = await host.enableAutoMerge(ref, { method, expectedHeadSha: status.headSha });
  if ('enabled' in answer) return { outcome: 'enabled', autoMerge: answer.enabled };
  const reason = whyNotMerge(status);
  if (reason)
    return { outcome: 'not-merged', reason: `${answer.nothingToWaitFor}, but it is not merged now: ${reason}` };
  await host.mergePullRequest(ref, { method, expectedHeadSha: status.headSha, deleteBranch: false });
  return { outcome: 'merged', reason: `${answer.nothingToWaitFor}: merged now (${method})` };
}
