import { patchFileName } from '../../common/names';
import os from 'node:os';
import * as vscode from 'vscode';
import { patchToUse } from '../patches';
import { resolvePatch } from '../pick';
import type { Services } from '../services';
import type { Command } from './command';

/** Saves the patch as a file that `git apply` and `patch -p1` take. */
export const downloadPatch: Command = {
  id: 'codyBatch.downloadPatch',
  doing: 'Downloading the patch',
  /** `options.patch`: the patch a view painted, saved as it is (else the current one is read). */
  async run(services, arg, options) {
    const chosen = await resolvePatch(services, arg, options, 'download a patch');
    if (!chosen) return;
    await savePatch(services, chosen.ref, chosen.shown);
  },
};

/** Saves a repository's patch: `shown`, the one a view painted, else its current one. */
async function savePatch(
  services: Services,
  ref: { jobId: string; repositoryName: string },
  shown?: string,
): Promise<void> {
  const patch = await patchToUse(services.patches, ref, shown);
  if (!patch) {
    void vscode.window.showInformationMessage(`Cody Batch: ${ref.repositoryName} made no changes; there is no patch.`);
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
}
