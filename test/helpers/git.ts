import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { createBareRepository, fileGitBase, type FixtureFiles } from '../../backend/local/gitFixtures';
import { GitCheckout, gitEnvironment, PATCH_FLAGS } from '../../backend/worker/git';
import { makeTempDir } from './localStack';

// Real git for tests, one way for every part: bare repositories in a temporary folder standing in
// for GitHub hosting (`{root}/{owner}/{name}.git`, reached through CODY_BATCH_GIT_BASE), clones of
// them as a developer has them, and patches made by the worker's own code (a shallow clone and
// `GitCheckout.stagedDiff`), as the API serves them.

export { writeFixtureFiles, type FixtureFile, type FixtureFiles } from '../../backend/local/gitFixtures';

const run = promisify(execFile);

/** Who commits in tests' clones (the worker commits as Cody Batch, fixtures as Fixture Author). */
const IDENTITY = { name: 'Test User', email: 'test@example.com' };

/** `git` in a folder, with an identity and without the machine's system config; returns stdout. */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  const env = {
    ...process.env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: IDENTITY.name,
    GIT_AUTHOR_EMAIL: IDENTITY.email,
    GIT_COMMITTER_NAME: IDENTITY.name,
    GIT_COMMITTER_EMAIL: IDENTITY.email,
  };
  const { stdout } = await run('git', args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** `git` on a bare repository, without user or system config (diffs as the worker makes them); its output, as bytes. */
export async function bareGit(bare: string, ...args: string[]): Promise<Buffer> {
  const { stdout } = await run('git', ['--git-dir', bare, ...args], {
    env: { PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C' },
    encoding: 'buffer',
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/** The diff from `from` to `to` in a bare repository, as the worker makes a patch (binary, renames, full index): what a pushed branch is compared with. */
export function pushedDiff(bare: string, from: string, to: string): Promise<Buffer> {
  return bareGit(bare, 'diff', ...PATCH_FLAGS, from, to);
}

export function readText(folder: string, name: string): Promise<string> {
  return readFile(path.join(folder, name), 'utf8');
}

/** Commits `files` on `branch` (made from the default branch when new) and pushes it, as a person adding to a pull request or a colleague starting one. Returns the commit. */
export async function pushToBranch(
  hosting: GitHosting,
  repositoryName: string,
  branch: string,
  files: Record<string, string>,
  message = 'A person’s commit',
): Promise<string> {
  // A new branch starts from the default one.
  const checkout = await hosting.clone(repositoryName, { branch }).catch(() => hosting.clone(repositoryName));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(checkout, name)), { recursive: true });
    await writeFile(path.join(checkout, name), content);
  }
  await git(checkout, 'add', '-A');
  await git(checkout, 'commit', '-q', '-m', message);
  await git(checkout, 'push', '-q', 'origin', `HEAD:refs/heads/${branch}`);
  return (await git(checkout, 'rev-parse', 'HEAD')).trim();
}

export interface CloneOptions {
  /** Where: a path, or a folder name under the hosting's `work` folder (default: a fresh one). */
  into?: string;
  branch?: string;
  /** Another form of the repository's address (default: its `file://` URL). */
  url?: string;
}

export interface HostedRepository {
  /** `owner/name`. */
  name: string;
  /** The bare repository, `{root}/{owner}/{name}.git`. */
  bare: string;
  /** Its `file://` URL, as CODY_BATCH_GIT_BASE makes them. */
  url: string;
  /** A working clone with an identity configured, as a developer has one. Returns its path. */
  clone(options?: CloneOptions): Promise<string>;
  /** Lets `change` edit a fresh worker checkout and returns the patch the worker would record. */
  patchFrom(change: (checkout: string) => Promise<void>): Promise<string>;
  /** Commits and pushes a change from a fresh clone: someone else's work landing upstream. */
  pushChange(change: (checkout: string) => Promise<void>, message?: string): Promise<void>;
}

export interface GitHosting {
  /** The bare repositories' folder. */
  root: string;
  /** `file://{root}/{owner}/{name}.git`, for CODY_BATCH_GIT_BASE. */
  gitBase: string;
  /** A scratch folder for clones and whatever else a test needs on disk; removed with the hosting. */
  work: string;
  /** A bare repository holding one commit of `files` on `branch` (default `main`). */
  create(repositoryName: string, files: FixtureFiles, branch?: string): Promise<HostedRepository>;
  /** A repository created earlier. */
  repository(repositoryName: string): HostedRepository;
  /** A working clone of a hosted repository; see HostedRepository.clone. */
  clone(repositoryName: string, options?: CloneOptions): Promise<string>;
  dispose(): Promise<void>;
}

/** Repositories named `names`, each holding the same `files`: a test world's `repositories`. */
export function repositoriesHolding(names: readonly string[], files: FixtureFiles): Record<string, FixtureFiles> {
  return Object.fromEntries(names.map((name) => [name, files]));
}

export async function createGitHosting(): Promise<GitHosting> {
  const root = await makeTempDir('cody-batch-hosting-');
  const work = await makeTempDir('cody-batch-clones-');
  let counter = 0;
  const fresh = (label: string) => path.join(work, `${label.replace('/', '-')}-${++counter}`);

  const repository = (name: string): HostedRepository => {
    const bare = path.join(root, `${name}.git`);
    const hosted: HostedRepository = {
      name,
      bare,
      url: `file://${bare}`,
      async clone(options = {}) {
        const target = options.into ? path.resolve(work, options.into) : fresh(name);
        await mkdir(path.dirname(target), { recursive: true });
        // The identity goes into the clone's config as it is made: one git process, not three.
        await git(
          work,
          'clone',
          '--quiet',
          '--config',
          `user.name=${IDENTITY.name}`,
          '--config',
          `user.email=${IDENTITY.email}`,
          ...(options.branch ? ['--branch', options.branch] : []),
          options.url ?? hosted.url,
          target,
        );
        return target;
      },
      async patchFrom(change) {
        const checkout = await GitCheckout.clone(hosted.url, fresh(`${name}-worker`), undefined, {
          env: gitEnvironment(process.env),
        });
        await change(checkout.workTree);
        return (await checkout.stagedDiff()).patch;
      },
      async pushChange(change, message = 'upstream change') {
        const checkout = await hosted.clone();
        await change(checkout);
        await git(checkout, 'add', '-A');
        await git(checkout, 'commit', '-q', '-m', message);
        await git(checkout, 'push', '-q', 'origin', 'HEAD');
      },
    };
    return hosted;
  };

  return {
    root,
    gitBase: fileGitBase(root),
    work,
    async create(name, files, branch) {
      await createBareRepository(root, name, files, branch);
      return repository(name);
    },
    repository,
    clone: (name, options) => repository(name).clone(options),
    async dispose() {
      await rm(root, { recursive: true, force: true });
      await rm(work, { recursive: true, force: true });
    },
  };
}

/** A suite's hosting, made by `useGitHosting` before the suite's tests run; read it inside tests and hooks. */
export interface GitHostingHook {
  readonly hosting: GitHosting;
}

/** Mocha hooks for the calling `describe`: a fresh hosting before its tests (after `setup`, if any), removed after them. */
export function useGitHosting(setup?: (hosting: GitHosting) => Promise<void>): GitHostingHook {
  let made: GitHosting | undefined;
  before(async () => {
    made = await createGitHosting();
    await setup?.(made);
  });
  after(() => made?.dispose());
  return {
    get hosting() {
      if (!made) throw new Error('the hosting is made in a before hook: read it inside a test or a later hook');
      return made;
    },
  };
}

/** The repository `useHostedRepository` hosts, and the hosting it is in. */
export type HostedRepositoryHook = HostedRepository & GitHostingHook;

/**
 * Mocha hooks for the calling `describe`: one repository holding `files`, hosted before its tests and
 * removed after them. Its methods and fields may be used in any test or later hook.
 */
export function useHostedRepository(repositoryName: string, files: FixtureFiles): HostedRepositoryHook {
  let hosted: HostedRepository | undefined;
  const hook = useGitHosting(async (hosting) => {
    hosted = await hosting.create(repositoryName, files);
  });
  const repository = () => {
    if (!hosted) throw new Error(`${repositoryName} is hosted in a before hook: use it inside a test or a later hook`);
    return hosted;
  };
  return {
    name: repositoryName,
    get hosting() {
      return hook.hosting;
    },
    get bare() {
      return repository().bare;
    },
    get url() {
      return repository().url;
    },
    clone: (options) => repository().clone(options),
    patchFrom: (change) => repository().patchFrom(change),
    pushChange: (change, message) => repository().pushChange(change, message),
  };
}

/** The repository `useHostedPatch` hosts, and the patch the worker records of the change to it. */
export type HostedPatchHook = HostedRepositoryHook & { readonly patch: string };

/**
 * Mocha hooks for the calling `describe`: one repository holding `files`, hosted as
 * `useHostedRepository` does, and the patch the worker would record of `change` made to a fresh
 * checkout of it, made before its tests.
 */
export function useHostedPatch(
  repositoryName: string,
  files: FixtureFiles,
  change: (checkout: string) => Promise<void>,
): HostedPatchHook {
  const hosted = useHostedRepository(repositoryName, files);
  let made: string | undefined;
  before(async () => {
    made = await hosted.patchFrom(change);
  });
  return Object.defineProperty(hosted, 'patch', {
    get() {
      if (made === undefined)
        throw new Error(`the patch of ${repositoryName} is made in a before hook: read it inside a test`);
      return made;
    },
  }) as HostedPatchHook;
}
