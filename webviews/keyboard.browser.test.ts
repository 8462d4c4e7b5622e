import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { Thread } from '../common/schemas';
import { loadReply, useWebviewBrowser } from '../test/helpers/webviewPage';

// Keyboard use of the diff and thread pages in Chromium (the engine of VS Code's webviews): the
// Tab order, and a focus ring in the theme's focus colour on everything Tab reaches. The pages are
// bundled as for the extension and answered by a stand-in for the extension's `load` reply.
// A browser test (`*.browser.test.ts`): it runs in `npm run test:e2e`, after test/e2e/setup has
// installed Chromium, not in `npm test`, which needs only Node, git and `npm install`.

const FOCUS = 'rgb(255, 0, 0)';
const PATCH =
  'diff --git a/a.txt b/a.txt\nindex 1111111..2222222 100644\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-old\n+new\n' +
  'diff --git a/b.txt b/b.txt\nindex 1111111..2222222 100644\n--- a/b.txt\n+++ b/b.txt\n@@ -1 +1 @@\n-before\n+after\n';
const THREAD: Thread = {
  model: 'claude-sonnet-4-5',
  usage: { inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.001 },
  messages: [
    { role: 'user', content: 'Replace oldFunction' },
    {
      role: 'assistant',
      content: [
        { type: 'text', text: 'See [the docs](https://example.com/docs).' },
        { type: 'tool_use', id: 't1', name: 'str_replace_based_edit_tool', input: { command: 'view', path: 'a.ts' } },
      ],
    },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'text of a.ts' }] },
  ],
};

describe('webview pages with the keyboard (Chromium)', function () {
  this.timeout(60_000);
  const browser = useWebviewBrowser({ diff: 'webviews/diff/main.ts', thread: 'webviews/thread/main.ts' });

  /** Opens a page whose `load` request is answered with `data`, in a theme whose focus border is red. */
  function open(script: 'diff' | 'thread', data: unknown): Promise<Page> {
    return browser.open({
      script,
      head: `<style>:root { --vscode-focusBorder: ${FOCUS}; }</style>`,
      reply: loadReply(data),
    });
  }

  /** Presses Tab `count` times; for each stop, what has the focus and the outline it shows. */
  async function tabThrough(page: Page, count: number): Promise<{ name: string; ring: string }[]> {
    const stops = [];
    for (let i = 0; i < count; i++) {
      await page.keyboard.press('Tab');
      stops.push(
        await page.evaluate(() => {
          const element = document.activeElement as HTMLElement;
          const style = getComputedStyle(element);
          const name = `${element.tagName.toLowerCase()} ${(element.getAttribute('aria-label') ?? element.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 60)}`;
          return {
            name,
            ring: style.outlineStyle === 'none' || style.outlineWidth === '0px' ? 'none' : style.outlineColor,
          };
        }),
      );
    }
    return stops;
  }

  it('diff view: Tab reaches the actions, the file list and each file in order, each with a visible focus ring', async () => {
    const page = await open('diff', { jobId: 'j', repositoryName: 'acme/widgets', jobName: 'Update', patch: PATCH });
    const stops = await tabThrough(page, 17);
    assert.deepEqual(
      stops.map((stop) => stop.name),
      [
        // Previous and Next Repository are disabled: this stand-in names no other repository.
        'button Previous file',
        'button Next file',
        'button Apply to local checkout',
        'button Download patch',
        'button Side by side',
        'button Line by line',
        'button Expand all',
        'button Collapse all',
        'summary Files (2)',
        'a a.txt',
        'a b.txt',
        'summary a.txt+1 −1Open in diff editorViewed',
        'button Open a.txt in the diff editor',
        'input Viewed a.txt',
        'summary b.txt+1 −1Open in diff editorViewed',
        'button Open b.txt in the diff editor',
        'input Viewed b.txt',
      ],
    );
    for (const stop of stops) assert.equal(stop.ring, FOCUS, `${stop.name} shows the theme's focus border`);

    // Keys on a file's line (its summary) and on the file list.
    await page.click('#collapse-all');
    await page.focus('details[data-path="b.txt"] > summary');
    await page.keyboard.press('Enter');
    assert.equal(
      await page.$eval('details[data-path="b.txt"]', (details) => (details as HTMLDetailsElement).open),
      true,
      'Enter opens a file',
    );
    await page.keyboard.press(' ');
    assert.equal(
      await page.$eval('details[data-path="b.txt"]', (details) => (details as HTMLDetailsElement).open),
      false,
      'Space closes it',
    );
    await page.focus('a[data-file-index="1"]');
    await page.keyboard.press(' ');
    assert.equal(
      await page.$eval('details[data-path="b.txt"]', (details) => (details as HTMLDetailsElement).open),
      true,
      'Space on the file list opens the file',
    );
    assert.ok(await page.$('details[data-path="b.txt"] .d2h-ins'), 'rendered');
    assert.equal(
      await page.evaluate(() => document.activeElement?.closest('details')?.getAttribute('data-path')),
      'b.txt',
      'the focus moved to the file',
    );
    await page.close();
  });

  it('diff view: a file opened from the file list is not hidden under the sticky page header', async () => {
    const patch = Array.from({ length: 40 }, (_, i) => {
      const lines = Array.from({ length: 30 }, (_, j) => `+line ${j}`).join('\n');
      return `diff --git a/f${i}.txt b/f${i}.txt\nnew file mode 100644\nindex 0000000..1111111\n--- /dev/null\n+++ b/f${i}.txt\n@@ -0,0 +1,30 @@\n${lines}\n`;
    }).join('');
    const page = await open('diff', { jobId: 'j', repositoryName: 'acme/widgets', jobName: 'Update', patch });
    await page.focus('a[data-file-index="30"]');
    await page.keyboard.press(' ');
    const [summaryTop, headerBottom, scrollY] = await page.evaluate(() => [
      document.querySelector('details[data-path="f30.txt"] > summary')!.getBoundingClientRect().top,
      document.querySelector('header.page')!.getBoundingClientRect().bottom,
      window.scrollY,
    ]);
    assert.ok(scrollY > 0, 'the page scrolled to the file');
    assert.ok(
      summaryTop >= headerBottom - 1,
      `the file's line (top ${summaryTop}) shows below the header (bottom ${headerBottom})`,
    );
    await page.close();
  });

  it('thread view: Tab reaches the links and each collapsible section, each with a visible focus ring', async () => {
    const page = await open('thread', {
      jobId: 'j',
      repositoryName: 'acme/widgets',
      jobName: 'Update',
      status: 'COMPLETED',
      thread: THREAD,
    });
    const stops = await tabThrough(page, 3);
    assert.deepEqual(
      stops.map((stop) => stop.name),
      [
        'a the docs',
        'summary str_replace_based_edit_tool view a.ts',
        'summary Result of str_replace_based_edit_tool 1 lines',
      ],
    );
    for (const stop of stops) assert.equal(stop.ring, FOCUS, `${stop.name} shows the theme's focus border`);
    await page.keyboard.press('Enter');
    assert.equal(
      await page.$eval('details.tool-result', (details) => (details as HTMLDetailsElement).open),
      true,
      'Enter opens a section',
    );
    await page.close();
  });
});
