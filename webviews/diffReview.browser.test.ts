import assert from 'node:assert/strict';
import path from 'node:path';
import { recordingReply, sendEvent, sentParams, useWebviewBrowser } from '../test/helpers/webviewPage';
import { SCREENSHOTS } from '../test/e2e/world';

// Reviewing in the diff view, in Chromium: the progress line and the review state, Approve with a
// note (and from the keyboard command's event) moving on to the next repository, the API's refusal
// shown where the reviewer looks, Viewed boxes that fold a file and come back folded, and
// Next/Previous File and Repository. The stand-in for the extension records every request.

const file = (name: string, lines: number) =>
  [
    `diff --git a/${name} b/${name}`,
    'new file mode 100644',
    'index 0000000..1111111',
    '--- /dev/null',
    `+++ b/${name}`,
    `@@ -0,0 +1,${lines} @@`,
    ...Array.from({ length: lines }, (_, i) => `+line ${i} of ${name}`),
  ].join('\n');
const PATCH = `${[file('src/a.ts', 60), file('src/b.ts', 60), file('src/c.ts', 60)].join('\n')}\n`;

const first = {
  jobId: 'j',
  repositoryName: 'acme/a',
  jobName: 'Adopt v2',
  patch: PATCH,
  // What the host computed from the bytes it received: the page sends it back with the review.
  digest: 'd'.repeat(64),
  review: { state: 'unreviewed' },
  progress: '0 of 3 reviewed',
  nextRepository: 'acme/b',
};
const second = {
  ...first,
  repositoryName: 'acme/b',
  review: { state: 'unreviewed' },
  progress: '1 of 3 reviewed · 1 approved, 0 rejected',
  previousRepository: 'acme/a',
  nextRepository: 'acme/c',
  notice: 'Approved acme/a. Next unreviewed: acme/b.',
  viewed: ['src/b.ts'],
};

/**
 * The extension's side: `load` answers the pages in `window.loads` in turn (the last one again),
 * `review` answers `window.reviewReply`, every request is kept in `window.sent`.
 */
const REPLY = recordingReply(`
  if (message.method === 'review') return window.reviewReply || { done: true };
  if (message.method === 'showRepository')
    return { done: false, message: 'This is the only repository of this job with a diff.' };`);

const sent = sentParams;

