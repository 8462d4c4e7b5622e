import * as fs from 'node:fs';
import path from 'node:path';
import {
  type Beneath,
  type Folder,
  lstatIfPresent,
  openBeneath,
  procFdWorks,
  type Refusal,
  type Resolution,
} from './beneath';

// Every path a tool touches resolves inside the checkout, and stays there while the tool uses it.
// Paths are resolved one component at a time on folder descriptors (beneath.ts): links are
// followed only while they stay inside, and the file is then opened, created, renamed or deleted
// as one name inside a folder already held, so a folder swapped for a link in the meantime (by a
// process a verify command left running) leads nowhere. `.git/` is off limits: it holds the remote
// URL and hooks.

export class ToolError extends Error {}

export interface ResolvedPath {
  /** What the model asked for, normalised, relative to the root (`.` for the root). */
  display: string;
  /** The real path on disk: inside the real root, with no symbolic link left in it. */
  real: string;
  /** Set when the path exists. */
  kind?: 'file' | 'directory' | 'other';
  /** Where it is: a folder held open, and its name in it. */
  location: Resolution;
}

export interface ResolvedEntry {
  /** What the model asked for, normalised, relative to the root. */
  display: string;
  /** The entry's path on disk: its folder's real path joined with its own name (not followed). */
  real: string;
  /** The folder it is in, resolved like any path (it may not exist yet). */
  parent: ResolvedPath;
  /** Its name in that folder. */
  name: string;
  /** The folder it is in, held open; undefined while that folder does not exist. */
  folder?: Folder;
  /** Set when the entry exists; a symbolic link is `link`, whatever it points to. */
  kind?: 'file' | 'directory' | 'link' | 'other';
}

/** The checkout's real root, resolved once per session. */
export class Checkout {
  private constructor(
    readonly root: string,
    readonly realRoot: string,
    /** Whether /proc/self/fd stands in for openat() (Linux). */
    readonly viaProc: boolean,
  ) {}

  static async open(root: string): Promise<Checkout> {
    const absolute = path.resolve(root);
    return new Checkout(absolute, await fs.promises.realpath(absolute), procFdWorks(fs));
  }

  /** The path of `real` relative to the root, with `/` separators. */
  relative(real: string): string {
    const rel = path.relative(this.realRoot, real);
    return rel === '' ? '.' : rel.split(path.sep).join('/');
  }

  /** True when an absolute path lies inside the checkout (lexically; links in it are not followed). */
  contains(absolute: string): boolean {
    return !escapes(path.relative(this.realRoot, absolute));
  }

  /** The checkout opened for one tool call; close() it when the call ends. */
  openForCall(): OpenCheckout {
    const aliases = this.root === this.realRoot ? [] : [this.root];
    return new OpenCheckout(this, openBeneath(fs, this.realRoot, this.viaProc, aliases));
  }

  /** The path as the model wrote it, made absolute without touching the disk; refused when it is outside or in .git/. */
  lexical(input: unknown): { lexical: string; shown: string } {
    if (typeof input !== 'string' || input.trim() === '') {
      throw new ToolError(
        'Error: `path` is required: a path relative to the repository root, such as `src/index.ts` ("." for the root).',
      );
    }
    if (input.includes('\0')) throw new ToolError('Error: the path contains a NUL character.');
    if (path.isAbsolute(input) || /^[A-Za-z]:[\\/]/.test(input) || input.startsWith('~')) {
      throw new ToolError(
        `Error: absolute paths are refused ("${input}"). Use a path relative to the repository root, such as \`src/index.ts\` ("." for the root).`,
      );
    }
    const lexical = path.resolve(this.realRoot, input);
    if (escapes(path.relative(this.realRoot, lexical))) {
      throw new ToolError(
        `Error: "${input}" is outside the repository. Paths are relative to the repository root, and \`..\` may not lead out of it.`,
      );
    }
    refuseGit(this.relative(lexical), input);
    return { lexical, shown: input };
  }
}

/**
 * The checkout during one tool call: paths resolved on descriptors that stay open until close(),
 * and the names to give fs functions for them (valid until then, and only for functions that do
 * not follow their last component: open with O_NOFOLLOW, lstat, unlink, rename, mkdir, readlink).
 */
export class OpenCheckout {
  constructor(
    readonly checkout: Checkout,
    private readonly beneath: Beneath,
  ) {}

  get realRoot(): string {
    return this.checkout.realRoot;
  }

  relative(real: string): string {
    return this.checkout.relative(real);
  }

  contains(absolute: string): boolean {
    return this.checkout.contains(absolute);
  }

  /** Resolves a path the model gave, or throws a ToolError saying why it is refused. */
  resolve(input: unknown): ResolvedPath {
    const { lexical, shown } = this.checkout.lexical(input);
    return this.resolveLexical(lexical, shown);
  }

  /**
   * Resolves a path to delete or move: its folder as `resolve` does (links followed, inside the
   * checkout), the entry itself not followed, so a symbolic link is the link, never its target.
   */
  resolveEntry(input: unknown): ResolvedEntry {
    const { lexical, shown } = this.checkout.lexical(input);
    if (lexical === this.realRoot) {
      throw new ToolError('Error: the repository root itself cannot be deleted or moved; give a path inside it.');
    }
    const parent = this.resolveLexical(path.dirname(lexical), shown);
    if (parent.kind !== undefined && parent.kind !== 'directory') {
      throw new ToolError(`Error: "${parent.display}" is not a folder, so "${shown}" cannot exist.`);
    }
    const name = path.basename(lexical);
    const real = path.join(parent.real, name);
    refuseGit(this.relative(real), shown);
    const entry: ResolvedEntry = { display: this.relative(lexical), real, parent, name };
    if (parent.kind === 'directory') {
      entry.folder = this.guard(shown, () => this.folderAt(parent.location));
      const stat = lstatIfPresent(fs, this.beneath.at(entry.folder, name));
      if (stat) entry.kind = kindOf(stat, 'link');
    }
    return entry;
  }

