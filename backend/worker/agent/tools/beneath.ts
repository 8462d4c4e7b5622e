import type * as fs from 'node:fs';

// Paths resolved beneath the checkout one component at a time, on folder descriptors, so that a
// folder swapped for a symbolic link between a check and a use cannot lead out: every folder on
// the way is opened with O_DIRECTORY|O_NOFOLLOW from the descriptor of the one before, and every
// operation names its target as one component inside a descriptor already opened that way.
//
// Node has no openat(), so on Linux `/proc/self/fd/<fd>/<name>` stands in for it: the kernel
// resolves `<name>` inside the folder the descriptor holds, wherever that folder is now and
// whatever has been put at its old path (the usual openat emulation). The worker runs on Linux.
// Where /proc/self/fd is missing (macOS, for the local stack) the same walk runs on full paths:
// each component is still refused if it is a link, but one checked earlier can be swapped again.
//
// A folder we hold may be moved out of the checkout by whoever can write to it; it then lies
// somewhere they could write anyway, so nothing is reached that they could not reach themselves.
// What must never happen, and cannot here, is following a link they planted.
//
// This module runs in the search thread too, from its source text: `openBeneath` must be
// self-contained (its parameters and JavaScript built-ins only).

/** A folder of the checkout, held open. */
export interface Folder {
  fd: number;
  /** Its real path's components below the root (no link among them). */
  parts: string[];
  /** What to give fs functions to name the folder itself. */
  path: string;
}

export type RefusalReason =
  /** A symbolic link leads out of the checkout (`at` is the link). */
  | 'outside'
  /** A symbolic link leads to nothing (`at` is the link). */
  | 'dangling'
  /** A component is neither a folder nor a link to one (`at` is the component). */
  | 'not-folder'
  /** A component is `.git` (`at` is its path). */
  | 'git'
  /** Too many links followed (`at` is the last). */
  | 'loop'
  /** A folder changed between its check and its opening (`at` is the folder). */
  | 'changed';

export interface Refusal extends Error {
  refusal: RefusalReason;
  /** The path concerned, relative to the root with `/` separators. */
  at: string;
}

export interface Resolution {
  /** The real folder holding `name`; the target itself when `name` is undefined. */
  folder: Folder;
  name?: string;
  /** `name`'s lstat; undefined when it does not exist. */
  stat?: fs.Stats;
  /** Components below `name` that do not exist either (only when `name` does not). */
  missing: string[];
}

export type Beneath = ReturnType<typeof openBeneath>;

