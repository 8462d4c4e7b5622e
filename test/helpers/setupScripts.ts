import { execFile } from 'node:child_process';
import { chmod, chown, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

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

async function chownTree(folder: string, uid: number): Promise<void> {
  await chown(folder, uid, uid);
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const child = path.join(folder, entry.name);
    if (entry.isDirectory()) await chownTree(child, uid);
    else await chown(child, uid, uid);
  }
}