  /** The name to give fs functions for `target`; its folders must exist. */
  pathOf(target: ResolvedPath): string {
    const { folder, name, missing } = target.location;
    if (missing.length > 0) throw new ToolError(`Error: ${target.display} does not exist.`);
    return name === undefined ? folder.path : this.beneath.at(folder, name);
  }

  /** Like pathOf, creating the folders on the way that do not exist yet. */
  createFoldersFor(target: ResolvedPath): string {
    const { folder, name, missing } = target.location;
    if (missing.length === 0 || name === undefined) return this.pathOf(target);
    const made = this.guard(target.display, () => this.beneath.makeFolders(folder, [name, ...missing.slice(0, -1)]));
    return this.beneath.at(made, missing.at(-1)!);
  }

  /** The name to give fs functions for an entry, creating its folders when they do not exist yet. */
  entryPath(entry: ResolvedEntry, create = false): string {
    if (!entry.folder) {
      if (!create) throw new ToolError(`Error: ${entry.display} does not exist.`);
      const { folder, name, missing } = entry.parent.location;
      entry.folder = this.guard(entry.display, () => this.beneath.makeFolders(folder, [name!, ...missing]));
    }
    return this.beneath.at(entry.folder, entry.name);
  }

  /** Opens an entry that is a folder, to go through its contents. */
  openEntry(entry: ResolvedEntry): Folder {
    return this.guard(entry.display, () => this.beneath.enter(this.requireFolder(entry), entry.name));
  }

  /** Opens the folder `name` inside `folder` (never through a link). */
  enter(folder: Folder, name: string, shown: string): Folder {
    return this.guard(shown, () => this.beneath.enter(folder, name));
  }

  /** Names `name` inside `folder` for fs functions. */
  at(folder: Folder, name: string): string {
    return this.beneath.at(folder, name);
  }

  closeFolder(folder: Folder): void {
    this.beneath.closeFolder(folder);
  }

  /** Closes every descriptor the call opened. */
  close(): void {
    this.beneath.close();
  }

  private requireFolder(entry: ResolvedEntry): Folder {
    if (!entry.folder) throw new ToolError(`Error: ${entry.display} does not exist.`);
    return entry.folder;
  }

  /** A resolved folder, open. */
  private folderAt({ folder, name }: Resolution): Folder {
    return name === undefined ? folder : this.beneath.enter(folder, name);
  }

  /** `input` is what the model wrote, for messages. */
  private resolveLexical(lexical: string, input: string): ResolvedPath {
    const display = this.relative(lexical);
    const parts = display === '.' ? [] : display.split('/');
    const location = this.guard(input, () => this.beneath.resolve(parts));
    const { folder, name, stat, missing } = location;
    const real = path.join(this.realRoot, ...folder.parts, ...(name === undefined ? [] : [name]), ...missing);
    refuseGit(this.relative(real), input);
    const resolved: ResolvedPath = { display, real, location };
    if (name === undefined) resolved.kind = 'directory';
    else if (stat) resolved.kind = kindOf(stat, 'other');
    return resolved;
  }

  /** Runs a resolution step, turning its refusals into messages for the model. */
  private guard<T>(input: string, step: () => T): T {
    try {
      return step();
    } catch (error) {
      const refusal = error as Partial<Refusal>;
      if (refusal.refusal === undefined || refusal.at === undefined) throw error;
      throw new ToolError(describeRefusal(refusal as Refusal, input));
    }
  }
}

function describeRefusal({ refusal, at }: Refusal, input: string): string {
  switch (refusal) {
    case 'outside':
      return `Error: "${input}" leads outside the repository through the symbolic link "${at}"; it cannot be read or written.`;
    case 'dangling':
      // Writing through it would create the target, wherever it is.
      return `Error: "${at}" is a symbolic link to a path that does not exist; it cannot be read or written through.`;
    case 'not-folder':
      return `Error: "${at}" is not a folder, so "${input}" cannot exist.`;
    case 'git':
      return `Error: "${input}" is inside .git/, which the tools may not read or change.`;
    case 'loop':
      return `Error: "${input}" goes through too many symbolic links (the last one is "${at}").`;
    case 'changed':
      return `Error: "${at}" changed while it was being opened (a folder was replaced, by a symbolic link or a file); try again.`;
  }
}

function kindOf<Link extends 'link' | 'other'>(stat: fs.Stats, link: Link): 'file' | 'directory' | 'other' | Link {
  if (stat.isSymbolicLink()) return link;
  if (stat.isFile()) return 'file';
  if (stat.isDirectory()) return 'directory';
  return 'other';
}

function escapes(relative: string): boolean {
  return relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
}

function refuseGit(relative: string, input: string): void {
  if (relative.split('/').some((part) => part.toLowerCase() === '.git')) {
    throw new ToolError(`Error: "${input}" is inside .git/, which the tools may not read or change.`);
  }
}
