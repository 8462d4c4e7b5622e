import { mkdir, readdir, readlink, rename, rm, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { describeIssues } from '../../../../common/schemas';
import { DeleteFileInput, MAX_FOLDER_ENTRIES, MoveFileInput } from './definitions';
import { ToolError, type Checkout, type ResolvedEntry } from './paths';

// delete_file and move_file: what Anthropic's text editor cannot do. Both ends of every operation
// are confined like the editor's paths (Checkout.resolveEntry): their folders resolve inside the
// checkout, and the entry itself is never followed, so deleting or moving a symbolic link acts on
// the link. Folders are handled whole only up to MAX_FOLDER_ENTRIES, never when they hold a `.git`,
// and a move never leaves a relative link pointing out of the checkout. Results read like the
// editor's ("File created successfully at: …").

export async function runDeleteFile(checkout: Checkout, raw: unknown): Promise<string> {
  const parsed = DeleteFileInput.safeParse(raw);
  if (!parsed.success) throw new ToolError(`Error: invalid input: ${describeIssues(parsed.error)}`);
  const target = await checkout.resolveEntry(parsed.data.path);
  switch (target.kind) {
    case undefined:
      throw new ToolError(`Error: ${target.display} does not exist.`);
    case 'link':
      await unlink(target.real);
      return `Symbolic link deleted successfully: ${target.display} (what it pointed to is untouched)`;
    case 'file':
    case 'other':
      await unlink(target.real);
      return `File deleted successfully: ${target.display}`;
    case 'directory': {
      const contents = await surveyFolder(target);
      if (contents.entries === 0) {
        await rmdir(target.real);
        return `Folder deleted successfully: ${target.display}`;
      }
      if (!parsed.data.recursive) {
        throw new ToolError(
          `Error: ${target.display} is a folder holding ${describeContents(contents)}. Pass recursive: true to delete it with everything in it, or delete what it holds one by one.`,
        );
      }
      await rm(target.real, { recursive: true });
      return `Folder deleted successfully: ${target.display} (with the ${describeContents(contents)} it held)`;
    }
  }
}

export async function runMoveFile(checkout: Checkout, raw: unknown): Promise<string> {
  const parsed = MoveFileInput.safeParse(raw);
  if (!parsed.success) throw new ToolError(`Error: invalid input: ${describeIssues(parsed.error)}`);
  const { overwrite } = parsed.data;
  const source = await checkout.resolveEntry(parsed.data.source);
  if (source.kind === undefined) throw new ToolError(`Error: ${source.display} does not exist.`);
  const destination = await checkout.resolveEntry(parsed.data.destination);
  if (destination.real === source.real)
    throw new ToolError(`Error: ${source.display} and ${destination.display} are the same path; nothing to move.`);
  if (source.kind === 'directory' && destination.real.startsWith(`${source.real}${path.sep}`)) {
    throw new ToolError(`Error: the folder ${source.display} cannot be moved into itself (${destination.display}).`);
  }
  if (destination.kind === 'directory') {
    throw new ToolError(
      `Error: ${destination.display} is an existing folder. Give the full new path, name included, such as ${destination.display}/${path.posix.basename(source.display)}.`,
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

  const contents = source.kind === 'directory' ? await surveyFolder(source) : undefined;
  await refuseLinksLeadingOut(
    checkout,
    source,
    destination,
    contents ? contents.links : source.kind === 'link' ? [''] : [],
  );

  if (destination.parent.kind === undefined) await mkdir(destination.parent.real, { recursive: true });
  await rename(source.real, destination.real);
  const replaced = destination.kind !== undefined ? ', replacing the file that was there' : '';
  if (contents)
    return `Folder moved successfully from ${source.display} to ${destination.display} (with the ${describeContents(contents)} it holds).`;
  return `${source.kind === 'link' ? 'Symbolic link' : 'File'} moved successfully from ${source.display} to ${destination.display}${replaced}.`;
}

interface FolderContents {
  entries: number;
  files: number;
  folders: number;
  /** Symbolic links inside, relative to the folder with `/` separators. */
  links: string[];
}

/** What a folder holds, without following links; refused past MAX_FOLDER_ENTRIES or with a .git inside. */
async function surveyFolder(folder: ResolvedEntry): Promise<FolderContents> {
  const contents: FolderContents = { entries: 0, files: 0, folders: 0, links: [] };
  const visit = async (relative: string): Promise<void> => {
    for (const entry of await readdir(path.join(folder.real, relative), { withFileTypes: true })) {
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.name.toLowerCase() === '.git') {
        throw new ToolError(
          `Error: ${folder.display} holds ${folder.display}/${child}, a Git folder, which the tools may not change.`,
        );
      }
      if (++contents.entries > MAX_FOLDER_ENTRIES) {
        throw new ToolError(
          `Error: ${folder.display} holds more than ${MAX_FOLDER_ENTRIES} files and folders, too many to handle at once. Work on its subfolders one by one.`,
        );
      }
      if (entry.isSymbolicLink()) {
        contents.links.push(child);
      } else if (entry.isDirectory()) {
        contents.folders++;
        await visit(child);
      } else {
        contents.files++;
      }
    }
  };
  await visit('');
  return contents;
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
async function refuseLinksLeadingOut(
  checkout: Checkout,
  source: ResolvedEntry,
  destination: ResolvedEntry,
  links: string[],
): Promise<void> {
  for (const link of links) {
    const before = link === '' ? source.real : path.join(source.real, link);
    const target = await readlink(before);
    if (path.isAbsolute(target)) continue;
    const after = link === '' ? destination.real : path.join(destination.real, link);
    if (!checkout.contains(path.resolve(path.dirname(after), target))) {
      const shown = link === '' ? destination.display : `${destination.display}/${link}`;
      throw new ToolError(
        `Error: after this move the symbolic link ${shown} (to "${target}") would point outside the repository, which the tools may not do. Move it somewhere else, or change it.`,
      );
    }
  }
}
