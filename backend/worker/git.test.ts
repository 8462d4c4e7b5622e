import assert from 'node:assert/strict';
import { readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createGitHosting, type GitHosting } from '../../test/helpers/git';
import { GitCheckout, gitEnvironment } from './git';

// The checkout shared with the command user (AWS: the worker is `cody`, commands run as `cody-run`,
// both in one group). The command user writes the working tree; the git folder it may only read.
// Its config decides what our later git calls run and where the push (with the token) goes, so a
// group-writable one would hand the token to any repository's test script.

describe('GitCheckout shared with the command user', function () {
  this.timeout(30_000);
  let hosting: GitHosting;
  let umask: number;

  before(async () => {
    hosting = await createGitHosting();
    await hosting.create('acme/shared', { 'a.txt': 'old\n', 'src/b.txt': 'b\n' });
    // The worker's umask with a command user (main.ts).
    umask = process.umask(0o002);
  });
  after(async () => {
    process.umask(umask);
    await hosting?.dispose();
  });

  /** Every path under `folder` that its group may write, relative to it. */
  async function groupWritable(folder: string): Promise<string[]> {
    const found: string[] = [];
    const visit = async (relative: string) => {
      const full = path.join(folder, relative);
      if ((await stat(full)).mode & 0o020) found.push(relative || '.');
      for (const entry of await readdir(full, { withFileTypes: true })) {
        const child = path.join(relative, entry.name);
        if (entry.isDirectory()) await visit(child);
        else if ((await stat(path.join(folder, child))).mode & 0o020) found.push(child);
      }
    };
    await visit('');
    return found;
  }

  it('leaves the git folder readable but not writable by the group, through diff and commit, and the working tree writable', async () => {
    const root = path.join(hosting.work, 'shared-run');
    const checkout = await GitCheckout.clone(hosting.repository('acme/shared').url, root, undefined, {
      env: gitEnvironment(process.env),
      sharedGroup: true,
    });
    assert.deepEqual(await groupWritable(checkout.gitDir), []);
    assert.ok(
      (await stat(path.join(checkout.gitDir, 'config'))).mode & 0o040,
      'the command user can read the git folder (git status, git diff)',
    );
    assert.ok(
      (await stat(path.join(checkout.workTree, 'src'))).mode & 0o020,
      'the command user can write the working tree',
    );

    await writeFile(path.join(checkout.workTree, 'a.txt'), 'new\n');
    assert.equal((await checkout.stagedDiff()).stats.files, 1);
    await checkout.commit('change');
    // git writes the message file with the plain umask; in a folder the group cannot write, and
    // holding only our own commit message, it gives nothing away.
    assert.deepEqual(await groupWritable(checkout.gitDir), ['COMMIT_EDITMSG']);
  });
});
