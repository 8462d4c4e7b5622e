import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { git, readText, useHostedPatch, useHostedRepository, writeFixtureFiles } from '../../test/helpers/git';
import { ApplyRefused, applyPatch, uncommittedWorkNote, type ApplyResult } from './applyPatch';

// The apply flow on real repositories: a bare "hosted" repository, a patch made by a worker-like
// clone with `git diff --cached --binary`, applied to the user's own clone.

const PNG = Buffer.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 1, 2, 3, 255, 254, 0,
]);
const PNG_CHANGED = Buffer.concat([PNG, Buffer.from([7, 7, 7, 0, 1])]);

const FILES = {
  'src/api.ts': 'export function call() {\n  return oldFunction(1);\n}\n',
  'src/other.ts': 'export const other = 1;\n',
  'README.md': '# widgets\n\nSome text.\n',
  'obsolete.txt': 'to be deleted\n',
  'logo.png': PNG,
};

const neverAsked = async () => {
  throw new Error('the user should not have been asked');
};

describe('applyPatch on real git repositories', function () {
  this.timeout(60_000);
  const hosted = useHostedPatch('acme/widgets', FILES, async (checkout) => {
    await writeFile(
      path.join(checkout, 'src/api.ts'),
      'export function call() {\n  return newFunction(1, { version: 2 });\n}\n',
    );
    await writeFile(path.join(checkout, 'logo.png'), PNG_CHANGED);
    await writeFixtureFiles(checkout, { 'src/added.ts': 'export const added = true;\n' });
    await rm(path.join(checkout, 'obsolete.txt'));
  });

  let counter = 0;
  const freshClone = () => hosted.clone({ into: `user-${++counter}` });

  /** Applies the patch answering `answer` when asked about uncommitted work: its result, and the files it asked about. */
  async function applyAnswering(checkout: string, answer: boolean) {
    let askedAbout: string[] = [];
    const result = await applyPatch(checkout, hosted.patch, {
      confirmStash: async (files) => {
        askedAbout = files;
        return answer;
      },
    });
    return { result, askedAbout };
  }

  async function expectPatchApplied(checkout: string): Promise<void> {
    assert.match(await readText(checkout, 'src/api.ts'), /newFunction\(1, \{ version: 2 \}\)/);
    assert.deepEqual(
      await readFile(path.join(checkout, 'logo.png')),
      PNG_CHANGED,
      'the binary file is updated byte for byte',
    );
    assert.equal(await readText(checkout, 'src/added.ts'), 'export const added = true;\n', 'the new file exists');
    assert.equal(existsSync(path.join(checkout, 'obsolete.txt')), false, 'the deleted file is gone');
  }

  it('applies to a clean tree: a modified, a binary, a new and a deleted file', async () => {
    const checkout = await freshClone();
    const result = await applyPatch(checkout, hosted.patch, { confirmStash: neverAsked });
    assert.equal(result.status, 'applied');
    assert.deepEqual([...(result as { files: string[] }).files].sort(), [
      'logo.png',
      'obsolete.txt',
      'src/added.ts',
      'src/api.ts',
    ]);
    await expectPatchApplied(checkout);
    assert.equal((await git(checkout, 'stash', 'list')).trim(), '', 'no stash was made');
  });

  it('changes nothing when the user cancels on uncommitted work', async () => {
    const checkout = await freshClone();
    await writeFile(path.join(checkout, 'src/other.ts'), 'export const other = 2; // my work\n');
    const { result, askedAbout } = await applyAnswering(checkout, false);
    assert.equal(result.status, 'cancelled');
    assert.deepEqual(askedAbout, ['src/other.ts']);
    assert.equal(await readText(checkout, 'src/other.ts'), 'export const other = 2; // my work\n');
    assert.match(await readText(checkout, 'src/api.ts'), /oldFunction/, 'the patch was not applied');
    assert.equal(existsSync(path.join(checkout, 'obsolete.txt')), true);
    assert.equal((await git(checkout, 'stash', 'list')).trim(), '');
  });

  it('stashes, applies and restores uncommitted work, staged and unstaged', async () => {
    const checkout = await freshClone();
    await writeFile(path.join(checkout, 'src/other.ts'), 'export const other = 2; // staged work\n');
    await git(checkout, 'add', 'src/other.ts');
    await writeFile(path.join(checkout, 'README.md'), '# widgets\n\nSome text, edited.\n');
    const result = await applyPatch(checkout, hosted.patch, {
      confirmStash: async () => true,
      label: 'job-1 acme/widgets',
    });
    assert.equal(result.status, 'applied');
    assert.equal((result as { restoredStash: boolean }).restoredStash, true);
    await expectPatchApplied(checkout);
    assert.equal(await readText(checkout, 'src/other.ts'), 'export const other = 2; // staged work\n');
    assert.equal(await readText(checkout, 'README.md'), '# widgets\n\nSome text, edited.\n');
    assert.equal((await git(checkout, 'stash', 'list')).trim(), '', 'the stash was dropped once restored');
  });

  it('restores staged work and unstaged work in a file the patch also changes, when the two do not overlap', async () => {
    const lines = (change?: [number, string]) =>
      `${Array.from({ length: 40 }, (_, i) => (change?.[0] === i ? change[1] : `line ${i}`)).join('\n')}\n`;
    const long = await hosted.hosting.create('acme/long', { 'notes.txt': lines(), 'config.txt': 'a = 1\n' });
    const longPatch = await long.patchFrom((checkout) =>
      writeFile(path.join(checkout, 'notes.txt'), lines([2, 'patched'])),
    );
    const checkout = await long.clone({ into: 'user-long' });
    await writeFile(path.join(checkout, 'notes.txt'), lines([35, 'my unstaged line']));
    await writeFile(path.join(checkout, 'config.txt'), 'a = 2\n');
    await git(checkout, 'add', 'config.txt');
    const result = await applyPatch(checkout, longPatch, { confirmStash: async () => true });
    assert.equal(result.status, 'applied', JSON.stringify(result));
    assert.equal(
      await readText(checkout, 'notes.txt'),
      lines([2, 'patched']).replace('line 35', 'my unstaged line'),
      'both changes are in the file',
    );
    assert.equal(await readText(checkout, 'config.txt'), 'a = 2\n');
    assert.equal(
      await git(checkout, 'diff', '--cached', '--name-only', '--', 'config.txt'),
      'config.txt\n',
      'what was staged is staged again',
    );
    assert.equal((result as { stagedRestored?: boolean }).stagedRestored, true);
    assert.equal((await git(checkout, 'stash', 'list')).trim(), '', 'the stash was dropped once restored');
  });

  it('keeps the stash and names the conflicts when restoring the work conflicts with the patch', async () => {
    const checkout = await freshClone();
    const mine = 'export function call() {\n  return myOwnFunction(1);\n}\n';
    await writeFile(path.join(checkout, 'src/api.ts'), mine);
    const result = await applyPatch(checkout, hosted.patch, {
      confirmStash: async () => true,
      label: 'job-1 acme/widgets',
    });
    assert.equal(result.status, 'restore-conflicts');
    const { conflicts, stash } = result as Extract<ApplyResult, { status: 'restore-conflicts' }>;
    assert.deepEqual(conflicts, ['src/api.ts']);
    const stashes = await git(checkout, 'stash', 'list', '--format=%H %s');
    assert.ok(stashes.includes(stash.commit), 'the stash is still there');
    assert.match(stashes, /cody-batch: job-1 acme\/widgets/);
    // The user's work can be got back exactly from the stash.
    assert.equal(await git(checkout, 'show', `${stash.commit}:src/api.ts`), mine);
    const text = await readText(checkout, 'src/api.ts');
    assert.match(text, /<<<<<<</);
    assert.match(text, /myOwnFunction/);
  });

  it('reports the files in conflict when the checkout has diverged (three-way merge)', async () => {
    await hosted.pushChange(async (checkout) => {
      await writeFile(path.join(checkout, 'src/api.ts'), 'export function call() {\n  return legacyFunction(1);\n}\n');
    });
    const checkout = await freshClone();
    const result = await applyPatch(checkout, hosted.patch, { confirmStash: neverAsked });
    assert.equal(result.status, 'conflicts');
    assert.deepEqual((result as { conflicts: string[] }).conflicts, ['src/api.ts']);
    const text = await readText(checkout, 'src/api.ts');
    assert.match(text, /<<<<<<< ours[\s\S]*legacyFunction[\s\S]*=======[\s\S]*newFunction[\s\S]*>>>>>>> theirs/);
    // The other files of the patch applied.
    assert.equal(await readText(checkout, 'src/added.ts'), 'export const added = true;\n');
    // Restore the hosted repository for the tests after this one.
    await hosted.pushChange(async (clone) => writeFile(path.join(clone, 'src/api.ts'), FILES['src/api.ts']), 'revert');
  });

  it("asks before replacing an untracked file the patch creates, and keeps the user's copy in the stash", async () => {
    const checkout = await freshClone();
    await writeFile(path.join(checkout, 'src/added.ts'), 'my own untracked draft\n');
    const { result, askedAbout } = await applyAnswering(checkout, true);
    assert.deepEqual(askedAbout, ['src/added.ts']);
    // Both versions of src/added.ts cannot sit in the tree: the patch's is there, the user's stays stashed.
    assert.equal(result.status, 'restore-conflicts');
    const { stash, message } = result as Extract<ApplyResult, { status: 'restore-conflicts' }>;
    assert.match(message, /src\/added\.ts/);
    await expectPatchApplied(checkout);
    assert.equal((await git(checkout, 'stash', 'list', '--format=%H')).trim(), stash.commit);
    assert.equal(await git(checkout, 'show', `${stash.commit}^3:src/added.ts`), 'my own untracked draft\n');
  });

  it('fails without changing anything when the patch does not fit at all', async () => {
    const checkout = await freshClone();
    const bogus = hosted.patch
      .replace(/^index [0-9a-f]+\.\./m, 'index 1234567890123456789012345678901234567890..')
      .replace('oldFunction(1)', 'nowhere(1)');
    await writeFile(path.join(checkout, 'src/other.ts'), 'export const other = 3; // mine\n');
    const result = await applyPatch(checkout, bogus, { confirmStash: async () => true });
    assert.equal(result.status, 'failed');
    assert.equal(
      await readText(checkout, 'src/other.ts'),
      'export const other = 3; // mine\n',
      'the stashed work came back',
    );
    assert.match(await readText(checkout, 'src/api.ts'), /oldFunction/);
    assert.equal(existsSync(path.join(checkout, 'src/added.ts')), false);
    assert.equal((await git(checkout, 'stash', 'list')).trim(), '');
  });
});

