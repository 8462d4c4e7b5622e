import assert from 'node:assert/strict';
import { chmod, copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeTempDir, REPO_ROOT } from './helpers/localStack';
import { fakePackageDatabase, runSetupScript, type SetupOutcome } from './helpers/setupScripts';

// test/e2e/setup, the end-to-end harness installer, on the paths that stop before installing:
// run as a user who is not root, it says exactly what to do and installs nothing. The machine's
// package database is stood in for by a `dpkg-query` on PATH that reports each package as asked,
// so the test does not depend on what this machine has installed. The full install itself is what
// `npm run test:e2e` runs. The user who runs it may not be able to enter the checkout (a clone under
// /root, or in a 0700 temporary folder), so it runs a copy of the script placed in its own folder.

const SETUP_FILES = ['setup', 'harness.json'].map((name) => path.join(REPO_ROOT, 'test', 'e2e', name));

describe('test/e2e/setup, run by a user who is not root', function () {
  this.timeout(60_000);
  let root: string;
  let cache: string;

  beforeEach(async () => {
    root = await makeTempDir('cody-batch-e2e-setup-');
    cache = path.join(root, 'cache');
    await mkdir(path.join(root, 'bin'), { recursive: true });
    await mkdir(cache);
    await mkdir(path.join(root, 'e2e'));
    for (const file of SETUP_FILES) await copyFile(file, path.join(root, 'e2e', path.basename(file)));
    await chmod(path.join(root, 'e2e', 'setup'), 0o755);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** Runs the setup script as a user who is not root, with every package installed or none. */
  async function runSetup(packagesInstalled: boolean, extraEnv: NodeJS.ProcessEnv = {}): Promise<SetupOutcome> {
    await fakePackageDatabase(root, packagesInstalled);
    return runSetupScript(root, path.join(root, 'e2e', 'setup'), {
      XDG_CACHE_HOME: cache,
      // Should the script get as far as npm, it fails at once instead of installing code-server.
      npm_config_registry: 'http://127.0.0.1:9/',
      ...extraEnv,
    });
  }

  it('names the Debian packages to install, with the command, and installs nothing', async () => {
    const { code, stderr } = await runSetup(false);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /needs these Debian packages: .*libkrb5-dev/);
    assert.match(stderr, /sudo apt-get update && sudo apt-get install -y [a-z0-9 -]*libkrb5-dev/);
    assert.deepEqual(await readdir(path.join(cache)), [], 'nothing written to the cache');
  });

  it('says to update the package lists when apt cannot find ripgrep, instead of only apt’s error', async () => {
    // Package lists that were never fetched, as in a container image that deleted them after install.
    const apt = path.join(root, 'apt');
    await mkdir(path.join(apt, 'lists', 'partial'), { recursive: true });
    await mkdir(path.join(apt, 'cache', 'archives', 'partial'), { recursive: true });
    await writeFile(path.join(root, 'apt.conf'), `Dir::State::Lists "${apt}/lists";\nDir::Cache "${apt}/cache";\n`);
    const { code, stderr } = await runSetup(true, { APT_CONFIG: path.join(root, 'apt.conf') });
    assert.equal(code, 1, stderr);
    assert.match(stderr, /sudo apt-get update/, stderr);
    assert.match(stderr, /then run this again/i, stderr);
    const left = (await readdir(path.join(cache, 'cody-batch', 'e2e'))).filter((entry) => entry !== '.lock');
    assert.deepEqual(left, [], 'no half-made install is left in the cache');
  });
});
