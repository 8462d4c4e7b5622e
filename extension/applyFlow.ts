import path from 'node:path';
import * as vscode from 'vscode';
import type { RepositoryRef } from '../common/webviewProtocol';
import { applyPatch, uncommittedWorkNote, type ApplyResult } from '../common/git/applyPatch';
import { describeCheckout, findCheckouts, type Checkout } from '../common/git/checkouts';
import { confirmOutsideLinks } from './outsideLinksPrompt';
import { patchToUse } from './patches';
import type { Services } from './services';

// "Apply Patch to Local Checkout", the part that talks to the user: which checkout, whether to
// stash uncommitted work, whether to make links out of the repository, and what happened. The git
// work itself is in common/git/applyPatch.ts.

export const STASH_CHOICE = 'Stash, Apply, Restore';

/** `shown`: the patch a view painted, which is what is applied (else the current one is read). */
export async function applyToLocalCheckout(
  services: Services,
  ref: RepositoryRef,
  shown?: string,
): Promise<ApplyResult | undefined> {
  const patch = await patchToUse(services.patches, ref, shown);
  if (!patch) {
    void vscode.window.showInformationMessage(`Cody Batch: ${ref.repositoryName} has no changes to apply.`);
    return undefined;
  }
  const checkout = await chooseCheckout(ref.repositoryName);
  if (!checkout) return undefined;

  const folderName = path.basename(checkout.root);
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Cody Batch: applying the patch to ${folderName}…` },
    () =>
      applyPatch(checkout.root, patch, {
        label: `job ${ref.jobId} ${ref.repositoryName}`,
        confirmStash: async (files) => {
          const shown = files.slice(0, 8).join('\n');
          const more = files.length > 8 ? `\n… and ${files.length - 8} more` : '';
          const choice = await vscode.window.showWarningMessage(
            `${folderName} has uncommitted changes. Stash them, apply the patch, and restore them?`,
            {
              modal: true,
              detail:
                `git apply --3way cannot apply over uncommitted changes. Your changes are stashed first ` +
                `and restored afterwards; if restoring conflicts, they stay in the ` +
                `stash.\n\n${shown}${more}`,
            },
            STASH_CHOICE,
          );
          return choice === STASH_CHOICE;
        },
        confirmOutsideLinks: (links) =>
          confirmOutsideLinks(folderName, links, (message, detail, button) =>
            vscode.window.showWarningMessage(message, { modal: true, detail }, button),
          ),
      }),
  );
  services.log.info(`Apply ${ref.jobId} ${ref.repositoryName} to ${checkout.root}: ${JSON.stringify(result)}`);
  void reportResult(result, checkout.root);
  return result;
}

async function chooseCheckout(repositoryName: string): Promise<Checkout | undefined> {
  const folders = (vscode.workspace.workspaceFolders ?? [])
    .filter((folder) => folder.uri.scheme === 'file')
    .map((folder) => folder.uri.fsPath);
  const found = await findCheckouts(folders, repositoryName);
  if (found.length === 1) return found[0];
  if (found.length > 1) {
    const picked = await vscode.window.showQuickPick(
      found.map((checkout) => ({ label: path.basename(checkout.root), description: checkout.root, checkout })),
      { title: `Cody Batch: apply the patch of ${repositoryName}`, placeHolder: 'Several checkouts match; choose one' },
    );
    return picked?.checkout;
  }
  const choice = await vscode.window.showWarningMessage(
    `No workspace folder is a clone of ${repositoryName}. Choose a local checkout to apply the patch to?`,
    { modal: true },
    'Choose Folder…',
  );
  if (choice !== 'Choose Folder…') return undefined;
  const [folder] =
    (await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      openLabel: 'Apply Here',
    })) ?? [];
  if (!folder) return undefined;
  const checkout = await describeCheckout(folder.fsPath);
  if (!checkout) {
    void vscode.window.showErrorMessage(
      `Cody Batch: ${folder.fsPath} is not in a git repository; nothing was changed.`,
    );
    return undefined;
  }
  return checkout;
}

async function reportResult(result: ApplyResult, root: string): Promise<void> {
  const folder = path.basename(root);
  const list = (files: string[]) =>
    files.length > 5 ? `${files.slice(0, 5).join(', ')} and ${files.length - 5} more` : files.join(', ');
  switch (result.status) {
    case 'applied': {
      const restored = uncommittedWorkNote(result);
      const choice = await vscode.window.showInformationMessage(
        `Cody Batch: applied to ${result.files.length} ${result.files.length === 1 ? 'file' : 'files'} in ${folder}.${restored ? ` ${restored}` : ''}`,
        'Open Changes',
      );
      if (choice === 'Open Changes') await openChanges(root, result.files);
      return;
    }
    case 'conflicts': {
      const stash = result.stash
        ? ` Your uncommitted changes are in the stash "${result.stash.message}": run \`git stash pop\` once the conflicts are resolved.`
        : '';
      const choice = await vscode.window.showWarningMessage(
        `Cody Batch: the patch applied with conflicts in ${list(result.conflicts)} (${folder}). Resolve the conflict markers, then stage the files.${stash}`,
        'Open Conflicts',
      );
      if (choice === 'Open Conflicts') await openChanges(root, result.conflicts);
      return;
    }
    case 'restore-conflicts': {
      const where =
        result.conflicts.length > 0
          ? `conflicted in ${list(result.conflicts)}`
          : `failed (${result.message.split('\n')[0]})`;
      const choice = await vscode.window.showWarningMessage(
        `Cody Batch: applied to ${result.files.length} files in ${folder}, but restoring your ` +
          `uncommitted changes ${where}. They are safe in the stash "${result.stash.message}" ` +
          `(${result.stash.commit.slice(0, 10)}): see them with \`git stash show -p\`; once ` +
          `merged, \`git stash drop\`.`,
        'Open Changes',
      );
      if (choice === 'Open Changes')
        await openChanges(root, result.conflicts.length > 0 ? result.conflicts : result.files);
      return;
    }
    case 'cancelled':
    case 'outside-links':
      void vscode.window.showInformationMessage(`Cody Batch: nothing was applied; ${folder} is unchanged.`);
      return;
    case 'failed': {
      const stash = result.stash
        ? ` Your uncommitted changes are in the stash "${result.stash.message}" (\`git stash pop\`).`
        : ' Nothing was changed.';
      void vscode.window.showErrorMessage(
        `Cody Batch: the patch did not apply to ${folder}: ${result.message.split('\n')[0]}.${stash}`,
      );
      return;
    }
  }
}

async function openChanges(root: string, files: string[]): Promise<void> {
  await vscode.commands.executeCommand('workbench.view.scm');
  const first = files.map((file) => vscode.Uri.file(path.join(root, file))).find(Boolean);
  if (first) {
    try {
      await vscode.window.showTextDocument(first, { preview: true });
    } catch {
      // A deleted or binary file: the Source Control view shows it.
    }
  }
}
