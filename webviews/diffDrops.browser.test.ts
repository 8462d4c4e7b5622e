import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { SCREENSHOTS } from '../test/e2e/world';
import { recordingReply, sendEvent, sentParams, useWebviewBrowser } from '../test/helpers/webviewPage';

// Dropping a hunk in the diff view, in Chromium: the Drop toggle on a hunk's header row strikes
// its rows through, Save sends the marks as a revision of the revision shown, a refusal is said
// where the reviewer looks, and once saved the view shows "Revision 1 of 1" with the review reset
// said and a way to the original (revision 0).

const lines = (from: number, count: number, mark = '') =>
  Array.from({ length: count }, (_, i) => ` line ${from + i}${mark}`);
const PATCH = `${[
  'diff --git a/src/a.ts b/src/a.ts',
  'index 1111111..2222222 100644',
  '--- a/src/a.ts',
  '+++ b/src/a.ts',
  '@@ -1,4 +1,4 @@',
  ...lines(1, 1),
  '-old first',
  '+new first',
  ...lines(3, 2),
  '@@ -30,4 +30,4 @@',
  ...lines(30, 1),
  '-old second',
  '+new second',
  ...lines(32, 2),
].join('\n')}\n`;

const shown = {
  jobId: 'j',
  repositoryName: 'acme/a',
  jobName: 'Adopt v2',
  patch: PATCH,
  review: { state: 'unreviewed' },
  progress: '0 of 3 reviewed',
  revisable: true,
  revision: { shown: 0, current: 0 },
};
const revised = {
  ...shown,
  revision: { shown: 1, current: 1 },
  notice: 'Saved revision 1 of acme/a: 1 hunk left out. Its review was reset: review this revision.',
};

const REPLY = recordingReply("if (message.method === 'revisePatch') return window.reviseReplies.shift();");

const sent = sentParams;

describe('dropping hunks in the diff view (Chromium)', function () {
  this.timeout(60_000);
  const browser = useWebviewBrowser({ diff: 'webviews/diff/main.ts' });
  before(() => mkdir(SCREENSHOTS, { recursive: true }));

  it('drops a hunk, says a refusal, then shows the saved revision with the original a click away', async () => {
    const page = await browser.open({
      script: 'diff',
      reply: REPLY,
      setup: `window.loads = ${JSON.stringify([shown, revised])};
        window.reviseReplies = [
          { done: false, message: 'Not saved: the patch can take no new revision now — acme/a has a pull request (PATCH_LOCKED).' },
          { done: true },
        ];`,
      viewport: { width: 1200, height: 900 },
      ready: '#app:not([aria-busy]) button[data-drop="hunk"]',
    });
    const drop = page.getByRole('button', { name: 'Drop hunk 2 of src/a.ts' });
    await drop.click();
    assert.equal(await drop.getAttribute('aria-pressed'), 'true');
    const struck = await page.$$eval('tr.dropped', (rows) => rows.map((row) => row.textContent ?? ''));
    assert.ok(struck.some((text) => text.includes('new second')));
    assert.ok(!struck.some((text) => text.includes('new first')));
    assert.equal(await page.locator('#drop-summary').textContent(), '1 hunk marked to drop');
    // Side by side, the toggle leaves the header rows of both sides level.
    const heights = await page.$$eval('tbody.d2h-diff-tbody', (bodies) =>
      bodies.map((body) => [...body.querySelectorAll('tr')].map((row) => row.getBoundingClientRect().height)),
    );
    assert.equal(heights.length, 2);
    assert.deepEqual(heights[0], heights[1]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'diff-drop-hunk.png') });

    await page.getByRole('button', { name: 'Save as new revision' }).click();
    await page.getByRole('alert').filter({ hasText: 'PATCH_LOCKED' }).waitFor();
    assert.deepEqual(await sent(page, 'revisePatch'), [{ basedOn: 0, drop: [{ path: 'src/a.ts', hunks: [1] }] }]);

    // Saved: the extension points the panel at the new revision.
    await page.getByRole('button', { name: 'Save as new revision' }).click();
    await sendEvent(page, 'show');
    await page.getByText('Revision 1 of 1: hunks left out by a reviewer').waitFor();
    assert.match((await page.locator('#review-status').textContent()) ?? '', /Its review was reset/);
    await page.getByRole('button', { name: 'Open the original (revision 0)' }).click();
    assert.deepEqual((await sent(page, 'showRevision')).at(-1), { revision: 0 });
    await page.close();
  });
});
