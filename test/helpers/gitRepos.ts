import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createBareRepository, fileGitBase, type FixtureFiles } from '../../backend/local/gitFixtures';

// Bare repositories in a temporary folder standing in for GitHub hosting, for the worker, the
// extension and end-to-end tests.

export { createBareRepository, fileGitBase, writeFixtureFiles, type FixtureFile, type FixtureFiles } from '../../backend/local/gitFixtures';

const run = promisify(execFile);

export interface GitHosting {
  root: string;
  /** `file://{root}/{owner}/{name}.git`, for CODY_BATCH_GIT_BASE. */
  gitBase: string;
  create(repositoryName: string, files: FixtureFiles, branch?: string): Promise<string>;
  /** A fresh working clone of a hosted repository (of `branch`, or its default). */
  clone(repositoryName: string, branch?: string): Promise<string>;
  /** `git` in a folder, returning stdout. */
  git(cwd: string, ...args: string[]): Promise<string>;
  dispose(): Promise<void>;
}

export async function createGitHosting(): Promise<GitHosting> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'cody-batch-hosting-'));
  const clones = await mkdtemp(path.join(os.tmpdir(), 'cody-batch-clones-'));
  let counter = 0;
  const git = async (cwd: string, ...args: string[]) =>
    (await run('git', args, { cwd, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' }, maxBuffer: 64 * 1024 * 1024 })).stdout;
  return {
    root,
    gitBase: fileGitBase(root),
    create: (repositoryName, files, branch) => createBareRepository(root, repositoryName, files, branch),
    async clone(repositoryName, branch) {
      const target = path.join(clones, `${repositoryName.replace('/', '-')}-${++counter}`);
      const args = ['clone', '--quiet'];
      if (branch) args.push('--branch', branch);
      await git(clones, ...args, path.join(root, `${repositoryName}.git`), target);
      return target;
    },
    git,
    async dispose() {
      await rm(root, { recursive: true, force: true });
      await rm(clones, { recursive: true, force: true });
    },
  };
}
