import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { braceExpand, Minimatch } from 'minimatch';
import { configEnvironment, gitEnvironment } from '../../git';
import { ToolError, type OpenCheckout } from './paths';
import { type GlobMatcher, type ScanOutcome, type SearchSpec, scanInThread } from './scanThread';

// The files of the checkout as the tools see them: tracked and untracked files that .gitignore does
// not exclude (`git ls-files --cached --others --exclude-standard`), so new files Claude created are
// included and build output is not. Outside a git work tree, a plain walk that skips `.git` and
// `node_modules`. Which of them exist, match the glob and hold the pattern is decided in the scan
// thread, within its time limit.

const run = promisify(execFile);

/** The most patterns a glob's braces may expand to: `{a,b}{c,d}` is 4; `{1..100000}` is refused. */
export const MAX_GLOB_PATTERNS = 256;
/** git ls-files answers within this, or the listing fails. */
const GIT_TIME_LIMIT_MS = 60_000;

export interface ScanRequest {
  /** The folder, or the one file, to go through: its real path relative to the root. */
  target: string;
  single: boolean;
  glob?: string;
  search?: SearchSpec;
  /** The scan's thread is stopped this long after it starts, and the scan answers undefined. */
  timeLimitMs: number;
  /** The scan stops between files this long after its thread starts, and answers what it found. */
  softLimitMs: number;
}

/** Lists (and searches) files in the scan thread; undefined when it ran out of time. */
export async function scanCheckout(checkout: OpenCheckout, request: ScanRequest): Promise<ScanOutcome | undefined> {
  const base = request.single ? path.posix.dirname(request.target) : request.target;
  const glob = compileGlob(request.glob, base);
  const candidates = request.single ? [request.target] : await gitFiles(checkout.realRoot, request.target);
  return scanInThread(
    {
      root: checkout.realRoot,
      viaProc: checkout.checkout.viaProc,
      folder: request.target,
      ...(candidates ? { candidates } : {}),
      ...(glob ? { glob } : {}),
      ...(request.search ? { search: request.search } : {}),
      softLimitMs: request.softLimitMs,
    },
    request.timeLimitMs,
  );
}

/** What git lists under `folder`, or undefined outside a git work tree. */
export async function gitFiles(root: string, folder: string): Promise<string[] | undefined> {
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
      { cwd: root, maxBuffer: 256 * 1024 * 1024, env: listingEnvironment(root), timeout: GIT_TIME_LIMIT_MS },
    ));
  } catch {
    return undefined;
  }
  return stdout.split('\0').filter((entry) => entry !== '');
}

/**
 * Git's environment without anything that points it elsewhere: the repository is the checkout
 * itself (never a parent folder's), and the folder is a literal path, not a pathspec pattern.
 * The checkout's git config may have been written by the code a verify step ran, so nothing it
 * names is run (fsmonitor, hooks), nor anything from the user's or the system's config, and git
 * gets none of our secrets.
 */
function listingEnvironment(root: string): NodeJS.ProcessEnv {
  return {
    ...gitEnvironment(process.env),
    GIT_CEILING_DIRECTORIES: path.dirname(root),
    GIT_LITERAL_PATHSPECS: '1',
    GIT_CONFIG_NOSYSTEM: '1',
    // The user's ~/.gitconfig (an fsmonitor, an excludesFile) is no more ours to run than the checkout's.
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    ...configEnvironment([
      ['core.fsmonitor', 'false'],
      ['core.hooksPath', '/dev/null'],
      ['core.untrackedCache', 'false'],
    ]),
  };
}

/**
 * Compiles a glob once, relative to `base`; a glob without `/` matches file names at any depth.
 * Its brace expansion is bounded first (minimatch would otherwise make one pattern per number of
 * `{1..100000}`), so compiling is quick; matching runs in the scan thread.
 */
export function compileGlob(glob: string | undefined, base: string): GlobMatcher | undefined {
  if (!glob) return undefined;
  if (braceExpand(glob, { braceExpandMax: MAX_GLOB_PATTERNS + 1 }).length > MAX_GLOB_PATTERNS) {
    throw new ToolError(
      `Error: the glob "${glob}" expands to more than ${MAX_GLOB_PATTERNS} patterns; brace ` +
        `lists and ranges multiply. Use fewer alternatives, or a wildcard such as "*.ts".`,
    );
  }
  const options = { dot: true, nocomment: true, braceExpandMax: MAX_GLOB_PATTERNS };
  let regex: RegExp | false;
  try {
    regex = new Minimatch(glob, options).makeRe();
  } catch {
    regex = false;
  }
  if (!regex) throw new ToolError(`Error: the glob "${glob}" is not valid.`);
  return { source: regex.source, flags: regex.flags, matchBase: !glob.includes('/'), base };
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
