import { execFile } from 'node:child_process';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { minimatch } from 'minimatch';
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
  try {
    const { stdout } = await run(
      'git',
      ['-c', 'core.quotePath=false', 'ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', folder === '.' ? '.' : folder],
      { cwd: root, maxBuffer: 256 * 1024 * 1024, env: gitEnvironment(root) },
    );
    const seen = new Set<string>();
    for (const entry of stdout.split('\0')) {
      if (entry !== '') seen.add(entry);
    }
    // Deleted but still tracked files are listed by --cached; only what is on disk counts.
    const present: string[] = [];
    for (const entry of seen) {
      const stat = await lstat(path.join(root, entry)).catch(() => undefined);
      if (stat && !stat.isDirectory()) present.push(entry);
    }
    return present;
  } catch {
    return undefined;
  }
}

/**
 * Git's environment without anything that points it elsewhere: the repository is the checkout
 * itself (never a parent folder's), and the folder is a literal path, not a pathspec pattern.
 */
function gitEnvironment(root: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('GIT_')) env[key] = value;
  }
  env.GIT_CEILING_DIRECTORIES = path.dirname(root);
  env.GIT_LITERAL_PATHSPECS = '1';
  return env;
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
