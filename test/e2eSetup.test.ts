import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { useSetupCopy } from './helpers/setupScripts';

// test/e2e/setup, the end-to-end harness installer, on the paths that stop before installing:
// run as a user who is not root, it says exactly what to do and installs nothing. The machine's
// package database is stood in for by a `dpkg-query` on PATH that reports each package as asked,
// so the test does not depend on what this machine has installed. The full install itself is what
// `npm run test:e2e` runs. The user who runs it may not be able to enter the checkout (a clone under
// /root, or in a 0700 temporary folder), so it runs a copy of the script placed in its own folder.

describe('test/e2e/setup, run by a user who is not root', function () {
  this.timeout(60_000);
  const setup = useSetupCopy('cody-batch-e2e-setup-', 'test/e2e/setup', ['test/e2e/harness.json']);

  /** Runs the setup script as a user who is not root, with every package installed or none. */
  const runSetup = (packagesInstalled: boolean, extraEnv: NodeJS.ProcessEnv = {}) =>
    setup.run(packagesInstalled, {
      // Should the script get as far as npm, it fails at once instead of installing code-server.
      npm_config_registry: 'http://127.0.0.1:9/',
      ...extraEnv,
    });

  it('names the Debian packages to install, with the command, and installs nothing', async () => {
    const { code, stderr } = await runSetup(false);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /needs these Debian packages: .*libkrb5-dev/);
    assert.match(stderr, /sudo apt-get update && sudo apt-get install -y [a-z0-9 -]*libkrb5-dev/);
    assert.deepEqual(await readdir(setup.cache), [], 'nothing written to the cache');
  });

  it('says to update the package lists when apt cannot find ripgrep, instead of only apt’s error', async () => {
    // Package lists that were never fetched, as in a container image that deleted them after install.
    const apt = path.join(setup.root, 'apt');
    await mkdir(path.join(apt, 'lists', 'partial'), { recursive: true });
    await mkdir(path.join(apt, 'cache', 'archives', 'partial'), { recursive: true });
    await writeFile(
      path.join(setup.root, 'apt.conf'),
      `Dir::State::Lists "${apt}/lists";\nDir::Cache "${apt}/cache";\n`,
    );
    const { code, stderr } = await runSetup(true, { APT_CONFIG: path.join(setup.root, 'apt.conf') });
    assert.equal(code, 1, stderr);
    assert.match(stderr, /sudo apt-get update/, stderr);
    assert.match(stderr, /then run this again/i, stderr);
    const left = (await readdir(path.join(setup.cache, 'cody-batch', 'e2e'))).filter((entry) => entry !== '.lock');
    assert.deepEqual(left, [], 'no half-made install is left in the cache');
  });
});
