import * as vscode from 'vscode';
import * as z from 'zod';
import { filePath, parsePatch } from '../../common/patch';
import type { RepositoryRef } from '../../common/webviewProtocol';
import { findCheckouts } from '../../common/git/checkouts';
import { fileSides, type FileSides } from '../git/fileSides';
import type { PatchStore } from '../patches';

// "Open in diff editor": VS Code's own diff editor over two read-only documents, the file before
// and after the job's change, rebuilt from the local checkout and the patch.

export const DIFF_SCHEME = 'cody-batch-diff';

/** A patch to read: of an attempt (default the current one), and whether it is a kept failed change. */
export type PatchRef = RepositoryRef & { failed?: boolean };

const DiffQuery = z.object({
  jobId: z.string(),
  repositoryName: z.string(),
  attempt: z.number().int().optional(),
  failed: z.boolean().optional(),
  path: z.string(),
  side: z.enum(['original', 'modified']),
});

export class DiffDocuments implements vscode.TextDocumentContentProvider {
  private readonly sides = new Map<string, Promise<FileSides>>();

  constructor(private readonly patches: PatchStore) {}

  async open(ref: PatchRef, path: string): Promise<void> {
    const uri = (side: 'original' | 'modified') =>
      vscode.Uri.from({ scheme: DIFF_SCHEME, path: `/${side}/${path}`, query: JSON.stringify({ ...ref, path, side }) });
    this.sides.delete(sidesKey(ref, path));
    const sides = await this.load(ref, path);
    await vscode.commands.executeCommand(
      'vscode.diff',
      uri('original'),
      uri('modified'),
      `${path} (${ref.repositoryName}, Cody Batch)`,
      { preview: true },
    );
    if (sides.note) void vscode.window.showInformationMessage(`Cody Batch: ${sides.note}`);
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const query = DiffQuery.safeParse(JSON.parse(uri.query || '{}'));
    if (!query.success) return '';
    const sides = await this.load(query.data, query.data.path);
    return query.data.side === 'original' ? sides.original : sides.modified;
  }

  private load(ref: PatchRef, path: string): Promise<FileSides> {
    const key = sidesKey(ref, path);
    let sides = this.sides.get(key);
    if (!sides) {
      sides = (async () => {
        const patch = (await this.patches.get(ref, { failed: ref.failed })) ?? '';
        const file = parsePatch(patch).find((candidate) => filePath(candidate) === path || candidate.oldPath === path);
        if (!file) throw new Error(`${path} is not in the patch of ${ref.repositoryName}`);
        const folders = (vscode.workspace.workspaceFolders ?? [])
          .filter((folder) => folder.uri.scheme === 'file')
          .map((folder) => folder.uri.fsPath);
        const [checkout] = await findCheckouts(folders, ref.repositoryName);
        return fileSides(file, checkout?.root);
      })();
      this.sides.set(key, sides);
      sides.catch(() => this.sides.delete(key));
    }
    return sides;
  }
}

function sidesKey(ref: PatchRef, path: string): string {
  return `${ref.jobId}\n${ref.repositoryName}\n${ref.attempt ?? ''}\n${ref.failed ? 'failed' : ''}\n${path}`;
}
