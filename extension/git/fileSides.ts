import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleGit } from 'simple-git';
import { applyHunks, filePath, hunkSides, parseHunks, type FilePatch } from '../../common/patch';

// The two texts VS Code's diff editor shows for one file of a patch, rebuilt from a local checkout
// and the patch: the original from the blob the patch names (or HEAD, or the file on disk), the
// modified one by applying the hunks to it. Without a checkout, or when the hunks do not fit, the
// hunks alone are shown. No vscode here.

export interface FileSides {
  original: string;
  modified: string;
  /** Said when the texts are only the parts the patch carries. */
  note?: string;
}

export async function fileSides(file: FilePatch, checkoutRoot: string | undefined): Promise<FileSides> {
  if (file.binary) {
    const text = `Binary file ${filePath(file)}: its contents are not shown here. Apply the patch to see it in your checkout.`;
    return { original: file.kind === 'added' ? '' : text, modified: file.kind === 'deleted' ? '' : text };
  }
  const hunks = parseHunks(file.text);
  const original = file.kind === 'added' ? '' : checkoutRoot ? await originalText(file, checkoutRoot) : undefined;
  if (original !== undefined) {
    if (file.kind === 'deleted') return { original, modified: '' };
    const fromBlob = checkoutRoot && file.newBlob ? await blob(checkoutRoot, file.newBlob) : undefined;
    const modified = fromBlob ?? applyHunks(original, hunks);
    if (modified !== undefined) return { original, modified };
  }
  return {
    ...hunkSides(hunks),
    note: checkoutRoot
      ? 'The local file differs from the one the patch was made on; only the changed parts are shown.'
      : 'No local checkout: only the changed parts are shown.',
  };
}

async function originalText(file: FilePatch, root: string): Promise<string | undefined> {
  const oldPath = file.oldPath ?? filePath(file);
  if (file.oldBlob) {
    const exact = await blob(root, file.oldBlob);
    if (exact !== undefined) return exact;
  }
  const committed = await simpleGit({ baseDir: root })
    .show([`HEAD:${oldPath}`])
    .catch(() => undefined);
  if (committed !== undefined) return committed;
  const resolved = path.resolve(root, oldPath);
  if (!resolved.startsWith(path.resolve(root) + path.sep)) return undefined;
  return readFile(resolved, 'utf8').catch(() => undefined);
}

async function blob(root: string, id: string): Promise<string | undefined> {
  if (!/^[0-9a-f]{7,64}$/.test(id)) return undefined;
  return simpleGit({ baseDir: root })
    .raw(['cat-file', 'blob', id])
    .catch(() => undefined);
}
