import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';

// Every path a tool touches resolves inside the checkout. The check is made on the real path
// (symbolic links followed) of the target, or of its deepest existing folder when the target does
// not exist yet, so a link anywhere on the way (to /etc, to a parent folder, one created during the
// run) cannot lead out. `.git/` is off limits: it holds the remote URL and hooks.

export class ToolError extends Error {}

export interface ResolvedPath {
  /** What the model asked for, normalised, relative to the root (`.` for the root). */
  display: string;
  /** The real path on disk: inside the real root, with no symbolic link left in it. */
  real: string;
  /** Set when the path exists. */
  kind?: 'file' | 'directory' | 'other';
}

export interface ResolvedEntry {
  /** What the model asked for, normalised, relative to the root. */
  display: string;
  /** The entry's path on disk: its folder's real path joined with its own name (not followed). */
  real: string;
  /** The folder it is in, resolved like any path (it may not exist yet). */
  parent: ResolvedPath;
  /** Set when the entry exists; a symbolic link is `link`, whatever it points to. */
  kind?: 'file' | 'directory' | 'link' | 'other';
}

/** The checkout's real root, resolved once per session. */
export class Checkout {
  private constructor(
    readonly root: string,
    readonly realRoot: string,
  ) {}

  static async open(root: string): Promise<Checkout> {
    const absolute = path.resolve(root);
    return new Checkout(absolute, await realpath(absolute));
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

  /** Resolves a path the model gave, or throws a ToolError saying why it is refused. */
  async resolve(input: unknown): Promise<ResolvedPath> {
    const { lexical, shown } = this.lexical(input);
    return this.resolveLexical(lexical, shown);
  }

  /**
   * Resolves a path to delete or move: its folder as `resolve` does (links followed, inside the
   * checkout), the entry itself not followed, so a symbolic link is the link, never its target.
   */
  async resolveEntry(input: unknown): Promise<ResolvedEntry> {
    const { lexical, shown } = this.lexical(input);
    if (lexical === this.realRoot) {
      throw new ToolError('Error: the repository root itself cannot be deleted or moved; give a path inside it.');
    }
    const parent = await this.resolveLexical(path.dirname(lexical), shown);
    if (parent.kind !== undefined && parent.kind !== 'directory') {
      throw new ToolError(`Error: "${parent.display}" is not a folder, so "${shown}" cannot exist.`);
    }
    const real = path.join(parent.real, path.basename(lexical));
    refuseGit(this.relative(real), shown);
    const stat = parent.kind === 'directory' ? await lstatOrUndefined(real) : undefined;
    const kind = !stat
      ? undefined
      : stat.isSymbolicLink()
        ? 'link'
        : stat.isFile()
          ? 'file'
          : stat.isDirectory()
            ? 'directory'
            : 'other';
    return { display: this.relative(lexical), real, parent, ...(kind ? { kind } : {}) };
  }

  /** The path as the model wrote it, made absolute without touching the disk; refused when it is outside or in .git/. */
  private lexical(input: unknown): { lexical: string; shown: string } {
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

  /** `input` is what the model wrote, for messages. */
  private async resolveLexical(lexical: string, input: string): Promise<ResolvedPath> {
    const display = this.relative(lexical);
    // Find the deepest part of the path that exists and resolve its links.
    const missing: string[] = [];
    let existing = lexical;
    let stat = await lstatOrUndefined(existing);
    while (!stat) {
      missing.unshift(path.basename(existing));
      existing = path.dirname(existing);
      stat = await lstatOrUndefined(existing);
    }
    let real: string;
    try {
      real = await realpath(existing);
    } catch {
      // A link whose target does not exist: writing through it would create the target, wherever it is.
      throw new ToolError(
        `Error: "${this.relative(existing)}" is a symbolic link to a path that does not exist; it cannot be read or written through.`,
      );
    }
    if (escapes(path.relative(this.realRoot, real))) {
      throw new ToolError(
        `Error: "${input}" leads outside the repository through the symbolic link "${await this.firstLink(existing)}"; it cannot be read or written.`,
      );
    }
    if (missing.length > 0) {
      const realStat = await lstatOrUndefined(real);
      if (!realStat?.isDirectory()) {
        throw new ToolError(`Error: "${this.relative(existing)}" is not a folder, so "${input}" cannot exist.`);
      }
    }
    const target = path.join(real, ...missing);
    refuseGit(this.relative(target), input);
    const targetStat = missing.length === 0 ? await lstatOrUndefined(target) : undefined;
    return {
      display,
      real: target,
      ...(targetStat ? { kind: targetStat.isFile() ? 'file' : targetStat.isDirectory() ? 'directory' : 'other' } : {}),
    };
  }

  /** The first symbolic link on the way from the root to `target` (for messages). */
  private async firstLink(target: string): Promise<string> {
    const parts = path.relative(this.realRoot, target).split(path.sep);
    for (let count = 1; count <= parts.length; count++) {
      const candidate = path.join(this.realRoot, ...parts.slice(0, count));
      if ((await lstatOrUndefined(candidate))?.isSymbolicLink()) return this.relative(candidate);
    }
    return this.relative(target);
  }
}

function escapes(relative: string): boolean {
  return relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
}

function refuseGit(relative: string, input: string): void {
  if (relative.split('/').some((part) => part.toLowerCase() === '.git')) {
    throw new ToolError(`Error: "${input}" is inside .git/, which the tools may not read or change.`);
  }
}

async function lstatOrUndefined(target: string) {
  try {
    return await lstat(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}
