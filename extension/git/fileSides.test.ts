import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { filePath, parsePatch } from '../../common/patch';
import { createGitHosting, type GitHosting, type HostedRepository } from '../../test/helpers/git';
import { fileSides } from './fileSides';

describe('fileSides for the diff editor', function () {
  this.timeout(30_000);
  let hosting: GitHosting;
  let hosted: HostedRepository;
  let patch: string;
  const original = `${Array.from({ length: 40 }, (_, i) => `line ${i + 1}`).join('\n')}\n`;
  const changed = original.replace('line 20\n', 'line twenty\n');

  before(async () => {
    hosting = await createGitHosting();
    hosted = await hosting.create('acme/widgets', { 'a.txt': original, 'gone.txt': 'bye\n' });
    patch = await hosted.patchFrom(async (checkout) => {
      await writeFile(path.join(checkout, 'a.txt'), changed);
      await writeFile(path.join(checkout, 'new.txt'), 'new\n');
      await writeFile(path.join(checkout, 'gone.txt'), '');
    });
  });
  after(() => hosting?.dispose());

  const file = (name: string) => parsePatch(patch).find((candidate) => filePath(candidate) === name)!;

  it('rebuilds both whole texts from a checkout that has the original blob', async () => {
    const checkout = await hosted.clone({ into: 'user-1' });
    // The working file has moved on; the blob the patch names is still the original.
    await writeFile(path.join(checkout, 'a.txt'), 'local edits\n');
    const sides = await fileSides(file('a.txt'), checkout);
    assert.equal(sides.original, original);
    assert.equal(sides.modified, changed);
    assert.equal(sides.note, undefined);
    const added = await fileSides(file('new.txt'), checkout);
    assert.deepEqual([added.original, added.modified], ['', 'new\n']);
  });

  it('shows only the hunks, and says so, without a checkout', async () => {
    const sides = await fileSides(file('a.txt'), undefined);
    assert.match(sides.original, /line 20\n/);
    assert.match(sides.modified, /line twenty\n/);
    assert.ok(!sides.modified.includes('line 1\n'), 'lines outside the hunks are not invented');
    assert.match(sides.note!, /No local checkout/);
  });
});
