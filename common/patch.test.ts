import assert from 'node:assert/strict';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createGitHosting, git, type GitHosting } from '../test/helpers/git';
import { applyHunks, filePath, hunkSides, parseHunks, parsePatch, patchTotals } from './patch';

// Patches made by real git (`git diff --cached --binary`, as the worker records them).

const lines = (count: number, prefix = 'line') =>
  `${Array.from({ length: count }, (_, i) => `${prefix} ${i + 1}`).join('\n')}\n`;

describe('parsePatch on real git patches', function () {
  this.timeout(30_000);
  let hosting: GitHosting;
  let patch: string;
  let worker: string;
  const original: Record<string, string> = {
    'src/long.ts': lines(200),
    'no-newline.txt': 'first\nlast without newline',
    'docs/old name.md': 'moved\nfile\n',
    'gone.txt': 'bye\n',
    'tricky.txt': '-- not a header\n++ neither\nkeep\n',
    'héllo.txt': 'accents\n',
  };

  before(async () => {
    hosting = await createGitHosting();
    const hosted = await hosting.create('acme/widgets', { ...original, 'image.bin': Buffer.from([0, 1, 2, 3, 255]) });
    let checkout = '';
    patch = await hosted.patchFrom(async (dir) => {
      checkout = dir;
      const long = lines(200)
        .replace('line 10\n', 'line ten\n')
        .replace('line 150\n', 'line 150\nline 150.5\n')
        .replace('line 199\n', '');
      await writeFile(path.join(dir, 'src/long.ts'), long);
      await writeFile(path.join(dir, 'no-newline.txt'), 'first\nlast, now with newline\n');
      await rename(path.join(dir, 'docs/old name.md'), path.join(dir, 'docs/new name.md'));
      await rm(path.join(dir, 'gone.txt'));
      await writeFile(path.join(dir, 'tricky.txt'), '--- looks like a header\n+++ so does this\nkeep\n');
      await writeFile(path.join(dir, 'héllo.txt'), 'accents changed\n');
      await writeFile(path.join(dir, 'new.txt'), 'brand new\n');
      await writeFile(path.join(dir, 'image.bin'), Buffer.from([0, 1, 2, 3, 255, 9]));
    });
    worker = checkout;
  });
  after(() => hosting?.dispose());

  it('lists every file with its kind, paths and blob ids', () => {
    const files = parsePatch(patch);
    const byPath = new Map(files.map((file) => [filePath(file), file]));
    assert.deepEqual([...byPath.keys()].sort(), [
      'docs/new name.md',
      'gone.txt',
      'héllo.txt',
      'image.bin',
      'new.txt',
      'no-newline.txt',
      'src/long.ts',
      'tricky.txt',
    ]);
    assert.equal(byPath.get('new.txt')!.kind, 'added');
    assert.equal(byPath.get('new.txt')!.oldPath, undefined);
    assert.equal(byPath.get('gone.txt')!.kind, 'deleted');
    assert.equal(byPath.get('gone.txt')!.newPath, undefined);
    assert.equal(byPath.get('docs/new name.md')!.kind, 'renamed');
    assert.equal(byPath.get('docs/new name.md')!.oldPath, 'docs/old name.md');
    assert.equal(byPath.get('image.bin')!.binary, true);
    assert.match(byPath.get('src/long.ts')!.oldBlob ?? '', /^[0-9a-f]{7,40}$/);
    assert.match(byPath.get('image.bin')!.newBlob ?? '', /^[0-9a-f]{40}$/, 'binary files carry full blob ids');
  });

  it('counts additions and deletions as git does, even for lines that look like headers', async () => {
    const numstat = await git(worker, 'diff', '--cached', '--numstat');
    const files = parsePatch(patch);
    for (const row of numstat.trim().split('\n')) {
      const [added, deleted, ...rest] = row.split('\t');
      if (added === '-') continue; // binary
      let name = rest.join('\t');
      if (name.includes('=>')) name = 'docs/new name.md';
      if (name.startsWith('"')) name = 'héllo.txt';
      const file = files.find((candidate) => filePath(candidate) === name);
      assert.ok(file, `${name} is in the parsed patch`);
      assert.equal(file.additions, Number(added), `additions of ${name}`);
      assert.equal(file.deletions, Number(deleted), `deletions of ${name}`);
    }
    const totals = patchTotals(files);
    assert.equal(totals.files, 8);
  });

  it('rebuilds each changed text file from the original and the hunks', async () => {
    for (const file of parsePatch(patch)) {
      if (file.binary || file.kind === 'deleted' || file.kind === 'renamed') continue;
      const before = file.kind === 'added' ? '' : original[file.oldPath!]!;
      const rebuilt = applyHunks(before, parseHunks(file.text));
      assert.equal(rebuilt, await readFile(path.join(worker, filePath(file)), 'utf8'), filePath(file));
    }
  });

  it('places hunks that moved, and refuses hunks that match nowhere', () => {
    const file = parsePatch(patch).find((candidate) => filePath(candidate) === 'src/long.ts')!;
    const hunks = parseHunks(file.text);
    const shifted = 'added at the top\n'.repeat(5) + original['src/long.ts'];
    const rebuilt = applyHunks(shifted, hunks);
    assert.ok(rebuilt?.startsWith(`${'added at the top\n'.repeat(5)}line 1\n`));
    assert.match(rebuilt!, /line ten\n/);
    assert.equal(applyHunks('something else entirely\n', hunks), undefined);
  });

  it('shows the hunks alone when the original is not at hand', () => {
    const file = parsePatch(patch).find((candidate) => filePath(candidate) === 'src/long.ts')!;
    const sides = hunkSides(parseHunks(file.text));
    assert.match(sides.original, /line 10\n/);
    assert.match(sides.modified, /line ten\n/);
    assert.match(sides.modified, /not in the patch/);
  });

  it('ignores anything before the first file and takes an empty patch as no files', () => {
    assert.deepEqual(parsePatch(''), []);
    assert.equal(parsePatch(`From: someone\nSubject: x\n\n${patch}`).length, 8);
  });
});