// `git stash` saves nothing inside a submodule: with only a dirty submodule, `git stash push` makes no
// stash and exits 0. The apply must neither take an older stash for its own nor tell the user their
// changes were stashed and restored.
describe('applyPatch with a dirty submodule', function () {
  this.timeout(60_000);
  const hosted = useHostedRepository('acme/app', { 'app.txt': 'app v1\n', 'notes.txt': 'notes\n' });
  let patch: string;

  before(async () => {
    const library = await hosted.hosting.create('acme/library', { 'lib.txt': 'library v1\n' });
    await hosted.pushChange(async (checkout) => {
      await git(checkout, '-c', 'protocol.file.allow=always', 'submodule', 'add', '--quiet', library.url, 'vendor/lib');
    }, 'add the library as a submodule');
    patch = await hosted.patchFrom((checkout) => writeFile(path.join(checkout, 'app.txt'), 'app v2\n'));
  });

  /** A clone with its submodule checked out, and a change inside the submodule. */
  async function cloneWithDirtySubmodule(): Promise<string> {
    const checkout = await hosted.clone();
    await git(checkout, '-c', 'protocol.file.allow=always', 'submodule', 'update', '--init', '--quiet');
    await writeFile(path.join(checkout, 'vendor/lib/lib.txt'), 'library v1, my local fix\n');
    return checkout;
  }

  it('leaves an older, unrelated stash alone, and says the submodule changes were left in place', async () => {
    const checkout = await cloneWithDirtySubmodule();
    // Someone's earlier work, stashed long before this apply.
    await writeFile(path.join(checkout, 'notes.txt'), 'notes, an old idea\n');
    await git(checkout, 'stash', 'push', '--quiet', '-m', 'an old idea');
    const oldStash = (await git(checkout, 'rev-parse', 'refs/stash')).trim();

    const result = await applyPatch(checkout, patch, { confirmStash: async () => true });
    assert.equal(result.status, 'applied', JSON.stringify(result));
    assert.equal(await readText(checkout, 'app.txt'), 'app v2\n', 'the patch applied');
    assert.equal(await readText(checkout, 'notes.txt'), 'notes\n', 'the old stash was not applied');
    assert.equal(
      (await git(checkout, 'stash', 'list', '--format=%H %s')).trim(),
      `${oldStash} On main: an old idea`,
      'the old stash was not dropped',
    );
    assert.equal(await readText(checkout, 'vendor/lib/lib.txt'), 'library v1, my local fix\n');
    const note = uncommittedWorkNote(result as Extract<ApplyResult, { status: 'applied' }>);
    assert.doesNotMatch(note, /restored/, 'nothing was stashed, so nothing was restored');
    assert.match(note, /changes inside the submodule vendor\/lib were left in place/i);
  });

  it('applies without a git error when there is no stash at all', async () => {
    const checkout = await cloneWithDirtySubmodule();
    const result = await applyPatch(checkout, patch, { confirmStash: async () => true });
    assert.equal(result.status, 'applied', JSON.stringify(result));
    assert.equal(await readText(checkout, 'app.txt'), 'app v2\n');
    assert.equal(await readText(checkout, 'vendor/lib/lib.txt'), 'library v1, my local fix\n');
    assert.equal((await git(checkout, 'stash', 'list')).trim(), '');
  });

  it('stashes and restores the other work, and says the submodule changes stayed where they were', async () => {
    const checkout = await cloneWithDirtySubmodule();
    await writeFile(path.join(checkout, 'notes.txt'), 'notes, my work\n');
    const result = await applyPatch(checkout, patch, { confirmStash: async () => true });
    assert.equal(result.status, 'applied', JSON.stringify(result));
    assert.equal(await readText(checkout, 'notes.txt'), 'notes, my work\n');
    assert.equal(await readText(checkout, 'vendor/lib/lib.txt'), 'library v1, my local fix\n');
    const note = uncommittedWorkNote(result as Extract<ApplyResult, { status: 'applied' }>);
    assert.match(note, /Your uncommitted changes were restored/);
    assert.match(note, /changes inside the submodule vendor\/lib were left in place/i);
    assert.equal((await git(checkout, 'stash', 'list')).trim(), '');
  });

  it('refuses, changing nothing, a patch that moves a submodule with uncommitted changes', async () => {
    // The patch: the submodule moved to a newer commit of the library.
    const author = await hosted.clone();
    await git(author, '-c', 'protocol.file.allow=always', 'submodule', 'update', '--init', '--quiet');
    await writeFile(path.join(author, 'vendor/lib/lib.txt'), 'library v2\n');
    await git(path.join(author, 'vendor/lib'), 'commit', '--quiet', '-am', 'v2');
    await git(author, 'add', 'vendor/lib');
    const moveSubmodule = await git(author, 'diff', '--cached', '--binary');
    assert.match(moveSubmodule, /Subproject commit/);

    const checkout = await cloneWithDirtySubmodule();
    const before = await git(checkout, 'status', '--porcelain=v1');
    const refused = await applyPatch(checkout, moveSubmodule, { confirmStash: async () => true }).catch(
      (error: unknown) => error,
    );
    assert.ok(refused instanceof ApplyRefused, String(refused));
    assert.match(refused.message, /vendor\/lib has uncommitted changes.*git stash cannot save/);
    assert.equal(await git(checkout, 'status', '--porcelain=v1'), before);
    assert.equal(await readText(checkout, 'vendor/lib/lib.txt'), 'library v1, my local fix\n');
  });
});

