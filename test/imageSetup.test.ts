import assert from 'node:assert/strict';
import { chmod, copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeTempDir, REPO_ROOT } from './helpers/localStack';
import { fakePackageDatabase, runSetupScript } from './helpers/setupScripts';

// test/image/setup, which prepares `npm run test:image`, on the paths that stop before it builds
// anything: a user who is not root is told the one command to run, and a Dockerfile whose base
// the stand-in does not make is named. (The full run, as root, is `npm run test:image`.)

describe('test/image/setup, before it makes anything', function () {
  this.timeout(60_000);
  let root: string;
  let cache: string;

  beforeEach(async () => {
    root = await makeTempDir('cody-batch-image-setup-');
    cache = path.join(root, 'cache');
    await mkdir(path.join(root, 'bin'), { recursive: true });
    await mkdir(cache);
    await mkdir(path.join(root, 'test', 'image'), { recursive: true });
    await mkdir(path.join(root, 'backend', 'worker'), { recursive: true });
    for (const name of ['setup', 'stand-in-base', 'harness.json'])
      await copyFile(path.join(REPO_ROOT, 'test', 'image', name), path.join(root, 'test', 'image', name));
    await chmod(path.join(root, 'test', 'image', 'setup'), 0o755);
    await copyFile(
      path.join(REPO_ROOT, 'backend', 'worker', 'Dockerfile'),
      path.join(root, 'backend', 'worker', 'Dockerfile'),
    );
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const runSetup = async (packagesInstalled: boolean) => {
    await fakePackageDatabase(root, packagesInstalled);
    return runSetupScript(root, path.join(root, 'test', 'image', 'setup'), { XDG_CACHE_HOME: cache });
  };

  it('names the Debian packages to install, with the command, and makes nothing', async () => {
    const { code, stderr } = await runSetup(false);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /needs these Debian packages: buildah debootstrap/);
    assert.match(stderr, /sudo apt-get update && sudo apt-get install -y buildah debootstrap/);
    assert.deepEqual(await readdir(cache), [], 'nothing written to the cache');
  });

  it('says it must run as root when the packages are there', async () => {
    const { code, stderr } = await runSetup(true);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /run it as root/);
    assert.deepEqual(await readdir(cache), []);
  });

  it('refuses a Dockerfile whose base the stand-in would not match, saying what to change', async () => {
    const dockerfile = path.join(root, 'backend', 'worker', 'Dockerfile');
    const text = await readFile(dockerfile, 'utf8');
    await writeFile(dockerfile, text.replace(/^FROM node:\S+/m, 'FROM node:26-trixie-slim'));
    const { code, stderr } = await runSetup(true);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /builds FROM node:26-trixie-slim, but test\/image\/harness\.json makes node:24-bookworm-slim/);
  });
});
