import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

// Bare git repositories made from a map of files: the demo's sample repositories, and the tests'
// stand-ins for GitHub hosting. Laid out as `{root}/{owner}/{name}.git`, which is what the
// `file://{root}/{owner}/{name}.git` git base template expects.

const run = promisify(execFile);

export type FixtureFile = string | Buffer | { content: string | Buffer; mode?: number } | { symlink: string };
export type FixtureFiles = Record<string, FixtureFile>;

const AUTHOR = {
  GIT_AUTHOR_NAME: 'Fixture Author',
  GIT_AUTHOR_EMAIL: 'fixtures@example.com',
  GIT_COMMITTER_NAME: 'Fixture Author',
  GIT_COMMITTER_EMAIL: 'fixtures@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
};

export async function writeFixtureFiles(folder: string, files: FixtureFiles): Promise<void> {
  for (const [relative, file] of Object.entries(files)) {
    const target = path.join(folder, relative);
    await mkdir(path.dirname(target), { recursive: true });
    if (typeof file === 'object' && 'symlink' in file) {
      await symlink(file.symlink, target);
    } else if (typeof file === 'string' || Buffer.isBuffer(file)) {
      await writeFile(target, file);
    } else {
      await writeFile(target, file.content);
      if (file.mode !== undefined) await chmod(target, file.mode);
    }
  }
}

/**
 * Creates `{root}/{owner}/{name}.git` with one commit of `files` on `branch`. Returns its path.
 * The bare repository is committed into directly (its own index, the files' folder as the work
 * tree): three git processes, where a working repository and a bare clone of it took four and a copy.
 */
export async function createBareRepository(
  root: string,
  repositoryName: string,
  files: FixtureFiles,
  branch = 'main',
): Promise<string> {
  const bare = path.join(root, `${repositoryName}.git`);
  const work = await mkdtemp(path.join(os.tmpdir(), 'cody-batch-fixture-'));
  try {
    await writeFixtureFiles(work, files);
    await rm(bare, { recursive: true, force: true });
    await mkdir(path.dirname(bare), { recursive: true });
    const git = (...args: string[]) =>
      run('git', args, { cwd: work, env: { ...process.env, ...AUTHOR }, maxBuffer: 64 * 1024 * 1024 });
    await git('init', '--quiet', '--bare', `--initial-branch=${branch}`, bare);
    const inBare = ['--git-dir', bare, '--work-tree', work];
    await git(...inBare, 'add', '--all');
    await git(...inBare, 'commit', '--quiet', '--no-verify', '--no-gpg-sign', '-m', 'Initial commit');
    // A bare repository has no index: the one the commit was made from goes.
    await rm(path.join(bare, 'index'), { force: true });
    return bare;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The git base template for repositories under `root`. */
export function fileGitBase(root: string): string {
  return `file://${path.resolve(root)}/{owner}/{name}.git`;
}
