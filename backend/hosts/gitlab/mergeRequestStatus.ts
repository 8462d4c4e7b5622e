import type { ChecksState, PullRequestReviewState, PullRequestState } from '../../../common/schemas';
import { type PullRequestRef, type PullRequestStatus, pullRequestKey } from '../codeHost';
import { mapLimited } from '../mapLimited';
import { type GitLabClient, GitLabError, projectPath } from './client';
import { lastFeedbackAt } from './feedback';
import { isDraft, type MergeRequest } from './mergeRequests';

// Merge-request states through GitLab's REST API, in as few requests as it allows: one GET of the
// merge request (its state, draft, `detailed_merge_status`, head commit and `head_pipeline`), and
// for an open one its approvals (`/approvals`: who approved, how many are left), which nothing
// else answers; only for an open one that has notes, its newest notes (whether someone other than
// Cody Batch spoke, and when: what a review round answers). A job has one merge request per
// project, so a listing per project saves nothing; a merged or closed one costs one request, an
// open one two, three with notes (bench/pullRequests.ts counts them). GitLab's GraphQL could
// answer a hundred in one request; the issue asks for REST, and REST keeps one client and one set
// of rate limits.

/** Requests in flight at once: GitLab's rate limits are per minute, not per connection. */
const CONCURRENCY = 8;

interface FullMergeRequest extends MergeRequest {
  updated_at: string;
  sha: string;
  detailed_merge_status?: string;
  merge_status?: string;
  has_conflicts?: boolean;
  head_pipeline?: { status?: string } | null;
  target_branch: string;
  squash?: boolean;
  merge_when_pipeline_succeeds?: boolean;
  user_notes_count?: number;
}

interface Approvals {
  approved?: boolean;
  approvals_left?: number;
  approved_by?: unknown[];
}

export async function mergeRequestStatuses(
  gitlab: GitLabClient,
  refs: readonly PullRequestRef[],
  ownUsername: () => Promise<string>,
): Promise<Map<string, PullRequestStatus>> {
  const found = new Map<string, PullRequestStatus>();
  await mapLimited(refs, CONCURRENCY, async (ref) => {
    const path = `${projectPath(ref.repositoryName)}/merge_requests/${ref.number}`;
    const mergeRequest = await gitlab.find<FullMergeRequest>(path);
    // One GitLab no longer has (or no longer lets us see) is left out.
    if (!mergeRequest) return;
    const approvals =
      mergeRequest.state === 'opened' ? await gitlab.get<Approvals>(`${path}/approvals`).catch(notFound) : undefined;
    // Who spoke last costs a request only where someone wrote a note at all.
    const feedbackAt =
      mergeRequest.state === 'opened' && (mergeRequest.user_notes_count ?? 0) > 0
        ? await lastFeedbackAt(gitlab, ref, await ownUsername())
        : undefined;
    found.set(pullRequestKey(ref), { ...statusOf(mergeRequest, approvals), ...(feedbackAt ? { feedbackAt } : {}) });
  });
  return found;
}

function notFound(error: unknown): undefined {
  if (error instanceof GitLabError && error.status === 404) return undefined;
  throw error;
}

export function statusOf(mergeRequest: FullMergeRequest, approvals: Approvals | undefined): PullRequestStatus {
  const state: PullRequestState =
    mergeRequest.state === 'merged'
      ? 'merged'
      : mergeRequest.state === 'opened' || mergeRequest.state === 'locked'
        ? isDraft(mergeRequest)
          ? 'draft'
          : 'open'
        : 'closed';
  const merge = mergeabilityOf(mergeRequest);
  return {
    url: mergeRequest.web_url,
    number: mergeRequest.iid,
    state,
    checks: checksOf(mergeRequest.head_pipeline?.status),
    review: reviewOf(mergeRequest, approvals),
    mergeable: merge.mergeable,
    ...(merge.because ? { notMergeableBecause: merge.because } : {}),
    updatedAt: mergeRequest.updated_at,
    // GitLab says that it is set, not since when: the merge request's last change is the nearest.
    ...(mergeRequest.merge_when_pipeline_succeeds && state !== 'merged'
      ? { autoMerge: { method: mergeRequest.squash ? 'squash' : 'merge', enabledAt: mergeRequest.updated_at } }
      : {}),
    headSha: mergeRequest.sha,
    headRef: mergeRequest.source_branch,
    baseRef: mergeRequest.target_branch,
  };
}

/** A head pipeline's status as checks: a canceled pipeline did not pass. */
function checksOf(status: string | undefined): ChecksState {
  switch (status) {
    case 'success':
      return 'passing';
    case 'failed':
    case 'canceled':
      return 'failing';
    case 'created':
    case 'waiting_for_resource':
    case 'preparing':
    case 'pending':
    case 'running':
    case 'scheduled':
    case 'manual':
      return 'pending';
    default:
      return 'none';
  }
}

/** `approved` only when someone approved and none are left to give; `review_required` while some are. */
function reviewOf(mergeRequest: FullMergeRequest, approvals: Approvals | undefined): PullRequestReviewState {
  if (mergeRequest.detailed_merge_status === 'requested_changes') return 'changes_requested';
  if (!approvals) return 'none';
  const left = approvals.approvals_left ?? 0;
  if (left > 0) return 'review_required';
  return (approvals.approved_by?.length ?? 0) > 0 ? 'approved' : 'none';
}

/** What GitLab's `detailed_merge_status` says of a merge now, in words when it is not possible. */
const NOT_MERGEABLE: Record<string, string> = {
  ci_must_pass: 'its pipeline must pass first',
  ci_still_running: 'its pipeline must pass first and is still running',
  conflict: 'it conflicts with its target branch',
  draft_status: 'it is a draft',
  not_approved: 'it still needs approvals',
  discussions_not_resolved: 'its discussions must be resolved first',
  blocked_status: 'another merge request blocks it',
  need_rebase: 'it must be rebased first',
  not_open: 'it is not open',
  requested_changes: 'a reviewer requested changes',
  jira_association_missing: 'its title or description must name a Jira issue',
  external_status_checks: 'its external status checks must pass first',
  merge_request_blocked: 'another merge request blocks it',
  security_policy_violations: 'a security policy blocks it',
  commits_status: 'its source branch has no commits or is missing',
  locked_paths: 'it changes locked paths',
  locked_lfs_files: 'it changes locked LFS files',
  title_regex: 'its title does not match the project’s required pattern',
};

/** GitLab has not worked it out yet: ask again shortly. */
const UNDECIDED = new Set(['checking', 'unchecked', 'preparing', 'approvals_syncing']);

function mergeabilityOf(mergeRequest: FullMergeRequest): { mergeable: boolean | null; because?: string } {
  const detailed = mergeRequest.detailed_merge_status;
  if (detailed === undefined) {
    // Before GitLab 15.6: `merge_status` and `has_conflicts` only.
    if (mergeRequest.merge_status === 'can_be_merged') return { mergeable: true };
    if (mergeRequest.merge_status === 'cannot_be_merged')
      return {
        mergeable: false,
        because: mergeRequest.has_conflicts ? NOT_MERGEABLE.conflict : 'GitLab cannot merge it',
      };
    return { mergeable: null };
  }
  if (detailed === 'mergeable') return { mergeable: true };
  if (UNDECIDED.has(detailed)) return { mergeable: null };
  return { mergeable: false, because: NOT_MERGEABLE[detailed] ?? `GitLab says ${detailed.replaceAll('_', ' ')}` };
}
