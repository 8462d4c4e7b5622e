import * as vscode from 'vscode';
import { groupReviewedText } from '../../common/changeGroupText';
import { ApiError } from '../../common/client';
import type { Verdict } from '../../common/webviewProtocol';
import type { Services } from '../services';

// Approving or rejecting a change group, from the overview or the group view: one call with the
// members the reviewer saw. The API refuses (409) when the group is not what was shown any more
// (a member's diff changed, one joined): that is said in words, and the view shows the group again.
// Then `groupReviewed`: the tree, the members' diff panels and the job's group views load again.

export async function reviewGroup(
  services: Services,
  jobId: string,
  fingerprint: string,
  state: Verdict,
  repositories: string[],
): Promise<{ done: boolean; message: string }> {
  const doing = state === 'approved' ? 'Approving' : 'Rejecting';
  const count = `${repositories.length} ${repositories.length === 1 ? 'repository' : 'repositories'}`;
  try {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Cody Batch: ${doing} ${count}…` },
      () => services.connection.client.reviewChangeGroup(jobId, fingerprint, { state, repositories }),
    );
    return { done: true, message: groupReviewedText(state, repositories.length) };
  } catch (error) {
    if (error instanceof ApiError && error.status === 409)
      return {
        done: false,
        message: `Not ${state}: the group changed since it was shown (${error.message}). It is shown again as it is now: look, then review it again.`,
      };
    if (error instanceof ApiError && error.status === 404)
      return {
        done: false,
        message: `Not ${state}: this group is gone (${error.message}). The groups are shown again.`,
      };
    throw new Error(`${doing} the group failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** After a group review, done or refused: what shows the members' reviews loads again (each panel once). */
export function groupReviewed(services: Services, jobId: string, repositories: readonly string[]): void {
  void services.jobs.refresh();
  for (const repositoryName of repositories) services.panels.reloadDiff({ jobId, repositoryName });
  services.panels.reloadGroups(jobId);
}
