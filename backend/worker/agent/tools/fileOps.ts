import { readdir, readlink, rename, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { describeIssues } from '../../../../common/schemas';
import type { Folder } from './beneath';
import { DeleteFileInput, MAX_FOLDER_ENTRIES, MoveFileInput } from './definitions';
import { ToolError, type OpenCheckout, type ResolvedEntry } from './paths';

// delete_file and move_file: what Anthropic's text editor cannot do. Both ends of every operation
// are confined like the editor's paths (OpenCheckout.resolveEntry): their folders resolve inside
// the checkout and are held open, and the entry itself is never followed, so deleting or moving a
// symbolic link acts on the link. A folder is gone through on descriptors too, never by path.
// Folders are handled whole only up to MAX_FOLDER_ENTRIES, never when they hold a `.git`, and a
// move never leaves a relative link pointing out of the checkout. Results read like the editor's
// ("File created successfully at: …").

export async function runDeleteFile(checkout: OpenCheckout, raw: unknown): Promise<string> {
  const parsed = DeleteFileInput.safeParse(raw);
  if (!parsed.success) throw new ToolError(`Error: invalid input: ${describeIssues(parsed.error)}`);
  const target = checkout.resolveEntry(parsed.data.path);
  switch (target.kind) {
    case undefined:
      throw new ToolError(`Error: ${target.display} does not exist.`);
    case 'link':
      await unlink(checkout.entryPath(target));
      return `Symbolic link deleted successfully: ${target.display} (what it pointed to is untouched)`;
    case 'file':
    case 'other':
      await unlink(checkout.entryPath(target));
      return `File deleted successfully: ${target.display}`;
    case 'directory': {
      const folder = checkout.openEntry(target);
      const contents = await surveyFolder(checkout, target, folder);
      if (contents.entries === 0) {
        await rmdir(checkout.entryPath(target));
        return `Folder deleted successfully: ${target.display}`;
      }
      if (!parsed.data.recursive) {
        throw new ToolError(
          `Error: ${target.display} is a folder holding ${describeContents(contents)}. Pass ` +
            `recursive: true to delete it with everything in it, or delete what it holds one by one.`,
        );
      }
      await removeContents(checkout, folder, target.display);
      await rmdir(checkout.entryPath(target));
      return `Folder deleted successfully: ${target.display} (with the ${describeContents(contents)} it held)`;
    }
  }
}

export async function runMoveFile(checkout: OpenCheckout, raw: unknown): Promise<string> {
  const parsed = MoveFileInput.safeParse(raw);
  if (!parsed.success) throw new ToolError(`Error: invalid input: ${describeIssues(parsed.error)}`);
  const { overwrite } = parsed.data;
  const source = checkout.resolveEntry(parsed.data.source);
  if (source.kind === undefined) throw new ToolError(`Error: ${source.display} does not exist.`);
  const destination = checkout.resolveEntry(parsed.data.destination);
  if (destination.real === source.real)
    throw new ToolError(`Error: ${source.display} and ${destination.display} are the same path; nothing to move.`);
  if (source.kind === 'directory' && destination.real.startsWith(`${source.real}${path.sep}`)) {
    throw new ToolError(`Error: the folder ${source.display} cannot be moved into itself (${destination.display}).`);
  }
  if (destination.kind === 'directory') {
    throw new ToolError(
      `Error: ${destination.display} is an existing folder. Give the full new path, name ` +
        `included, such as ${destination.display}/${path.posix.basename(source.display)}.`,
    );
  }
  if (destination.kind !== undefined) {
    if (source.kind === 'directory')
      throw new ToolError(
        `Error: ${destination.display} already exists and is not a folder; a folder cannot replace it.`,
      );
    if (!overwrite) {
      throw new ToolError(
        `Error: ${destination.display} already exists. Pass overwrite: true to replace it, or choose another destination.`,
      );
    }
  }

  const from = checkout.entryPath(source);
  const contents =
    source.kind === 'directory' ? await surveyFolder(checkout, source, checkout.openEntry(source)) : undefined;
  const links = contents ? contents.links : source.kind === 'link' ? [{ path: '', target: await readlink(from) }] : [];
  refuseLinksLeadingOut(checkout, destination, links);

  await rename(from, checkout.entryPath(destination, true));
  const replaced = destination.kind !== undefined ? ', replacing the file that was there' : '';
  if (contents)
    return `Folder moved successfully from ${source.display} to ${destination.display} (with the ${describeContents(contents)} it holds).`;
  return `${source.kind === 'link' ? 'Symbolic link' : 'File'} moved successfully from ${source.display} to ${destination.display}${replaced}.`;
}

interface FolderContents {
  entries: number;
  files: number;
  folders: number;
  /** Symbolic links inside, relative to the folder with `/` separators, and what they hold. */
  links: { path: string; target: string }[];
}

/** What a folder holds, without following links; refused past MAX_FOLDER_ENTRIES or with a .git inside. */
async function surveyFolder(checkout: OpenCheckout, entry: ResolvedEntry, folder: Folder): Promise<FolderContents> {
  const contents: FolderContents = { entries: 0, files: 0, folders: 0, links: [] };
  const visit = async (current: Folder, relative: string): Promise<void> => {
    for (const item of await readdir(current.path, { withFileTypes: true })) {
      const child = relative === '' ? item.name : `${relative}/${item.name}`;
      if (item.name.toLowerCase() === '.git') {
        throw new ToolError(
          `Error: ${entry.display} holds ${entry.display}/${child}, a Git folder, which the tools may not change.`,
        );
      }
      if (++contents.entries > MAX_FOLDER_ENTRIES) {
        throw new ToolError(
          `Error: ${entry.display} holds more than ${MAX_FOLDER_ENTRIES} files and folders, too many to handle at once. Work on its subfolders one by one.`,
        );
      }
      if (item.isSymbolicLink()) {
        contents.links.push({ path: child, target: await readlink(checkout.at(current, item.name)) });
      } else if (item.isDirectory()) {
        contents.folders++;
        const inner = checkout.enter(current, item.name, `${entry.display}/${child}`);
        try {
          await visit(inner, child);
        } finally {
          checkout.closeFolder(inner);
        }
      } else {
        contents.files++;
      }
    }
  };
  await visit(folder, '');
  return contents;
}

/** Deletes what a folder holds, going into its folders by descriptor (a folder swapped for a link is refused). */
async function removeContents(checkout: OpenCheckout, folder: Folder, shown: string): Promise<void> {
  for (const item of await readdir(folder.path, { withFileTypes: true })) {
    const child = `${shown}/${item.name}`;
    if (item.name.toLowerCase() === '.git') {
      throw new ToolError(`Error: ${child} is a Git folder, which the tools may not change.`);
    }
    if (item.isDirectory()) {
      const inner = checkout.enter(folder, item.name, child);
      try {
        await removeContents(checkout, inner, child);
      } finally {
        checkout.closeFolder(inner);
      }
      await rmdir(checkout.at(folder, item.name));
    } else {
      await unlink(checkout.at(folder, item.name));
    }
  }
}

function describeContents({ files, folders, links }: FolderContents): string {
  const parts = [
    count(files, 'file', 'files'),
    count(folders, 'folder', 'folders'),
    count(links.length, 'symbolic link', 'symbolic links'),
  ].filter((part) => !part.startsWith('0 '));
  return parts.length <= 1 ? (parts[0] ?? '0 files') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

function count(value: number, one: string, many: string): string {
  return `${value} ${value === 1 ? one : many}`;
}

/**
 * A relative link keeps its text when it moves, so it may then point somewhere else. Refused when
 * it would point out of the checkout (absolute links point where they did; they are left alone).
 */
function refuseLinksLeadingOut(
  checkout: OpenCheckout,
  destination: ResolvedEntry,
  links: { path: string; target: string }[],
): void {
  for (const { path: link, target } of links) {
    if (path.isAbsolute(target)) continue;
    const after = link === '' ? destination.real : path.join(destination.real, link);
    if (!checkout.contains(path.resolve(path.dirname(after), target))) {
      const shown = link === '' ? destination.display : `${destination.display}/${link}`;
      throw new ToolError(
        `Error: after this move the symbolic link ${shown} (to "${target}") would point outside ` +
          `the repository, which the tools may not do. Move it somewhere else, or change it.`,
      );
    }
  }
}
