import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readlink, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { applyPatch } from '../common/git/applyPatch';
import { git, useHostedRepository } from '../test/helpers/git';
import { APPLY_ANYWAY, confirmOutsideLinks, type ModalWarning } from './outsideLinksPrompt';

// "Apply Patch to Local Checkout" on a patch that makes links out of the repository: the extension's
// question, answered as a user would, through the same applyPatch on a real clone.

describe('the extension asks before applying links out of the repository', function () {
  this.timeout(60_000);
  const hosted = useHostedRepository('acme/linked', { 'a.txt': 'old\n', 'docs/guide.md': 'guide\n' });
  let patch: string;

  before(async () => {
    patch = await hosted.patchFrom(async (checkout) => {
      await writeFile(path.join(checkout, 'a.txt'), 'new\n');
      await symlink('/home', path.join(checkout, 'home'));
      await symlink('../../.aws/credentials', path.join(checkout, 'docs/aws'));
      await symlink('guide.md', path.join(checkout, 'docs/inside'));
    });
  });

  /** The modal dialog, answered with `answer`; records what it showed. */
  function dialog(answer: string | undefined) {
    const shown: { message: string; detail: string; button: string }[] = [];
    const warn: ModalWarning = async (message, detail, button) => {
      shown.push({ message, detail, button });
      return answer;
    };
    return { shown, warn };
  }

  const applyWith = (checkout: string, warn: ModalWarning) =>
    applyPatch(checkout, patch, {
      confirmStash: async () => false,
      confirmOutsideLinks: (links) => confirmOutsideLinks(path.basename(checkout), links, warn),
    });

  it('names each link and its target, and applies nothing when the dialog is dismissed', async () => {
    const checkout = await hosted.clone();
    const { shown, warn } = dialog(undefined);
    const result = await applyWith(checkout, warn);
    assert.equal(result.status, 'outside-links');
    assert.equal(shown.length, 1);
    assert.match(shown[0]!.message, new RegExp(`2 symbolic links pointing outside ${path.basename(checkout)}`));
    assert.match(shown[0]!.detail, /^docs\/aws → \.\.\/\.\.\/\.aws\/credentials\nhome → \/home\n/);
    assert.doesNotMatch(shown[0]!.detail, /docs\/inside/, 'a link inside the repository is not named');
    assert.equal(shown[0]!.button, APPLY_ANYWAY);
    assert.equal(await git(checkout, 'status', '--porcelain'), '', 'nothing was applied');
    assert.equal(existsSync(path.join(checkout, 'home')), false);
  });

  it('applies nothing on any answer but Apply Anyway', async () => {
    const checkout = await hosted.clone();
    const result = await applyWith(checkout, dialog('Cancel').warn);
    assert.equal(result.status, 'outside-links');
    assert.equal(await git(checkout, 'status', '--porcelain'), '');
  });

  it('applies the patch, links included, on Apply Anyway', async () => {
    const checkout = await hosted.clone();
    const result = await applyWith(checkout, dialog(APPLY_ANYWAY).warn);
    assert.equal(result.status, 'applied');
    assert.equal(await readlink(path.join(checkout, 'home')), '/home');
    assert.equal(await readlink(path.join(checkout, 'docs/aws')), '../../.aws/credentials');
  });
});
