import assert from 'node:assert/strict';
import { readlinkSync } from 'node:fs';
import { rm, symlink, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { useHostedRepository } from '../test/helpers/git';
import { describeOutsideLink, outsideLinks } from './outsideLinks';
import { parsePatch } from './patch';

// On the patches the worker records (`git diff --cached --binary` of a real checkout): which links a
// patch leaves pointing out of the repository.

describe('outsideLinks on real git patches', function () {
  this.timeout(60_000);
  const hosted = useHostedRepository('acme/links', {
    'README.md': '# links\n',
    'docs/guide.md': 'guide\n',
    'docs/deep/page.md': 'page\n',
    'docs/deep/inside': { symlink: '../guide.md' },
    'docs/deep/up': { symlink: '..' },
    'plain.txt': 'plain\n',
  });
  let checkout: string;

  before(async () => {
    checkout = await hosted.clone();
  });

  /** The worker's patch of a change that adds these links, by path, to their targets. */
  const patchAddingLinks = (links: Record<string, string>) =>
    hosted.patchFrom(async (worker) => {
      for (const [link, target] of Object.entries(links)) await symlink(target, path.join(worker, link));
    });

  /** What the checkout says of its own links, as applyPatch asks it. */
  const checkoutLinks = (relative: string) => {
    try {
      return readlinkSync(path.join(checkout, relative));
    } catch {
      return undefined;
    }
  };

  it('finds added links with an absolute target or a target that climbs above the root, and only those', async () => {
    const patch = await patchAddingLinks({
      passwd: '/etc/passwd',
      'docs/deep/keys': '../../../.ssh',
      'docs/deep/readme': '../../README.md',
      'docs/guide-link': './sub/../guide.md',
      'docs/root': '..',
    });
    assert.match(patch, /new file mode 120000/, 'a real link in the patch');
    assert.deepEqual(outsideLinks(parsePatch(patch)), [
      { path: 'docs/deep/keys', target: '../../../.ssh' },
      { path: 'passwd', target: '/etc/passwd' },
    ]);
  });

  it('finds a link changed to point outside, and a file replaced by such a link', async () => {
    const patch = await hosted.patchFrom(async (worker) => {
      await unlink(path.join(worker, 'docs/deep/inside'));
      await symlink('../../../outside.md', path.join(worker, 'docs/deep/inside'));
      await rm(path.join(worker, 'plain.txt'));
      await symlink('/home', path.join(worker, 'plain.txt'));
    });
    assert.deepEqual(outsideLinks(parsePatch(patch)), [
      { path: 'docs/deep/inside', target: '../../../outside.md' },
      { path: 'plain.txt', target: '/home' },
    ]);
  });

  it('follows links through other links, those of the patch and those already in the checkout', async () => {
    const patch = await patchAddingLinks({
      // Each looks like it stays inside. Followed, `docs/deep/up` is `docs`, so this climbs out.
      escape: 'docs/deep/up/../..',
      b: 'a',
      a: '..',
      'via-patch': 'b/x',
      // Through a link, and inside all the way.
      through: 'docs/deep/up/guide.md',
    });
    const found = outsideLinks(parsePatch(patch), checkoutLinks).map(describeOutsideLink);
    assert.deepEqual(found.sort(), ['a → ..', 'b → a', 'escape → docs/deep/up/../..', 'via-patch → b/x']);
  });

  it('finds a link moved to a folder from which its target climbs out (a rename shows no target)', async () => {
    const patch = await hosted.patchFrom(async (worker) => {
      await rm(path.join(worker, 'docs/deep/inside'));
      await symlink('../guide.md', path.join(worker, 'moved-up'));
    });
    assert.match(patch, /rename from docs\/deep\/inside\nrename to moved-up/);
    assert.deepEqual(outsideLinks(parsePatch(patch), checkoutLinks), [{ path: 'moved-up', target: '../guide.md' }]);
  });

  it('says nothing of links the patch deletes, or of a patch without links', async () => {
    const patch = await hosted.patchFrom(async (worker) => {
      await rm(path.join(worker, 'docs/deep/up'));
      await writeFile(path.join(worker, 'README.md'), '# links, edited\n');
    });
    assert.deepEqual(outsideLinks(parsePatch(patch), checkoutLinks), []);
  });

  it('treats a link whose target the patch does not show plainly as outside, and escapes control characters', () => {
    const patch = [
      'diff --git a/odd b/odd',
      'new file mode 120000',
      'index 0000000000000000000000000000000000000000..1111111111111111111111111111111111111111',
      '--- /dev/null',
      '+++ b/odd',
      '@@ -0,0 +1,2 @@',
      '+inside',
      '+/etc/passwd',
      '\\ No newline at end of file',
      'diff --git "a/x\\033[2J" "b/x\\033[2J"',
      'new file mode 120000',
      'index 0000000000000000000000000000000000000000..2222222222222222222222222222222222222222',
      '--- /dev/null',
      '+++ "b/x\\033[2J"',
      '@@ -0,0 +1 @@',
      '+C:\\Windows',
      '\\ No newline at end of file',
      '',
    ].join('\n');
    assert.deepEqual(outsideLinks(parsePatch(patch)).map(describeOutsideLink), [
      'odd → (target not readable from the patch)',
      'x\\x1b[2J → C:\\Windows',
    ]);
  });
});
