import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import type { DiffStats } from '../../common/schemas';
import type { CommitAuthor } from '../hosts';

// Git for one run. The repository's metadata lives outside the working tree (`--separate-git-dir`),
// so the code we run in the checkout (a command, a verification, files Claude wrote) cannot plant
// hooks or config that our own later git calls would obey. Every call gets its settings through
// GIT_CONFIG_* variables: the code host's auth header only for the calls that talk to the remote, never in
// argv (visible to other processes), a URL, or a config file. No system or global config is read
// (a developer's ~/.gitconfig may rewrite URLs, or hold git-lfs's filters, which read a repository's
// `.lfsconfig` and send git's http headers to the host it names), no LFS filter runs, and the
// header is scoped to the remote's URL: a request git makes anywhere else goes without it.

/** Settings for every call: no hooks, no fsmonitor, no line-ending rewrites, plain diffs. */
const BASE_CONFIG: [string, string][] = [
  ['core.hooksPath', '/dev/null'],
  ['core.fsmonitor', 'false'],
  ['core.autocrlf', 'false'],
  ['core.safecrlf', 'false'],
  ['diff.noprefix', 'false'],
  ['diff.mnemonicPrefix', 'false'],
  ['diff.renames', 'true'],
  ['commit.gpgSign', 'false'],
  ['gc.auto', '0'],
  ['advice.detachedHead', 'false'],
  ['init.defaultBranch', 'main'],
  // git-lfs's filters, should any config name them: pointer files stay pointer files.
  ['filter.lfs.smudge', ''],
  ['filter.lfs.clean', ''],
  ['filter.lfs.process', ''],
  ['filter.lfs.required', 'false'],
];

/** What our git processes inherit: enough to find git, a home, proxies and CA bundles; nothing else. */
const GIT_ENV_NAMES = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'TMPDIR',
  'SSH_AUTH_SOCK',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'GIT_SSL_CAINFO',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
];

export function gitEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const picked: NodeJS.ProcessEnv = {};
  for (const name of GIT_ENV_NAMES) if (env[name] !== undefined) picked[name] = env[name];
  return picked;
}

export interface GitRunOptions {
  /** The environment our git processes start from (see gitEnvironment). */
  env: NodeJS.ProcessEnv;
  /** The code host's `Authorization: …` header, for calls that reach the remote over HTTP(S). */
  authHeader?: string;
  /**
   * The working tree is shared with the command user through a group. The git folder is only
   * readable by it (core.sharedRepository=0640): its config decides what our later git calls run
   * and where the push, with the token, goes.
   */
  sharedGroup?: boolean;
}

/** Git settings as GIT_CONFIG_* variables: above every config file, and never on a command line. */
export function configEnvironment(entries: [string, string][]): Record<string, string> {
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(entries.length) };
  entries.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

/**
 * How `git diff` writes a worker's patch: plain (no colour, no external diff or text conversion,
 * whatever the user's config), renames found, full index lines and binary files, so that
 * `git apply` takes it byte for byte.
 */
export const PATCH_FLAGS = [
  '--no-color',
  '--no-ext-diff',
  '--no-textconv',
  '--find-renames',
  '--full-index',
  '--binary',
];

