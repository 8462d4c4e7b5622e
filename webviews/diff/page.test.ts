import assert from 'node:assert/strict';
import { diffProtocol, type DiffLayout, type DiffPanelState, type Handlers } from '../../common/webviewProtocol';
import { makeDom } from '../../test/helpers/dom';
import { webviewHost } from '../../test/helpers/webviewHost';
import { startDiffPage } from './page';

// The diff page against the extension's side of the protocol (answerRequest with the handlers'
// contract), as a panel opens, is switched to another layout, and a second panel opens.

const PATCH =
  'diff --git a/a.txt b/a.txt\nindex 1111111..2222222 100644\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-old\n+new\n';

function extension(patch = PATCH) {
  let remembered: DiffLayout | undefined;
  const handlers: Handlers<typeof diffProtocol> = {
    load: () => ({ jobId: 'j', repositoryName: 'acme/widgets', jobName: 'Update', patch, layout: remembered }),
    openFileInDiffEditor: () => ({ done: true }),
    applyToLocalCheckout: () => ({ done: true }),
    downloadPatch: () => ({ done: true }),
    openPullRequest: () => ({ done: true }),
    showAttempt: () => ({ done: true }),
    review: () => ({ done: true }),
    setViewed: () => ({ done: true }),
    showRepository: () => ({ done: true }),
    reviewGroup: () => ({ done: true }),
    openMember: () => ({ done: true }),
    showSurroundings: () => ({ hunks: [], moreHunks: 0 }),
    openGroup: () => ({ done: true }),
    revisePatch: () => ({ done: true }),
    showRevision: () => ({ done: true }),
    dropEverywhere: () => ({ done: true }),
    rememberLayout: ({ layout }) => {
      remembered = layout;
      return { done: true };
    },
  };
  return { handlers, remembered: () => remembered };
}

function panel(handlers: Handlers<typeof diffProtocol>, saved?: unknown) {
  return webviewHost(diffProtocol, handlers, saved);
}