/** `target`'s own stat (a link's, not what it points at), or undefined when nothing is there. */
export function lstatIfPresent(files: typeof fs, target: string): fs.Stats | undefined {
  try {
    return files.lstatSync(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/** Whether `/proc/self/fd/<fd>/<name>` can stand in for openat() here. */
export function procFdWorks(files: typeof fs): boolean {
  return process.platform === 'linux' && files.existsSync('/proc/self/fd');
}

/**
 * Opens the real folder `root` and resolves paths beneath it. `aliases` are other absolute
 * spellings of the root that absolute links may use. close() closes every descriptor opened.
 */
export function openBeneath(files: typeof fs, root: string, viaProc: boolean, aliases: string[] = []) {
  const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = files.constants;
  const FOLDER_FLAGS = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;
  /** As many links as Linux follows in one path. */
  const MAX_LINKS = 40;
  const opened = new Set<number>();

  const refuse = (refusal: RefusalReason, at: string): never => {
    throw Object.assign(new Error(`${refusal}: ${at}`), { refusal, at });
  };
  const shown = (folder: Folder, name: string) => [...folder.parts, name].join('/');
  const track = (fd: number, parts: string[], fallbackPath: string): Folder => {
    opened.add(fd);
    return { fd, parts, path: viaProc ? `/proc/self/fd/${fd}` : fallbackPath };
  };

  const rootFolder = track(files.openSync(root, O_RDONLY | O_DIRECTORY), [], root);

  /** Names `name` inside `folder`, for fs calls that do not follow their last component. */
  const at = (folder: Folder, name: string) => `${folder.path}/${name}`;

  /** Opens the folder `name` in `folder`; fails (ENOTDIR, ELOOP, ENOENT) unless it is a real folder now. */
  const openFolder = (folder: Folder, name: string): Folder =>
    track(files.openSync(at(folder, name), FOLDER_FLAGS), [...folder.parts, name], at(folder, name));

  const closeFolder = (folder: Folder) => {
    if (folder === rootFolder || !opened.delete(folder.fd)) return;
    files.closeSync(folder.fd);
  };

  const lstat = (target: string) => lstatIfPresent(files, target);

  /** openFolder for a component lstat just saw as a folder: anything else now is a swap. */
  const enter = (folder: Folder, name: string): Folder => {
    try {
      return openFolder(folder, name);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR' || code === 'ELOOP' || code === 'ENOENT') return refuse('changed', shown(folder, name));
      throw error;
    }
  };

  /**
   * Resolves `parts` (a normalised relative path: no `.`, `..` or empty parts) from the root.
   * Links that stay inside the root are followed, their `..` taken on the real folders walked so
   * far; anything else is refused with a Refusal.
   */
  const resolve = (parts: string[]): Resolution => {
    const stack: Folder[] = [rootFolder];
    // Each part remembers the link it came from, if any: a missing part there is a dangling link.
    const queue = parts.map((name) => ({ name, link: undefined as string | undefined }));
    let links = 0;
    const finish = (result: Resolution): Resolution => {
      for (const folder of stack) if (folder !== result.folder) closeFolder(folder);
      return result;
    };
    try {
      while (queue.length > 0) {
        const { name, link } = queue.shift()!;
        const folder = stack.at(-1)!;
        if (name === '' || name === '.') {
          if (queue.length === 0) return finish({ folder, missing: [] });
          continue;
        }
        if (name === '..') {
          if (stack.length === 1) refuse('outside', link ?? '.');
          closeFolder(stack.pop()!);
          if (queue.length === 0) return finish({ folder: stack.at(-1)!, missing: [] });
          continue;
        }
        if (name.toLowerCase() === '.git') refuse('git', shown(folder, name));
        const last = queue.length === 0;
        const stat = lstat(at(folder, name));
        if (!stat) {
          if (link !== undefined) refuse('dangling', link);
          return finish({ folder, name, missing: queue.map((part) => part.name) });
        }
        if (stat.isSymbolicLink()) {
          const here = shown(folder, name);
          if (++links > MAX_LINKS) refuse('loop', here);
          let target = files.readlinkSync(at(folder, name));
          if (target.startsWith('/')) {
            const base = [root, ...aliases].find((prefix) => target === prefix || target.startsWith(`${prefix}/`));
            if (base === undefined) refuse(linkLeadsNowhere(folder, name) ? 'dangling' : 'outside', here);
            while (stack.length > 1) closeFolder(stack.pop()!);
            target = target.slice(base!.length);
          }
          queue.unshift(...target.split('/').map((part) => ({ name: part, link: here })));
          continue;
        }
        if (!last) {
          if (!stat.isDirectory()) refuse('not-folder', shown(folder, name));
          stack.push(enter(folder, name));
          continue;
        }
        return finish({ folder, name, stat, missing: [] });
      }
      return finish({ folder: rootFolder, missing: [] });
    } catch (error) {
      for (const folder of stack) closeFolder(folder);
      throw error;
    }
  };

  /** Whether the link `name` in `folder` points at nothing (for the message only: it is refused either way). */
  const linkLeadsNowhere = (folder: Folder, name: string): boolean => {
    try {
      files.statSync(at(folder, name));
      return false;
    } catch {
      return true;
    }
  };

  /** Creates the folders `names` one inside the other in `folder`; answers the last, open. */
  const makeFolders = (folder: Folder, names: string[]): Folder => {
    let current = folder;
    for (const name of names) {
      if (name.toLowerCase() === '.git') refuse('git', shown(current, name));
      try {
        files.mkdirSync(at(current, name));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const next = enter(current, name);
      if (current !== folder) closeFolder(current);
      current = next;
    }
    return current;
  };

  // The folders of the last folderOf() call, kept open for the next: files come sorted, so
  // neighbours share their folders, and at most one path's depth of descriptors is held.
  const chain: Folder[] = [];

  /** The real folder at `parts` (no link on the way), opened from the previous call's where they share a start. */
  const folderOf = (parts: string[]): Folder => {
    let shared = 0;
    while (shared < chain.length && shared < parts.length && chain[shared]!.parts[shared] === parts[shared]) shared++;
    for (const folder of chain.splice(shared).reverse()) closeFolder(folder);
    let current = chain.at(-1) ?? rootFolder;
    for (const name of parts.slice(shared)) {
      current = openFolder(current, name);
      chain.push(current);
    }
    return current;
  };

  const close = () => {
    for (const fd of opened) files.closeSync(fd);
    opened.clear();
    chain.length = 0;
  };

  return { root: rootFolder, at, openFolder, enter, closeFolder, resolve, makeFolders, folderOf, close };
}
