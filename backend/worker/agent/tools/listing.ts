import { execFile } from 'node:child_process';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { minimatch } from 'minimatch';
import { configEnvironment, gitEnvironment } from '../../git';
import type { Checkout } from './paths';

// The files of the checkout as the tools see them: tracked and untracked files that .gitignore does
// not exclude (`git ls-files --cached --others --exclude-standard`), so new files Claude created are
// included and build output is not. Outside a git work tree, a plain walk that skips `.git` and
// `node_modules`.

const run = promisify(execFile);

/** Paths relative to the root with `/` separators, sorted, under `folder` (relative, `.` for all). */
export async function listFiles(checkout: Checkout, folder: string): Promise<string[]> {
  const fromGit = await gitFiles(checkout.realRoot, folder);
  const files = fromGit ?? (await walk(checkout.realRoot, folder));
  return files.sort();
}

async function gitFiles(root: string, folder: string): Promise<string[] | undefined> {
  let stdout: string;
  try {
    ({ stdout } = await run(
      'git',
      [
        '-c',
        'core.quotePath=false',
        'ls-files',
        '-z',
        '--cached',
        '--others',
        '--exclude-standard',
        '--',
        folder === '.' ? '.' : folder,
      ],
      { cwd: root, maxBuffer: 256 * 1024 * 1024, env: listingEnvironment(root) },
    ));
  } catch {
    return undefined;
  }
  const seen = new Set<string>();
  for (const entry of stdout.split('\0')) {
    if (entry !== '') seen.add(entry);
  }
  // Deleted but still tracked files are listed by --cached; only what is on disk counts, and only
  // through real folders: a tracked file under a folder since replaced by a link is not the file.
  const folders = new RealFolders(root);
  const present: string[] = [];
  for (const entry of seen) {
    if (entry.split('/').some((part) => part === '..' || part === '.' || part === '')) continue;
    if (!(await folders.isReal(path.posix.dirname(entry)))) continue;
    const stat = await lstat(path.join(root, entry)).catch(() => undefined);
    if (stat && !stat.isDirectory()) present.push(entry);
  }
  return present;
}

/** Which folders of the checkout are real folders all the way from the root (no link on the way). */
class RealFolders {
  private readonly known = new Map<string, Promise<boolean>>([['.', Promise.resolve(true)]]);

  constructor(private readonly root: string) {}

  isReal(folder: string): Promise<boolean> {
    let answer = this.known.get(folder);
    if (!answer) {
      answer = this.isReal(path.posix.dirname(folder)).then(async (parentIsReal) => {
        if (!parentIsReal) return false;
        const stat = await lstat(path.join(this.root, folder)).catch(() => undefined);
        return stat?.isDirectory() === true;
      });
      this.known.set(folder, answer);
    }
    return answer;
  }
}

/**
 * Git's environment without anything that points it elsewhere: the repository is the checkout
 * itself (never a parent folder's), and the folder is a literal path, not a pathspec pattern.
 * The checkout's git config may have been written by the code a verify step ran, so nothing it
 * names is run (fsmonitor, hooks), and git gets none of our secrets.
 */
function listingEnvironment(root: string): NodeJS.ProcessEnv {
  return {
    ...gitEnvironment(process.env),
    GIT_CEILING_DIRECTORIES: path.dirname(root),
    GIT_LITERAL_PATHSPECS: '1',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    ...configEnvironment([
      ['core.fsmonitor', 'false'],
      ['core.hooksPath', '/dev/null'],
      ['core.untrackedCache', 'false'],
    ]),
  };
}

const SKIPPED_FOLDERS = new Set(['.git', 'node_modules']);

async function walk(root: string, folder: string): Promise<string[]> {
  const files: string[] = [];
  const visit = async (relative: string): Promise<void> => {
    const entries = await readdir(path.join(root, relative), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const child = relative === '.' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name)) await visit(child);
      } else {
        files.push(child);
      }
    }
  };
  const stat = await lstat(path.join(root, folder)).catch(() => undefined);
  if (stat?.isDirectory()) await visit(folder);
  else if (stat) files.push(folder);
  return files;
}

/** A glob filter relative to `base`; a glob without `/` matches file names at any depth. */
export function globFilter(glob: string | undefined, base: string): (file: string) => boolean {
  if (!glob) return () => true;
  const matchBase = !glob.includes('/');
  return (file) => {
    const relative = base === '.' ? file : file.startsWith(`${base}/`) ? file.slice(base.length + 1) : file;
    return minimatch(relative, glob, { dot: true, matchBase, nocomment: true });
  };
}

/** Files and folders up to `depth` levels below `folder`, folders with a trailing `/`. */
export function treeEntries(files: string[], folder: string, depth: number): string[] {
  const entries = new Set<string>();
  for (const file of files) {
    const relative = folder === '.' ? file : file.slice(folder.length + 1);
    const parts = relative.split('/');
    for (let level = 1; level <= Math.min(depth, parts.length); level++) {
      const isFile = level === parts.length;
      const entry = parts.slice(0, level).join('/');
      entries.add(isFile ? entry : `${entry}/`);
    }
  }
  return [...entries].sort();
}
