import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { useSetupCopy } from './helpers/setupScripts';

// test/image/setup, which prepares `npm run test:image`, on the paths that stop before it builds
// anything: a user who is not root is told the one command to run, and a Dockerfile whose base
// the stand-in does not make is named. (The full run, as root, is `npm run test:image`.)

describe('test/image/setup, before it makes anything', function () {
  this.timeout(60_000);
  const setup = useSetupCopy('cody-batch-image-setup-', 'test/image/setup', [
    'test/image/stand-in-base',
    'test/image/harness.json',
    'backend/worker/Dockerfile',
  ]);
  const runSetup = (packagesInstalled: boolean) => setup.run(packagesInstalled);

  it('names the Debian packages to install, with the command, and makes nothing', async () => {
    const { code, stderr } = await runSetup(false);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /needs these Debian packages: buildah debootstrap/);
    assert.match(stderr, /sudo apt-get update && sudo apt-get install -y buildah debootstrap/);
    assert.deepEqual(await readdir(setup.cache), [], 'nothing written to the cache');
  });

  it('says it must run as root when the packages are there', async () => {
    const { code, stderr } = await runSetup(true);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /run it as root/);
    assert.deepEqual(await readdir(setup.cache), []);
  });

  it('refuses a Dockerfile whose base the stand-in would not match, saying what to change', async () => {
    const dockerfile = path.join(setup.root, 'backend', 'worker', 'Dockerfile');
    const text = await readFile(dockerfile, 'utf8');
    await writeFile(dockerfile, text.replace(/^FROM node:\S+/m, 'FROM node:26-trixie-slim'));
    const { code, stderr } = await runSetup(true);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /builds FROM node:26-trixie-slim, but test\/image\/harness\.json makes node:24-bookworm-slim/);
  });
});