/** VS Code keeps the state as JSON-like data, not the page's objects. */
const kept = (state: unknown) => JSON.parse(JSON.stringify(state)) as DiffPanelState;

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('diff page (DOM)', () => {
  it('keeps the layout chosen in one panel for that panel, and opens the next diff in it', async () => {
    const ext = extension();
    const first = makeDom();
    const one = panel(ext.handlers);
    await startDiffPage(one.host, first.root);
    assert.equal(
      first.root.querySelector('[data-layout="side-by-side"]')!.getAttribute('aria-pressed'),
      'true',
      'side by side at first',
    );
    (first.root.querySelector('[data-layout="line-by-line"]') as HTMLButtonElement).click();
    await settle();
    assert.deepEqual(kept(one.state()), {
      jobId: 'j',
      repositoryName: 'acme/widgets',
      jobName: 'Update',
      layout: 'line-by-line',
      open: ['a.txt'],
    });
    assert.equal(ext.remembered(), 'line-by-line');

    const second = makeDom();
    await startDiffPage(panel(ext.handlers).host, second.root);
    assert.equal(second.root.querySelector('[data-layout="line-by-line"]')!.getAttribute('aria-pressed'), 'true');
    assert.ok(second.root.querySelector('.d2h-file-diff'), 'line-by-line markup');

    // A panel restored after a reload keeps its own choice.
    const restored = makeDom();
    await startDiffPage(
      panel(ext.handlers, { jobId: 'j', repositoryName: 'acme/widgets', layout: 'side-by-side' }).host,
      restored.root,
    );
    assert.equal(restored.root.querySelector('[data-layout="side-by-side"]')!.getAttribute('aria-pressed'), 'true');
    await Promise.all([first.close(), second.close(), restored.close()]);
  });

  it('comes back after a tab switch with the same files open and at the same scroll position', async () => {
    // Six files, each a few KB: the first ones open by themselves, within the auto-open budget.
    const patch = Array.from({ length: 6 }, (_, i) => {
      const lines = Array.from({ length: 20 }, (_, j) => `+line ${j} of file ${i}`).join('\n');
      return `diff --git a/src/f${i}.ts b/src/f${i}.ts\nnew file mode 100644\nindex 0000000..1111111\n--- /dev/null\n+++ b/src/f${i}.ts\n@@ -0,0 +1,20 @@\n${lines}\n`;
    }).join('');
    const ext = extension(patch);
    const first = makeDom();
    const one = panel(ext.handlers);
    await startDiffPage(one.host, first.root);
    const section = (root: HTMLElement, path: string) =>
      root.querySelector(`details[data-path="${path}"]`) as HTMLDetailsElement;
    assert.equal(section(first.root, 'src/f0.ts').open, true, 'a small patch opens every file');

    // The user closes two files and scrolls down.
    section(first.root, 'src/f1.ts').open = false;
    section(first.root, 'src/f4.ts').open = false;
    first.window.scrollTo(0, 640);
    first.window.dispatchEvent(new first.window.Event('scroll'));
    await new Promise((resolve) => setTimeout(resolve, 250));
    const saved = kept(one.state());
    assert.deepEqual(saved.open, ['src/f0.ts', 'src/f2.ts', 'src/f3.ts', 'src/f5.ts']);
    assert.equal(saved.scrollY, 640);
    assert.ok(JSON.stringify(saved).length < 300, 'the state stays small: paths and a number, no diff text');

    // Switching tabs destroys the page (no retainContextWhenHidden); VS Code gives the new one the state.
    await first.close();
    const again = makeDom();
    await startDiffPage(panel(ext.handlers, saved).host, again.root);
    assert.deepEqual(
      [...again.root.querySelectorAll('details.file')].map(
        (details) => `${details.getAttribute('data-path')} ${(details as HTMLDetailsElement).open ? 'open' : 'closed'}`,
      ),
      ['src/f0.ts open', 'src/f1.ts closed', 'src/f2.ts open', 'src/f3.ts open', 'src/f4.ts closed', 'src/f5.ts open'],
    );
    assert.ok(section(again.root, 'src/f2.ts').querySelector('.d2h-ins'), 'an open file is rendered again');
    assert.equal(section(again.root, 'src/f1.ts').querySelector('.d2h-ins'), null);
    assert.equal(again.window.scrollY, 640, 'scrolled back to where the user was');
    await again.close();
  });

  it('says "this changed" when the extension finds what it shows changed, and is whole again after Reload', async () => {
    const ext = extension();
    let loads = 0;
    const load = ext.handlers.load;
    ext.handlers.load = (params) => {
      loads++;
      return { ...(load(params) as object), review: { state: 'unreviewed' } } as ReturnType<typeof load>;
    };
    const dom = makeDom();
    const one = panel(ext.handlers);
    await startDiffPage(one.host, dom.root);
    one.push('changed', { message: 'Revision 1 of acme/widgets’s patch was saved since this was shown.' });
    assert.match(dom.root.querySelector('#stale-notice')?.textContent ?? '', /Revision 1 of acme\/widgets/);
    assert.equal((dom.root.querySelector('#approve') as HTMLButtonElement).disabled, true);
    (dom.root.querySelector('#reload-view') as HTMLButtonElement).click();
    await settle();
    assert.equal(loads, 2, 'loaded again');
    assert.equal(dom.root.querySelector('#stale-notice'), null, 'what it shows is what is there');
    assert.equal((dom.root.querySelector('#approve') as HTMLButtonElement).disabled, false);
    await dom.close();
  });

  it('opens a file from the file list with Enter or Space, and moves the focus to it', async () => {
    const big = Array.from({ length: 300 }, (_, i) => {
      const lines = Array.from({ length: 40 }, (_, j) => `+const value${j} = ${i * j}; // ${'x'.repeat(40)}`).join(
        '\n',
      );
      return `diff --git a/gen/file${i}.ts b/gen/file${i}.ts\nnew file mode 100644\nindex 0000000..1111111\n--- /dev/null\n+++ b/gen/file${i}.ts\n@@ -0,0 +1,40 @@\n${lines}\n`;
    }).join('');
    const dom = makeDom();
    await startDiffPage(panel(extension(big).handlers).host, dom.root);
    for (const [index, key] of [
      [250, 'Enter'],
      [299, ' '],
    ] as const) {
      const details = dom.root.querySelector(`details[data-path="gen/file${index}.ts"]`) as HTMLDetailsElement;
      assert.equal(details.open, false, 'past the auto-open budget, closed at first');
      const link = dom.root.querySelector(`a[data-file-index="${index}"]`) as HTMLAnchorElement;
      link.focus();
      const event = new dom.window.KeyboardEvent('keydown', { key, bubbles: true, cancelable: true });
      link.dispatchEvent(event as unknown as Event);
      assert.equal(event.defaultPrevented, true, `${JSON.stringify(key)} does not also scroll or follow the link`);
      assert.equal(details.open, true, `${JSON.stringify(key)} opens the file`);
      assert.ok(details.querySelector('.d2h-ins'), 'and renders it');
      assert.equal(dom.document.activeElement, details.querySelector('summary'), 'the focus moves to the file');
    }
    await dom.close();
  });
});
