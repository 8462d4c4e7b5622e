import { patchFileName } from '../../common/names';
import os from 'node:os';
import * as vscode from 'vscode';
import { resolveRepository } from '../pick';
import type { Command } from './command';

/** Saves the patch as a file that `git apply` and `patch -p1` take. */
export const downloadPatch: Command = {
  id: 'codyBatch.downloadPatch',
  doing: 'Downloading the patch',
  async run(services, arg) {
    const target = await resolveRepository(
      services,
      arg,
      (_job, repository) => repository.status === 'COMPLETED',
      'download a patch',
    );
    if (!target) return;
    const ref = { jobId: target.job.jobId, repositoryName: target.repository.repositoryName };
    const patch = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Cody Batch: downloading the patch of ${ref.repositoryName}…`,
      },
      () => services.patches.get(ref),
    );
    if (!patch) {
      void vscode.window.showInformationMessage(
        `Cody Batch: ${ref.repositoryName} made no changes; there is no patch.`,
      );
      return;
    }
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir());
    const name = patchFileName(ref);
    const destination = await vscode.window.showSaveDialog({
      title: `Cody Batch: save the patch of ${ref.repositoryName}`,
      defaultUri: vscode.Uri.joinPath(folder, name),
      filters: { Patches: ['patch', 'diff'] },
      saveLabel: 'Save Patch',
    });
    if (!destination) return;
    await vscode.workspace.fs.writeFile(destination, new TextEncoder().encode(patch));
    services.log.info(`Saved the patch of ${ref.repositoryName} (${patch.length} bytes) to ${destination.toString()}`);
    const choice = await vscode.window.showInformationMessage(
      `Cody Batch: saved the patch to ${vscode.workspace.asRelativePath(destination)}.`,
      'Open',
    );
    if (choice === 'Open') await vscode.window.showTextDocument(destination);
  },
};
