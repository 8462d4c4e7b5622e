import type { MergeMethod } from '../../../common/schemas';
import {
  type AutoMergeOutcome,
  HostRateLimited,
  HostRefusal,
  HostUnavailable,
  type MergeOptions,
  type PullRequestRef,
} from '../codeHost';
import { type GitLabClient, GitLabError, projectPath } from './client';

// Merge, close and comment through GitLab's REST API. A merge names the head commit it was checked
// at (`sha`), so GitLab refuses it (409) if someone pushed since; nothing here ever forces. A
// squash is GitLab's `squash`; a rebase is not a merge GitLab does on request (the project's merge
// method decides), so it is refused with what to use instead. What GitLab refuses is a HostRefusal
// with GitLab's reason; a rate limit longer than the client waits is a HostRateLimited.

export interface GitLabMergeOptions extends MergeOptions {
  /** GitLab's "merge when pipeline succeeds": set it to merge once the head pipeline passes. */
  whenPipelineSucceeds?: boolean;
}

export async function mergeMergeRequest(gitlab: GitLabClient, ref: PullRequestRef, options: GitLabMergeOptions) {
  if (options.method === 'rebase')
    throw new HostRefusal(
      "GitLab refused to merge it: GitLab merges by the project's own merge method (merge " +
        'commit, semi-linear or fast-forward), not a rebase on request; merge with the method ' +
        'merge or squash',
    );
  await act(
    () =>
      gitlab.put(`${mergeRequestPath(ref)}/merge`, {
        sha: options.expectedHeadSha,
        squash: options.method === 'squash',
        should_remove_source_branch: options.deleteBranch,
        ...(options.whenPipelineSucceeds ? { merge_when_pipeline_succeeds: true } : {}),
      }),
    'merge',
  );
}

/** A head pipeline in these states has not finished: "merge when pipeline succeeds" has something to wait for. */
const UNFINISHED_PIPELINE = new Set([
  'created',
  'waiting_for_resource',
  'preparing',
  'pending',
  'running',
  'scheduled',
]);

/**
 * Auto-merge on GitLab: "merge when pipeline succeeds" at the checked head. With no pipeline
 * running there is nothing to wait for (GitLab would merge at once, under its rules, not ours): the
 * caller merges now under Merge Ready's rules, or says why not.
 */
export async function enableMergeWhenPipelineSucceeds(
  gitlab: GitLabClient,
  ref: PullRequestRef,
  options: { method: MergeMethod; expectedHeadSha: string },
): Promise<AutoMergeOutcome> {
  const mergeRequest = await act(
    () => gitlab.get<{ sha: string; head_pipeline?: { status?: string } | null }>(mergeRequestPath(ref)),
    'read',
  );
  if (mergeRequest.sha !== options.expectedHeadSha)
    throw new HostRefusal(
      `GitLab refused to merge it: its head moved to ${mergeRequest.sha.slice(0, 12)} after it was checked at ${options.expectedHeadSha.slice(0, 12)}`,
    );
  const pipeline = mergeRequest.head_pipeline?.status;
  if (!pipeline || !UNFINISHED_PIPELINE.has(pipeline))
    return {
      nothingToWaitFor: pipeline ? `its pipeline has finished (${pipeline})` : 'GitLab runs no pipeline for it',
    };
  await mergeMergeRequest(gitlab, ref, { ...options, deleteBranch: false, whenPipelineSucceeds: true });
  return { enabled: { method: options.method, enabledAt: new Date().toISOString() } };
}

export async function closeMergeRequest(
  gitlab: GitLabClient,
  ref: PullRequestRef,
  options: { deleteBranch: boolean; branch?: string },
) {
  const closed = await act(
    () => gitlab.put<{ source_branch: string }>(mergeRequestPath(ref), { state_event: 'close' }),
    'close',
  );
  if (!options.deleteBranch) return;
  const branch = options.branch ?? closed.source_branch;
  await act(async () => {
    try {
      await gitlab.delete(`${projectPath(ref.repositoryName)}/repository/branches/${encodeURIComponent(branch)}`);
    } catch (error) {
      // Gone already: what was asked is done.
      if (!(error instanceof GitLabError) || error.status !== 404) throw error;
    }
  }, `delete the branch ${branch} of`);
}

export async function commentOnMergeRequest(gitlab: GitLabClient, ref: PullRequestRef, body: string) {
  await act(() => gitlab.post(`${mergeRequestPath(ref)}/notes`, { body }), 'comment on');
}

export function mergeRequestPath(ref: PullRequestRef): string {
  return `${projectPath(ref.repositoryName)}/merge_requests/${ref.number}`;
}

/** Runs one call, turning GitLab's answers into the host's errors. */
export async function act<T>(call: () => Promise<T>, what: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof HostRateLimited || error instanceof HostUnavailable) throw error;
    if (error instanceof GitLabError) {
      // 405/406/409/422: not mergeable, the head moved, closed already; 403/404: not ours to touch.
      if ([403, 404, 405, 406, 409, 422].includes(error.status))
        throw new HostRefusal(`GitLab refused to ${what} it: ${error.message}`);
      throw new HostUnavailable(`GitLab answered HTTP ${error.status}: ${error.message}`);
    }
    throw new HostUnavailable(`GitLab could not be reached: ${(error as Error).message}`);
  }
}
