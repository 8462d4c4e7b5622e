import * as vscode from 'vscode';
import { hasKeptFailedDiff } from '../../common/attempts';
import { currentPatchDigest } from '../../common/patchDigest';
import type { Command } from '../commands/command';
import { resolveRepository } from '../pick';
import type { ActiveDiff, Services } from '../services';
import { askForText } from '../webviews/composePanel';

// Approve and Reject as commands. In a diff panel (the palette, a keybinding) the page reviews with
// the note typed in it, the same path as its buttons, and moves on. On a tree row or a repository
// picked from the palette, an input box asks for the optional note, and the review names the patch
// digest of the row the tree shows: the API refuses it if the patch has changed since.

export function reviewCommand(id: string, state: 'approved' | 'rejected'): Command {
  const verb = state === 'approved' ? 'Approve' : 'Reject';
  return {
    id,
    doing: `${verb === 'Approve' ? 'Approving' : 'Rejecting'} the diff`,
    async run(services, arg) {
      const active = arg === undefined ? services.panels.activeDiff() : undefined;
      if (active) {
        await active.send('reviewRequested', { state });
        return;
      }
      const target = await resolveRepository(
        services,
        arg,
        (_job, repository) =>
          state === 'approved'
            ? repository.status === 'COMPLETED'
            : repository.status === 'COMPLETED' || hasKeptFailedDiff(repository),
        `${verb.toLowerCase()} a diff`,
      );
      if (!target || target.attempt !== undefined) return;
      const { job, repository } = target;
      const note = await askForText(services, {
        title: `${verb} ${repository.repositoryName}`,
        prompt: 'A note for the review (optional).',
        placeholder: state === 'approved' ? 'Looks right' : 'What is wrong with it',
        value: repository.review?.attempt === repository.attempt ? (repository.review.note ?? '') : '',
        sendLabel: verb,
        kind: 'Plain words',
        validate: (text) => (text.length > 2_000 ? 'At most 2000 characters, please.' : undefined),
      });
      if (note === undefined) return;
      await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Cody Batch: ${verb.toLowerCase()} ${repository.repositoryName}…`,
        },
        () =>
          services.connection.client.reviewRepository(job.jobId, repository.repositoryName, {
            state,
            ...(note.trim() ? { note: note.trim() } : {}),
            attempt: repository.attempt,
            ...(currentPatchDigest(repository) ? { digest: currentPatchDigest(repository) } : {}),
          }),
      );
      await services.jobs.refresh();
      services.panels.reloadDiff({ jobId: job.jobId, repositoryName: repository.repositoryName });
      services.panels.reloadGroups(job.jobId);
      vscode.window.setStatusBarMessage(`$(check) Cody Batch: ${state} ${repository.repositoryName}`, 5000);
    },
  };
}

/** Runs `act` on the diff panel the user is in, or says to open one. */
export async function inActiveDiff(services: Services, act: (diff: ActiveDiff) => PromiseLike<unknown>): Promise<void> {
  const active = services.panels.activeDiff();
  if (!active) {
    void vscode.window.showInformationMessage('Cody Batch: open a diff first (View Diff on a repository).');
    return;
  }
  await act(active);
}
