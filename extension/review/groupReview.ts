import * as vscode from 'vscode';
import { OpenedVariants, reviewGroupOutcome } from '../../common/groupReview';
import { operationLine } from '../../common/operationProgress';
import type { ShownMember, Verdict } from '../../common/webviewProtocol';
import type { Services } from '../services';

// Approving or rejecting a change group, from the overview or the group view: one call with the
// members the reviewer saw, each with the digest of its patch as shown, and those in other
// surroundings they opened from a group view (kept here for the window's life). The API refuses
// (409) when the group is not what was shown any more (a member's diff changed, one joined), or is
// approved with a member in other surroundings not opened: that is said in words, and the view
// shows the group again.
// Then `groupReviewed`: the tree, the members' diff panels and the job's group views load again.

/** The members in other surroundings opened from group views in this window. */
export const openedVariants = new OpenedVariants();

export async function reviewGroup(
  services: Services,
  jobId: string,
  fingerprint: string,
  state: Verdict,
  members: ShownMember[],
): Promise<{ done: boolean; message: string }> {
  const doing = state === 'approved' ? 'Approving' : 'Rejecting';
  const repositories = members.map((member) => member.repositoryName);
  const count = `${repositories.length} ${repositories.length === 1 ? 'repository' : 'repositories'}`;
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: `Cody Batch: ${doing} ${count}…` },
    (progress) =>
      reviewGroupOutcome(
        // A large group is reviewed after the answer: the server's operation counts as it goes.
        () =>
          services.connection.client.reviewChangeGroup(
            jobId,
            fingerprint,
            { state, members, openedVariants: openedVariants.names(jobId, fingerprint) },
            { onProgress: ({ operation }) => progress.report({ message: operationLine(operation) }) },
          ),
        state,
        repositories,
      ),
  );
}

/** After a group review, done or refused: what shows the members' reviews loads again (each panel once). */
export function groupReviewed(services: Services, jobId: string, members: readonly { repositoryName: string }[]): void {
  void services.jobs.refresh();
  for (const { repositoryName } of members) services.panels.reloadDiff({ jobId, repositoryName });
  services.panels.reloadGroups(jobId);
}
