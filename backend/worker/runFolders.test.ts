import assert from 'node:assert/strict';
import { chmod, chown, mkdir, mkdtemp, readdir, rm, stat, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { makeRunFolder } from './runFolders';

describe('run folders: where a run clones', () => {
  let scratch: string;
  beforeEach(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'cody-batch-runfolders-'));
  });
  afterEach(() => rm(scratch, { recursive: true, force: true }));

  it('makes a missing work folder for this user alone, then the run’s folder in it', async () => {
    const workDir = path.join(scratch, 'cody-batch-runs-1000');
    const folder = await makeRunFolder(workDir);
    assert.equal(path.dirname(folder), workDir);
    assert.equal((await stat(workDir)).mode & 0o777, 0o700);
    assert.equal((await stat(folder)).mode & 0o777, 0o700);
  });

  it('refuses a work folder another user could have planted: a link, or one everyone may write', async () => {
    const elsewhere = path.join(scratch, 'elsewhere');
    await mkdir(elsewhere);
    const link = path.join(scratch, 'linked');
    await symlink(elsewhere, link);
    await assert.rejects(makeRunFolder(link), /not a folder: set CODY_BATCH_WORK_DIR/);
    const open = path.join(scratch, 'open');
    await mkdir(open);
    await chmod(open, 0o777);
    await assert.rejects(makeRunFolder(open), /writable by everyone/);
    // Sticky, like /tmp itself: others may not move what is ours.
    await chmod(open, 0o1777);
    assert.ok(await makeRunFolder(open));
  });

  it('refuses a work folder another user made first, even one with the sticky bit: its owner may move our runs', async () => {
    // The default name (cody-batch-runs-<uid> in the temporary folder) can be guessed. As root the
    // test makes such a folder for another user; as anyone else, `/` is another user's (root's).
    let theirs = '/';
    if (process.getuid?.() === 0) {
      theirs = path.join(scratch, 'cody-batch-runs-1000');
      await mkdir(theirs);
      await chown(theirs, 65534, 65534);
      await chmod(theirs, 0o1777);
    }
    await assert.rejects(makeRunFolder(theirs), /belongs to another user \(uid \d+\): set CODY_BATCH_WORK_DIR/);
    if (theirs !== '/') assert.deepEqual(await readdir(theirs), []);
  });
});
