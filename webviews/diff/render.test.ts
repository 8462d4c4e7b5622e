import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DiffLayout } from '../../common/webviewProtocol';
import { makeDom } from '../../test/helpers/dom';
import { useHostedPatch } from '../../test/helpers/git';
import { renderDiffView, type DiffViewActions } from './render';

/** The diff view's job and repository, as the extension names them. */
const WIDGETS = { jobId: 'j', repositoryName: 'acme/widgets', jobName: 'x' };

describe('diff view (DOM)', () => {
  // mocha's own 120 s is the net for a hung test: the large patch's render, 4 s alone, went over 30 s
  // in whole npm test runs at load 15–27 (twice on 8 December), a clock and not a hang.
  const hosted = useHostedPatch(
    'acme/widgets',
    {
      'src/api.ts': 'export function call() {\n  return oldFunction(1);\n}\n',
      'README.md': '# widgets\n',
      'old.txt': 'obsolete\n',
    },
    async (checkout) => {
      await writeFile(
        path.join(checkout, 'src/api.ts'),
        'export function call() {\n  return newFunction(1, { version: 2 });\n}\n',
      );
      await writeFile(path.join(checkout, 'src/new.ts'), 'export const fresh = "<b>not html</b>";\n');
      await rm(path.join(checkout, 'old.txt'));
    },
  );

  function recorder() {
    const calls: string[] = [];
    const actions: DiffViewActions = {
      openInDiffEditor: (file) => calls.push(`open ${file}`),
      apply: () => calls.push('apply'),
      download: () => calls.push('download'),
      openPullRequest: () => calls.push('pr'),
      layoutChanged: (layout: DiffLayout) => calls.push(`layout ${layout}`),
      showAttempt: (attempt: number) => calls.push(`attempt ${attempt}`),
      viewedChanged: (file, viewed) => calls.push(`viewed ${file} ${viewed}`),
      review: async (state) => void calls.push(`review ${state}`),
      showRepository: async (direction) => void calls.push(`repository ${direction}`),
      reviewGroup: async (state) => void calls.push(`group ${state}`),
      openMember: (name) => calls.push(`member ${name}`),
      showSurroundings: async () => ({ hunks: [], moreHunks: 0 }),
      openGroup: (fingerprint) => calls.push(`group ${fingerprint.slice(0, 4)}`),
      revisePatch: async () => void calls.push('revise'),
      showRevision: (revision) => calls.push(`revision ${revision}`),
      reload: () => calls.push('reload'),
      dropEverywhere: async (scope) => void calls.push(`drop ${scope}`),
    };
    return { calls, actions };
  }

  it('renders a multi-file patch: file list, added and removed lines, totals', async () => {
    const dom = makeDom();
    const { actions } = recorder();
    const view = renderDiffView(
      dom.root,
      { jobId: 'j', repositoryName: 'acme/widgets', jobName: 'Update API calls', patch: hosted.patch },
      { layout: 'line-by-line' },
      actions,
    );
    assert.equal(view.files.length, 3);
    const listed = [...dom.root.querySelectorAll('.file-list-items li a')].map((a) => a.textContent);
    assert.deepEqual(listed.sort(), ['old.txt', 'src/api.ts', 'src/new.ts']);
    assert.match(dom.root.querySelector('.summary')!.textContent!, /3 files changed, \+2 −2/);
    assert.equal(view.renderedCount(), 3, 'a small patch opens every file');
    const added = [...dom.root.querySelectorAll('.d2h-ins')].map((row) => row.textContent ?? '');
    assert.ok(
      added.some((line) => line.includes('newFunction(1, { version: 2 })')),
      'the added line is shown',
    );
    const removed = [...dom.root.querySelectorAll('.d2h-del')].map((row) => row.textContent ?? '');
    assert.ok(removed.some((line) => line.includes('oldFunction(1)')));
    assert.equal(dom.root.querySelector('.files b'), null, 'text from the patch is not markup');
    assert.ok(
      [...dom.root.querySelectorAll('.d2h-ins')].some((row) => (row.textContent ?? '').includes('<b>not html</b>')),
    );
    await dom.close();
  });

  it('switches layout, and wires the buttons to the extension', async () => {
    const dom = makeDom();
    const { calls, actions } = recorder();
    renderDiffView(
      dom.root,
      {
        ...WIDGETS,
        patch: hosted.patch,
        pullRequestUrl: 'https://github.com/acme/widgets/pull/3',
      },
      { layout: 'line-by-line' },
      actions,
    );
    assert.ok(dom.root.querySelector('.d2h-file-diff'), 'line-by-line markup');
    (dom.root.querySelector('[data-layout="side-by-side"]') as HTMLButtonElement).click();
    assert.ok(dom.root.querySelector('.d2h-file-side-diff'), 'side-by-side markup after the switch');
    assert.equal(dom.root.querySelector('[data-layout="side-by-side"]')!.getAttribute('aria-pressed'), 'true');
    (dom.root.querySelector('#apply') as HTMLButtonElement).click();
    (dom.root.querySelector('#download') as HTMLButtonElement).click();
    (dom.root.querySelector('#open-pr') as HTMLButtonElement).click();
    (dom.root.querySelector('details[data-path="src/api.ts"] .open-in-editor') as HTMLButtonElement).click();
    assert.deepEqual(calls, ['layout side-by-side', 'apply', 'download', 'pr', 'open src/api.ts']);
    await dom.close();
  });

  it('names each file\'s "Open in diff editor" button after its file, for screen readers', async () => {
    const dom = makeDom();
    renderDiffView(dom.root, { ...WIDGETS, patch: hosted.patch }, { layout: 'line-by-line' }, recorder().actions);
    const names = [...dom.root.querySelectorAll('.open-in-editor')].map((button) => button.getAttribute('aria-label'));
    assert.deepEqual(names.sort(), [
      'Open old.txt in the diff editor',
      'Open src/api.ts in the diff editor',
      'Open src/new.ts in the diff editor',
    ]);
    await dom.close();
  });

  it('shows a large patch as a file list first and renders a file when it is opened', async () => {
    const dom = makeDom();
    const { actions } = recorder();
    // 600 files, about 2 MB: over the budget for opening files by themselves.
    const big = Array.from({ length: 600 }, (_, i) => {
      const lines = Array.from({ length: 40 }, (_, j) => `+const value${j} = ${i * j}; // ${'x'.repeat(40)}`).join(
        '\n',
      );
      return `diff --git a/gen/file${i}.ts b/gen/file${i}.ts\nnew file mode 100644\nindex 0000000..1111111\n--- /dev/null\n+++ b/gen/file${i}.ts\n@@ -0,0 +1,40 @@\n${lines}\n`;
    }).join('');
    assert.ok(big.length > 1_500_000);
    const view = renderDiffView(dom.root, { ...WIDGETS, patch: big }, { layout: 'line-by-line' }, actions);
    assert.equal(dom.root.querySelectorAll('.file-list-items li').length, 600, 'every file is listed');
    assert.ok(view.renderedCount() < 100, `only some files render at first (${view.renderedCount()})`);
    const last = dom.root.querySelector('details[data-path="gen/file599.ts"]') as HTMLDetailsElement;
    assert.equal(last.open, false);
    assert.equal(last.querySelector('.d2h-ins'), null);
    (dom.root.querySelector('a[data-file-index="599"]') as HTMLAnchorElement).click();
    assert.equal(last.open, true);
    assert.ok(last.querySelector('.d2h-ins'), 'the file renders once opened');
    await dom.close();
  });

  it('once what it shows changed elsewhere, says so and acts on nothing until it is reloaded', async () => {
    const dom = makeDom();
    const { calls, actions } = recorder();
    const view = renderDiffView(
      dom.root,
      {
        ...WIDGETS,
        patch: hosted.patch,
        review: { state: 'unreviewed' },
        revisable: true,
        revision: { shown: 0, current: 0 },
      },
      { layout: 'line-by-line' },
      actions,
    );
    view.stale('acme/widgets ran again since this was shown: attempt 2 is its current one.');
    const notice = dom.root.querySelector('#stale-notice');
    assert.match(notice?.textContent ?? '', /attempt 2 is its current one\. Nothing here acts/);
    assert.equal(notice?.getAttribute('role'), 'alert');
    for (const id of ['approve', 'reject', 'apply', 'download', 'review-note'])
      assert.equal((dom.root.querySelector(`#${id}`) as HTMLButtonElement).disabled, true, `${id} is off`);
    const drops = [...dom.root.querySelectorAll<HTMLButtonElement>('[data-drop]')];
    assert.ok(drops.length > 0 && drops.every((button) => button.disabled), 'no drop toggle acts');
    (dom.root.querySelector('#apply') as HTMLButtonElement).click();
    (dom.root.querySelector('[data-drop]') as HTMLButtonElement).click();
    // Approve from the keyboard command: refused in words, nothing sent.
    view.review.review('approved');
    assert.match(dom.root.querySelector('#review-status')?.textContent ?? '', /Reload to review what is there now/);
    assert.deepEqual(calls, [], 'nothing acted');
    (dom.root.querySelector('#reload-view') as HTMLButtonElement).click();
    assert.deepEqual(calls, ['reload']);
    await dom.close();
  });

  it('says so when the repository made no changes', async () => {
    const dom = makeDom();
    renderDiffView(dom.root, WIDGETS, { layout: 'side-by-side' }, recorder().actions);
    assert.match(dom.root.textContent!, /acme\/widgets made no changes/);
    await dom.close();
  });

  it('shows a follow-up round’s trigger above its diff, the host’s words as text, never markup', async () => {
    const dom = makeDom();
    renderDiffView(
      dom.root,
      {
        ...WIDGETS,
        patch: hosted.patch,
        round: {
          heading: 'Follow-up round 1: fixing failing checks — 1 failing check: lint',
          parts: [
            {
              title: 'Check lint: failure',
              text: 'src/api.ts:2 (failure): <img src=x onerror=alert(1)> is not defined',
              url: 'https://github.com/acme/widgets/runs/1',
            },
          ],
        },
      },
      { layout: 'line-by-line' },
      recorder().actions,
    );
    const section = dom.root.querySelector('.follow-up-round')!;
    assert.ok(section, 'the round is shown');
    assert.ok(
      section.compareDocumentPosition(
        dom.root.querySelector('.d2h-wrapper, .file-list, .files') ?? dom.root.lastElementChild!,
      ) & 4,
      'above the diff',
    );
    assert.match(section.querySelector('h2')!.textContent!, /Follow-up round 1: fixing failing checks/);
    assert.equal(section.querySelector('img'), null, 'no markup from the host');
    assert.match(section.querySelector('.trigger-text')!.textContent!, /<img src=x onerror=alert\(1\)> is not defined/);
    assert.equal(section.querySelector('a'), null, 'addresses are shown, not linked');
    await dom.close();
  });
});