describe('applyPatch with links out of the repository', function () {
  this.timeout(60_000);
  const hosted = useHostedPatch('acme/linked', { 'a.txt': 'old\n' }, async (checkout) => {
    await writeFile(path.join(checkout, 'a.txt'), 'new\n');
    await symlink('/etc/passwd', path.join(checkout, 'passwd'));
  });

  it('applies nothing unless the links are confirmed, and asks before anything else', async () => {
    const checkout = await hosted.clone();
    await writeFile(path.join(checkout, 'a.txt'), 'my work\n');
    const result = await applyPatch(checkout, hosted.patch, { confirmStash: neverAsked });
    assert.deepEqual(result, { status: 'outside-links', links: [{ path: 'passwd', target: '/etc/passwd' }] });
    assert.equal(existsSync(path.join(checkout, 'passwd')), false);
    assert.equal(await readText(checkout, 'a.txt'), 'my work\n');
    assert.equal((await git(checkout, 'stash', 'list')).trim(), '');
  });

  it('applies them once confirmed', async () => {
    const checkout = await hosted.clone();
    let asked: unknown;
    const result = await applyPatch(checkout, hosted.patch, {
      confirmStash: neverAsked,
      confirmOutsideLinks: async (links) => {
        asked = links;
        return true;
      },
    });
    assert.equal(result.status, 'applied');
    assert.deepEqual(asked, [{ path: 'passwd', target: '/etc/passwd' }]);
    assert.equal(await readlink(path.join(checkout, 'passwd')), '/etc/passwd');
  });
});
