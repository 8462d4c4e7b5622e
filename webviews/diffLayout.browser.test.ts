import assert from 'node:assert/strict';
import path from 'node:path';
import { loadReply, useWebviewBrowser } from '../test/helpers/webviewPage';
import { SCREENSHOTS } from '../test/e2e/world';

// The diff view's layout in Chromium, where the walk found it broken: side by side at 1400 px a
// long line ran out of sight; a file's name broke mid-word ("NOTES.m|d"); Drop hunk sat over the
// hunk header or past the right edge; Reject wrapped away from Approve; an old rejection's note
// stayed in the box for the next Approve.

const LONG = `  return newFunction(id, { version: 2, retries: 3, timeoutMs: 30_000, onError: (error) => report(error, 'load'), label: 'the very end of this line' });`;
const PATCH = [
  'diff --git a/src/api.ts b/src/api.ts',
  'index 1111111..2222222 100644',
  '--- a/src/api.ts',
  '+++ b/src/api.ts',
  '@@ -1,3 +1,3 @@ export function load(id: string) {',
  ' export function load(id: string) {',
  '-  return oldFunction(id);',
  `+${LONG}`,
  ' }',
  'diff --git a/package-lock.json b/package-lock.json',
  'new file mode 100644',
  'index 0000000..3333333',
  '--- /dev/null',
  '+++ b/package-lock.json',
  '@@ -0,0 +1 @@',
  '+{}',
  '',
].join('\n');

const DATA = {
  jobId: 'j',
  repositoryName: 'acme/svc-35',
  jobName: 'Adopt v2',
  patch: PATCH,
  // Rejected before, with a note: the next Approve must not carry it.
  review: { state: 'rejected', note: 'wrong lockfile' },
  progress: '3 of 40 reviewed',
  revisable: true,
  revision: { shown: 0, current: 0 },
  layout: 'side-by-side',
};

describe('diff view layout (Chromium)', function () {
  this.timeout(60_000);
  const browser = useWebviewBrowser({ diff: 'webviews/diff/main.ts' });
  /** The diff view of DATA, `width` px wide, once `ready` is on the page. */
  const openDiff = (width: number, ready: string) =>
    browser.open({ script: 'diff', reply: loadReply(DATA), viewport: { width, height: 900 }, ready });

  it('side by side at 1400 px: a long line is shown whole, the sides stay level, Drop hunk stays clear of the header and inside the pane', async () => {
    const page = await openDiff(1400, '#app:not([aria-busy]) .d2h-file-side-diff');
    // Two frames: whatever the page lays out after its first paint is done.
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    const long = await page.evaluate((text) => {
      const line = [...document.querySelectorAll<HTMLElement>('.d2h-ins .d2h-code-line-ctn')].find((each) =>
        each.textContent?.includes('the very end of this line'),
      )!;
      const side = line.closest('.d2h-file-side-diff')!.getBoundingClientRect();
      const range = document.createRange();
      range.selectNodeContents(line);
      const rects = [...range.getClientRects()];
      return {
        whole: line.textContent?.includes(text.trim()),
        right: Math.max(...rects.map((rect) => rect.right)),
        sideRight: side.right,
        lines: new Set(rects.map((rect) => Math.round(rect.top))).size,
      };
    }, LONG);
    assert.ok(long.whole);
    assert.ok(long.right <= long.sideRight + 1, `the line ends inside its side (${long.right} > ${long.sideRight})`);
    assert.ok(long.lines > 1, 'it wraps');
    const level = await page.evaluate(() =>
      [...document.querySelectorAll('.d2h-files-diff')].every((pair) => {
        const [left, right] = [...pair.querySelectorAll('.d2h-file-side-diff')].map((side) =>
          [...side.querySelectorAll('tbody tr')].map((row) => Math.round(row.getBoundingClientRect().top)),
        );
        return JSON.stringify(left) === JSON.stringify(right);
      }),
    );
    assert.equal(level, true, 'every row starts at the same height on both sides');
    const drop = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('.drop-hunk')].map((button) => {
        const box = button.getBoundingClientRect();
        const line = button.parentElement!;
        const range = document.createRange();
        range.selectNodeContents(line.firstChild!);
        const text = range.getBoundingClientRect();
        const pane = button.closest('.d2h-file-side-diff, .d2h-file-diff')!.getBoundingClientRect();
        const overlaps = !(
          box.right <= text.left ||
          box.left >= text.right ||
          box.bottom <= text.top ||
          box.top >= text.bottom
        );
        return { overlaps, inside: box.right <= pane.right + 0.5 && box.left >= pane.left };
      }),
    );
    assert.ok(drop.length >= 2);
    for (const each of drop) assert.deepEqual(each, { overlaps: false, inside: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'diff-side-by-side-1400-long-line.png'), fullPage: true });
    await page.close();
  });

  it('at 460 px: file names keep their words, Reject stays beside Approve, and the note box starts empty', async () => {
    const page = await openDiff(460, '#app:not([aria-busy]) #approve');
    const names = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('details.file .file-name')].map((name) => {
        const range = document.createRange();
        range.selectNodeContents(name);
        return {
          text: name.textContent,
          lines: new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size,
        };
      }),
    );
    assert.deepEqual(names, [
      { text: 'src/api.ts', lines: 1 },
      { text: 'package-lock.json', lines: 1 },
    ]);
    const [approve, reject] = await Promise.all([
      page.locator('#approve').boundingBox(),
      page.locator('#reject').boundingBox(),
    ]);
    assert.equal(Math.round(approve!.y), Math.round(reject!.y), 'on one line');
    assert.ok(reject!.x > approve!.x && reject!.x - (approve!.x + approve!.width) < 20, 'right beside it');
    assert.equal(await page.inputValue('#review-note'), '', 'the old rejection note is not in the box');
    assert.match((await page.textContent('#review-state')) ?? '', /Rejected — wrong lockfile/);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'diff-narrow-460.png'), fullPage: true });
    await page.close();
  });
});