/** A commit's name as git writes it in a ref: SHA-1 or SHA-256, in hex. */
const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export class GitCheckout {
  /** The branch and commit cloned: what every diff and commit is made against, whatever a command did to HEAD. */
  base: { branch: string; head: string } = { branch: '', head: '' };

  private constructor(
    readonly workTree: string,
    readonly gitDir: string,
    private options: GitRunOptions,
  ) {}

  /**
   * The auth header for the remote calls from now on: a code host's short-lived token (a GitHub
   * App's installation token) is asked for again before a push that may come an hour after the clone.
   */
  authenticate(authHeader: string | undefined): void {
    this.options = { ...this.options, authHeader };
  }

  /**
   * Shallow-clones one branch (the remote's default when `branch` is undefined) into
   * `{root}/checkout`, with its metadata in `{root}/git`.
   */
  static async clone(
    url: string,
    root: string,
    branch: string | undefined,
    options: GitRunOptions & { fullHistory?: boolean },
  ): Promise<GitCheckout> {
    const workTree = path.join(root, 'checkout');
    const gitDir = path.join(root, 'git');
    await mkdir(root, { recursive: true });
    // Not --quiet: its "Cloning into …" line spares simple-git's wait after a silent process.
    // A merge needs the history down to the merge base: then the whole branch, not its tip.
    const depth = options.fullHistory ? [] : ['--depth', '1'];
    const args = ['clone', ...depth, '--single-branch', '--no-tags', `--separate-git-dir=${gitDir}`];
    if (branch) args.push('--branch', branch);
    args.push('--', url, workTree);
    try {
      await gitAt(root, { ...options, remote: url }).raw(args);
    } catch (error) {
      if (error instanceof Error) error.message = error.message.replace(/^Cloning into .*\n/gm, '');
      throw error;
    }
    const checkout = new GitCheckout(workTree, gitDir, options);
    checkout.base = (await checkout.clonedBranchAndHead()) ?? (await checkout.branchAndHead());
    return checkout;
  }

  /**
   * The branch and commit a clone checked out, read from the files git has just written to our own
   * git folder (nothing of the repository has run yet), which spares a process per repository:
   * HEAD naming a branch, and that branch's commit, loose or in packed-refs. Undefined when they
   * are not that plain (a detached HEAD, another ref storage): then git is asked.
   */
  private async clonedBranchAndHead(): Promise<{ branch: string; head: string } | undefined> {
    const read = (name: string) => readFile(path.join(this.gitDir, name), 'utf8').catch(() => '');
    const ref = /^ref: (refs\/heads\/[^\s]+)\n?$/.exec(await read('HEAD'))?.[1];
    if (!ref || ref.split('/').some((part) => part === '..' || part === '.')) return undefined;
    const loose = (await read(ref)).trim();
    const packed = loose
      ? undefined
      : (await read('packed-refs'))
          .split('\n')
          .find((line) => line.endsWith(` ${ref}`))
          ?.split(' ')[0];
    const head = loose || packed;
    if (!head || !OBJECT_ID.test(head)) return undefined;
    return { branch: ref.slice('refs/heads/'.length), head };
  }

  /** The checked-out branch (the default branch when none was asked for) and its commit, in one call. */
  async branchAndHead(): Promise<{ branch: string; head: string }> {
    const [head = '', ref = ''] = (await this.git().raw(['rev-parse', 'HEAD', '--symbolic-full-name', 'HEAD']))
      .trim()
      .split('\n');
    return { branch: ref.replace(/^refs\/heads\//, ''), head };
  }

  async head(): Promise<string> {
    return (await this.git().raw(['rev-parse', 'HEAD'])).trim();
  }

  /**
   * Stages everything (new, deleted, renamed, mode changes) and returns the binary diff against
   * the cloned commit with its stats. An empty patch means no changes. A command may have
   * committed its work (`npm version` does) or switched branches: the diff is taken against the
   * cloned commit, not HEAD, so it holds all of it (and no process is spent asking where HEAD is).
   */
  async stagedDiff(): Promise<{ patch: string; stats: DiffStats }> {
    const git = this.git();
    // --verbose: a line per file staged, which spares simple-git's wait after a silent process.
    await git.raw(['add', '--all', '--verbose']);
    // One call: the numstat lines, a blank line, then the patch.
    const output = await git.raw(['diff', '--cached', ...PATCH_FLAGS, '--numstat', '--patch', this.base.head, '--']);
    if (!output.trim()) return { patch: '', stats: { files: 0, additions: 0, deletions: 0 } };
    const split = output.indexOf('\n\ndiff --git ');
    if (split < 0) throw new Error('git diff printed stats without a patch');
    return { patch: output.slice(split + 2), stats: parseNumstat(output.slice(0, split)) };
  }

  /**
   * Puts the tracked files back as cloned and removes untracked files that are not ignored: what a
   * setup command wrote never reaches the diff. Ignored files (node_modules, build output) stay.
   */
  async restoreTrackedFiles(): Promise<void> {
    const git = this.git();
    await git.raw(['reset', '--hard', this.base.head]);
    await git.raw(['clean', '-d', '--force']);
  }

  /** Commits what is staged, as `author` (Cody Batch, at the code host's address). Returns the new commit. */
  async commit(message: string, author: CommitAuthor): Promise<string> {
    // Moved HEAD (a command's commit, another branch, an unborn orphan): the commit goes onto the
    // cloned commit, detached, keeping index and files, as its diff (stagedDiff) was taken.
    if ((await this.head().catch(() => undefined)) !== this.base.head)
      await this.git().raw(['update-ref', '--no-deref', 'HEAD', this.base.head]);
    await this.git({
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_COMMITTER_NAME: author.name,
      GIT_COMMITTER_EMAIL: author.email,
    }).raw(['commit', '--no-verify', '--no-gpg-sign', '-m', message]);
    return this.head();
  }

  /** Fetches `commit` from the remote unless the clone has it (a base the branch has moved past since). */
  async ensureCommit(url: string, commit: string): Promise<void> {
    const has = await this.git()
      .raw(['cat-file', '-e', `${commit}^{commit}`])
      .then(
        () => true,
        () => false,
      );
    if (!has) await this.git({}, url).raw(['fetch', '--depth', '1', '--no-tags', '--', url, commit]);
  }

  /** Fetches a remote branch with its history (a merge needs its merge base); returns its commit. */
  async fetchBranch(url: string, branch: string): Promise<string> {
    await this.git({}, url).raw(['fetch', '--no-tags', '--', url, `+refs/heads/${branch}:refs/cody-batch/fetched`]);
    return (await this.git().raw(['rev-parse', 'refs/cody-batch/fetched'])).trim();
  }

  /** Whether `ancestor` is `commit` or one of its ancestors. */
  async isAncestor(ancestor: string, commit: string): Promise<boolean> {
    // The merge base, not `--is-ancestor`: simple-git takes a silent exit 1 for success.
    const base = await this.git()
      .raw(['merge-base', ancestor, commit])
      .then(
        (output) => output.trim(),
        () => '',
      );
    return base !== '' && base === (await this.git().raw(['rev-parse', `${ancestor}^{commit}`])).trim();
  }

  /**
   * Merges `commit` into the checkout without committing (the round's commit is made from its diff
   * later, as every commit is). Returns the files that conflicted; with `theirs`, their conflicting
   * hunks take `commit`'s side (a file one side deleted, `commit`'s state), so none is left with markers.
   */
  async mergeWithoutCommit(
    commit: string,
    author: CommitAuthor,
    options: { theirs?: boolean } = {},
  ): Promise<{ conflicted: string[]; unresolved: string[] }> {
    const git = this.git({
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_COMMITTER_NAME: author.name,
      GIT_COMMITTER_EMAIL: author.email,
    });
    const merge = async (extra: string[]) => {
      try {
        await git.raw(['merge', '--no-commit', '--no-ff', ...extra, commit]);
      } catch (error) {
        // A conflicted merge exits 1 and leaves the markers; anything else (no merge base) is a failure.
        if ((await this.conflictedFiles()).length === 0) throw error;
      }
    };
    await merge([]);
    const conflicted = await this.conflictedFiles();
    // With `theirs`, the same merge again, git resolving each conflicting hunk to `commit`'s side.
    if (options.theirs && conflicted.length) {
      await git.raw(['merge', '--abort']);
      await merge(['-X', 'theirs']);
    }
    if (options.theirs) {
      for (const file of await this.conflictedFiles()) {
        const stages = await git.raw(['ls-files', '-u', '--', file]);
        if (/^\d+ [0-9a-f]+ 3\t/m.test(stages)) await git.raw(['checkout', '--theirs', '--', file]);
        else {
          await git.raw(['rm', '--cached', '--', file]);
          await rm(path.join(this.workTree, file), { force: true });
        }
        await git.raw(['add', '--', file]).catch(() => undefined);
      }
    }
    return { conflicted, unresolved: await this.conflictedFiles() };
  }

  /** Paths the index holds unmerged (a merge's conflicts not yet staged). */
  async conflictedFiles(): Promise<string[]> {
    const output = await this.git().raw(['diff', '--name-only', '--diff-filter=U', '-z']);
    return output.split('\0').filter(Boolean);
  }

  /**
   * The commit of `base` plus `patch` and nothing else, built in a scratch index: what was
   * reviewed, byte for byte, whatever the working tree holds. Returns the new commit; HEAD stays.
   * `parents` (default `[base]`): a follow-up round's commit is a child of the head it started from,
   * and a round that merged the base in has the base as its second parent.
   */
  async commitPatch(
    base: string,
    patch: string | Buffer,
    message: string,
    author: CommitAuthor,
    parents: readonly string[] = [base],
  ): Promise<string> {
    const index = path.join(this.gitDir, 'cody-batch-publish.index');
    const patchFile = path.join(this.gitDir, 'cody-batch-publish.patch');
    await writeFile(patchFile, patch, { mode: 0o600 });
    try {
      const git = this.git({ GIT_INDEX_FILE: index });
      await git.raw(['read-tree', base]);
      // --verbose: a line per file, which spares simple-git's wait after a silent process.
      await git.raw(['apply', '--cached', '--binary', '--whitespace=nowarn', '--verbose', patchFile]);
      const tree = (await git.raw(['write-tree'])).trim();
      const named = this.git({
        GIT_AUTHOR_NAME: author.name,
        GIT_AUTHOR_EMAIL: author.email,
        GIT_COMMITTER_NAME: author.name,
        GIT_COMMITTER_EMAIL: author.email,
      });
      const parentArgs = parents.flatMap((parent) => ['-p', parent]);
      return (await named.raw(['commit-tree', '--no-gpg-sign', tree, ...parentArgs, '-m', message])).trim();
    } finally {
      await rm(index, { force: true });
      await rm(patchFile, { force: true });
    }
  }

  /** A file's text at a commit, or undefined when the commit has no such file (or it is not a file). */
  async fileAt(commit: string, filePath: string): Promise<string | undefined> {
    return this.git()
      .raw(['cat-file', 'blob', `${commit}:${filePath}`])
      .then(
        (text) => text,
        () => undefined,
      );
  }

  /** The commit a remote branch points at, or undefined when it does not exist. */
  async remoteBranchHead(url: string, branch: string): Promise<string | undefined> {
    const output = await this.git({}, url).raw(['ls-remote', '--heads', '--', url, `refs/heads/${branch}`]);
    const line = output.split('\n').find((entry) => entry.endsWith(`\trefs/heads/${branch}`));
    return line?.split('\t')[0];
  }

  /**
   * Pushes `commit` (HEAD) to `branch`, replacing it only if it is still at `expected` (undefined: it must not
   * exist), so a retry updates its own branch but never clobbers a push it did not see.
   */
  async push(url: string, branch: string, expected: string | undefined, commit = 'HEAD'): Promise<void> {
    await this.git({}, url).raw([
      'push',
      '--no-verify',
      `--force-with-lease=refs/heads/${branch}:${expected ?? ''}`,
      '--',
      url,
      `${commit}:refs/heads/${branch}`,
    ]);
  }

  private git(extraEnv: Record<string, string> = {}, remote?: string): SimpleGit {
    return gitAt(
      this.workTree,
      { ...this.options, remote },
      { GIT_DIR: this.gitDir, GIT_WORK_TREE: this.workTree, ...extraEnv },
    );
  }
}

/**
 * simple-git waits an extra 50 ms after any git process that printed nothing (a guard against
 * output arriving after exit); our calls therefore avoid --quiet where git would then be silent.
 */
function gitAt(
  baseDir: string,
  options: GitRunOptions & { remote?: string },
  extraEnv: Record<string, string> = {},
): SimpleGit {
  const config = [...BASE_CONFIG];
  if (options.sharedGroup) config.push(['core.sharedRepository', '0640']);
  const scope = options.remote ? headerScope(options.remote) : undefined;
  if (options.authHeader && scope) config.push([`http.${scope}.extraHeader`, options.authHeader]);
  const env: NodeJS.ProcessEnv = {
    ...options.env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_LFS_SKIP_SMUDGE: '1',
    LC_ALL: 'C',
    ...configEnvironment(config),
    ...extraEnv,
  };
  return simpleGit({
    baseDir,
    maxConcurrentProcesses: 4,
    // simple-git guards git's environment; everything here is ours, set on purpose.
    allowEnvironment: Object.keys(env),
    unsafe: {
      allowUnsafeConfigEnvCount: true,
      allowUnsafeConfigPaths: true,
      allowUnsafeHooksPath: true,
      allowUnsafeFsMonitor: true,
      allowUnsafeFilter: true,
    },
  }).env(env);
}

/**
 * The URL git matches `http.<url>.*` settings against for the remote: its scheme, host, port and
 * path, without user, query or fragment. git applies the header to requests under that path on
 * that host only. Undefined for a remote that is not HTTP(S) (no header is sent).
 */
export function headerScope(remote: string): string | undefined {
  let url: URL;
  try {
    url = new URL(remote);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** Sums `git diff --numstat` output. Binary files count as a file with no line changes. */
export function parseNumstat(output: string): DiffStats {
  const stats: DiffStats = { files: 0, additions: 0, deletions: 0 };
  for (const line of output.split('\n')) {
    const match = /^(\d+|-)\t(\d+|-)\t/.exec(line);
    if (!match) continue;
    stats.files++;
    if (match[1] !== '-') stats.additions += Number(match[1]);
    if (match[2] !== '-') stats.deletions += Number(match[2]);
  }
  return stats;
}
