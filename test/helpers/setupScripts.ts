import { execFile } from 'node:child_process';
import { chmod, chown, copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { makeTempDir, REPO_ROOT } from './localStack';

// Running a suite's set-up script (test/e2e/setup, test/image/setup) the way a developer who is not
// root meets it: as `nobody` when the tests run as root, else as the current user, from a copy in a
// folder of its own (the user may not be able to enter the checkout), with the machine's package
// database stood in for by a `dpkg-query` on PATH that reports every package as asked.

const NOBODY = 65534;
const runningAsRoot = process.getuid?.() === 0;

export interface SetupOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Writes `{root}/bin/dpkg-query`, answering that every package is (or is not) installed. */
export async function fakePackageDatabase(root: string, installed: boolean): Promise<void> {
  const status = installed ? 'install ok installed' : 'unknown ok not-installed';
  await writeFile(path.join(root, 'bin', 'dpkg-query'), `#!/bin/sh\nprintf '%s' '${status}'\n`);
  await chmod(path.join(root, 'bin', 'dpkg-query'), 0o755);
}

/** Runs `script` (inside `root`) as a user who is not root, with `{root}/bin` first on PATH. */
export async function runSetupScript(root: string, script: string, env: NodeJS.ProcessEnv): Promise<SetupOutcome> {
  if (runningAsRoot) await chownTree(root, NOBODY);
  const [command, args] = runningAsRoot
    ? ['setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', '--', script]]
    : [script, []];
  try {
    const { stdout, stderr } = await promisify(execFile)(command, args, {
      env: { PATH: `${path.join(root, 'bin')}:${process.env.PATH}`, HOME: root, TMPDIR: root, ...env },
      cwd: root,
      timeout: 50_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : 1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? '',
    };
  }
}

/** A set-up script's copy for each test of the enclosing `describe`, in a temporary folder of its own. */
export interface SetupCopy {
  /** The folder: the copied files, `bin/` (first on PATH) and `cache/` (XDG_CACHE_HOME). */
  readonly root: string;
  readonly cache: string;
  /** Runs the script as a user who is not root, with every package installed or none. */
  run(packagesInstalled: boolean, env?: NodeJS.ProcessEnv): Promise<SetupOutcome>;
}

/**
 * Before each test, copies `files` (paths in the repository) into a new temporary folder at the
 * same paths, `script` among them made executable; after it, removes the folder.
 */
export function useSetupCopy(prefix: string, script: string, files: string[]): SetupCopy {
  const copy = { root: '', cache: '' };
  beforeEach(async () => {
    copy.root = await makeTempDir(prefix);
    copy.cache = path.join(copy.root, 'cache');
    await mkdir(path.join(copy.root, 'bin'), { recursive: true });
    await mkdir(copy.cache);
    for (const file of [script, ...files]) {
      await mkdir(path.dirname(path.join(copy.root, file)), { recursive: true });
      await copyFile(path.join(REPO_ROOT, file), path.join(copy.root, file));
    }
    await chmod(path.join(copy.root, script), 0o755);
  });
  afterEach(() => rm(copy.root, { recursive: true, force: true }));
  return {
    get root() {
      return copy.root;
    },
    get cache() {
      return copy.cache;
    },
    async run(packagesInstalled, env = {}) {
      await fakePackageDatabase(copy.root, packagesInstalled);
      return runSetupScript(copy.root, path.join(copy.root, script), { XDG_CACHE_HOME: copy.cache, ...env });
    },
  };
}

async function chownTree(folder: string, uid: number): Promise<void> {
  await chown(folder, uid, uid);
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const child = path.join(folder, entry.name);
    if (entry.isDirectory()) await chownTree(child, uid);
    else await chown(child, uid, uid);
  }
}