describe('reviewing in the diff view (Chromium)', function () {
  this.timeout(60_000);
  const browser = useWebviewBrowser({ diff: 'webviews/diff/main.ts' });

  const open = (loads: unknown[], extra = '') =>
    browser.open({
      script: 'diff',
      reply: REPLY,
      setup: `window.loads = ${JSON.stringify(loads)}; ${extra}`,
      viewport: { width: 1300, height: 700 },
      ready: '#app:not([aria-busy]) #review-progress',
    });

  it('approves with a note, then shows the next repository with the progress moved on', async () => {
    const page = await open([first, second]);
    assert.equal(await page.textContent('#review-progress'), '0 of 3 reviewed');
    assert.match((await page.textContent('#review-state')) ?? '', /Not reviewed/);
    await page.fill('#review-note', 'looks right');
    await page.click('#approve');
    assert.deepEqual(await sent(page, 'review'), [{ state: 'approved', note: 'looks right', digest: 'd'.repeat(64) }]);
    // The extension moves the panel on: it tells the page to load again.
    await sendEvent(page, 'show');
    await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'acme/b');
    assert.equal(await page.textContent('#review-progress'), '1 of 3 reviewed · 1 approved, 0 rejected');
    assert.equal(await page.textContent('#review-status'), 'Approved acme/a. Next unreviewed: acme/b.');
    assert.equal(await page.inputValue('#review-note'), '', 'a fresh note for the next repository');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'diff-review-next.png') });

    // Reject from the keyboard command: the page reviews with its note, as the button does.
    await page.fill('#review-note', 'wrong file');
    await sendEvent(page, 'reviewRequested', { state: 'rejected' });
    await page.waitForFunction(() => (window as unknown as { sent: unknown[] }).sent.length > 0);
    assert.deepEqual((await sent(page, 'review')).at(-1), {
      state: 'rejected',
      note: 'wrong file',
      digest: 'd'.repeat(64),
    });
    await page.close();
  });

  it("shows the API's refusal next to the buttons, and lets the reviewer try again", async () => {
    const refusal =
      'Approving acme/a failed: acme/a is FAILED: only a COMPLETED repository, which has a diff, can be approved';
    const page = await open([first], `window.reviewReply = { replyError: ${JSON.stringify(refusal)} };`);
    await page.click('#approve');
    const alert = page.locator('#review-status[role="alert"]');
    await alert.waitFor();
    assert.equal(await alert.textContent(), refusal);
    assert.equal(await page.isEnabled('#approve'), true, 'the buttons work again');
    await page.close();
  });

  it('folds a file marked Viewed, tells the extension, and opens a page with its viewed files folded', async () => {
    const page = await open([first]);
    const a = page.locator('details.file[data-path="src/a.ts"]');
    assert.equal(await a.evaluate((details) => (details as HTMLDetailsElement).open), true);
    await a.getByLabel('Viewed src/a.ts').check();
    assert.equal(await a.evaluate((details) => (details as HTMLDetailsElement).open), false, 'a viewed file folds');
    assert.deepEqual(await sent(page, 'setViewed'), [{ path: 'src/a.ts', viewed: true }]);
    // Clicking the word "Viewed" ticks it back without folding or unfolding the section on its own.
    await a.locator('label.viewed').click();
    assert.equal(await a.getByLabel('Viewed src/a.ts').isChecked(), false);
    assert.equal(await a.evaluate((details) => (details as HTMLDetailsElement).open), true);
    assert.deepEqual((await sent(page, 'setViewed')).at(-1), { path: 'src/a.ts', viewed: false });
    await page.close();

    const again = await open([second]);
    const b = again.locator('details.file[data-path="src/b.ts"]');
    assert.equal(await b.getByLabel('Viewed src/b.ts').isChecked(), true);
    assert.equal(await b.evaluate((details) => (details as HTMLDetailsElement).open), false);
    assert.equal(
      await again
        .locator('details.file[data-path="src/a.ts"]')
        .evaluate((details) => (details as HTMLDetailsElement).open),
      true,
    );
    await again.close();
  });

  it('goes to the next and previous file (buttons and the keyboard command) and says when there is none', async () => {
    const page = await open([{ ...first, viewed: ['src/b.ts'] }]);
    const current = () => page.$eval('details.file.current', (details) => details.getAttribute('data-path'));
    await page.click('#next-file');
    assert.equal(await current(), 'src/a.ts');
    await sendEvent(page, 'goToFile', { direction: 'next' });
    assert.equal(await current(), 'src/b.ts');
    assert.equal(
      await page.$eval('details.file[data-path="src/b.ts"]', (details) => (details as HTMLDetailsElement).open),
      true,
      'going to a viewed file opens it',
    );
    const top = await page.$eval('details.file.current', (details) => details.getBoundingClientRect().top);
    const header = await page.$eval('header.page', (element) => element.getBoundingClientRect().bottom);
    assert.ok(top >= header - 1 && top < header + 60, `the file is at the top, below the header (${top} vs ${header})`);
    await sendEvent(page, 'goToFile', { direction: 'next' });
    await sendEvent(page, 'goToFile', { direction: 'next' });
    assert.equal(await current(), 'src/c.ts');
    assert.equal(await page.textContent('#review-status'), 'This is the last file.');
    await page.click('#previous-file');
    assert.equal(await current(), 'src/b.ts');
    await page.close();
  });

  it('steps to the next repository, and says so at the end', async () => {
    const page = await open([{ ...first, nextRepository: undefined, previousRepository: 'acme/b' }]);
    assert.equal(await page.isDisabled('#next-repository'), true, 'nothing after the last');
    assert.equal(await page.getAttribute('#previous-repository', 'title'), 'Previous repository: acme/b');
    await page.click('#previous-repository');
    assert.deepEqual(await sent(page, 'showRepository'), [{ direction: 'previous' }]);
    await page.waitForFunction(() => document.querySelector('#review-status')?.textContent !== '');
    assert.equal(await page.textContent('#review-status'), 'This is the only repository of this job with a diff.');
    await page.close();
  });
});
