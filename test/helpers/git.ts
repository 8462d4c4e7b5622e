import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { makeTempDir } from './localStack';

// Real git repositories in a temp folder: a bare "hosted" repository, clones of it, and patches
// made the way the worker makes them (`git add -A && git diff --cached --binary`).

const run = promisify(execFile);

const IDENTITY = {
  GIT_AUTHOR_NAME: 'Test User',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test User',
  GIT_COMMITTER_EMAIL: 'test@example.com',
};

export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd, env: { ...process.env, ...IDENTITY }, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

export interface HostedRepository {
  /** Temp folder holding everything; remove with `dispose`. */
  root: string;
  /** The bare repository, `root/hosting/{owner}/{name}.git`. */
  bare: string;
  /** A `file://` URL of the bare repository, as the local stack's CODY_BATCH_GIT_BASE makes them. */
  url: string;
  /** Clones the repository into `root/{folder}` with an identity configured, and returns the path. */
  clone(folder: string, url?: string): Promise<string>;
  /** Makes a change in a fresh clone and returns its patch, as the worker would. */
  patchFrom(change: (checkout: string) => Promise<void>): Promise<string>;
  /** Commits and pushes a change from a fresh clone (someone else's work landing upstream). */
  pushChange(change: (checkout: string) => Promise<void>, message?: string): Promise<void>;
  dispose(): Promise<void>;
}

/** A bare repository `{owner}/{name}.git` holding one commit with `files`. */
export async function hostedRepository(repositoryName: string, files: Record<string, string | Buffer>): Promise<HostedRepository> {
  const root = await makeTempDir('cody-batch-git-');
  const bare = path.join(root, 'hosting', `${repositoryName}.git`);
  await mkdir(bare, { recursive: true });
  await git(bare, 'init', '--bare', '--initial-branch=main', '-q');
  const seed = path.join(root, 'seed');
  await git(root, 'clone', '-q', bare, seed);
  await git(seed, 'checkout', '-q', '-b', 'main');
  await writeFiles(seed, files);
  await git(seed, 'add', '-A');
  await git(seed, 'commit', '-q', '-m', 'initial');
  await git(seed, 'push', '-q', 'origin', 'main');
  let clones = 0;

  const repository: HostedRepository = {
    root,
    bare,
    url: `file://${bare}`,
    async clone(folder, url = repository.url) {
      const target = path.join(root, folder);
      await git(root, 'clone', '-q', url, target);
      await git(target, 'config', 'user.name', IDENTITY.GIT_AUTHOR_NAME);
      await git(target, 'config', 'user.email', IDENTITY.GIT_AUTHOR_EMAIL);
      return target;
    },
    async patchFrom(change) {
      const checkout = await repository.clone(`worker-${++clones}`);
      await change(checkout);
      await git(checkout, 'add', '-A');
      return git(checkout, 'diff', '--cached', '--binary');
    },
    async pushChange(change, message = 'upstream change') {
      const checkout = await repository.clone(`upstream-${++clones}`);
      await change(checkout);
      await git(checkout, 'add', '-A');
      await git(checkout, 'commit', '-q', '-m', message);
      await git(checkout, 'push', '-q', 'origin', 'HEAD');
    },
    dispose: () => rm(root, { recursive: true, force: true }),
  };
  return repository;
}

export async function writeFiles(folder: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(folder, name)), { recursive: true });
    await writeFile(path.join(folder, name), content);
  }
}

export function readText(folder: string, name: string): Promise<string> {
  return readFile(path.join(folder, name), 'utf8');
}
