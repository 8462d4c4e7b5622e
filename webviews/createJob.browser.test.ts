import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { useWebviewBrowser } from '../test/helpers/webviewPage';

// The Create Job form with the keyboard, in Chromium with the real @vscode-elements components:
// the Name field has the focus when the form opens, the arrow keys, Space and Enter choose how the
// change is made (and the form shows that field), and Ctrl+Enter creates the job.

describe('Create Job form with the keyboard (Chromium)', function () {
  this.timeout(60_000);
  const browser = useWebviewBrowser({ createJob: 'webviews/createJob/main.ts' });

  /** The form, its `submit` requests recorded in window.__submitted. */
  function open(): Promise<Page> {
    return browser.open({
      script: 'createJob',
      setup: 'window.__submitted = [];',
      reply: `(message) => {
        if (message.method === 'load') return { prompt: '', connected: true };
        if (message.method === 'takeOfferedPrompt' || message.method === 'takeOfferedDraft') return {};
        if (message.method === 'submit') {
          window.__submitted.push(message.params.draft);
          return { ok: false, fieldErrors: { form: 'recorded' }, message: 'recorded' };
        }
        return { done: true };
      }`,
      ready: '#app:not([aria-busy]) #job-form',
    });
  }

  const focusedId = (page: Page) =>
    page.evaluate(() => {
      let element = document.activeElement;
      // A custom element's focus is inside its shadow root; the host is what carries the id.
      while (element && !element.id) element = element.parentElement;
      return element?.id;
    });
  const shown = (page: Page, field: string) => page.isVisible(`[data-field="${field}"]`);

  it('opens with Name focused, chooses the mode with the arrow keys, Space and Enter, and submits with Ctrl+Enter', async () => {
    const page = await open();
    await page.waitForFunction(() => document.activeElement?.id === 'name');
    assert.equal(await focusedId(page), 'name');
    await page.keyboard.type('Keyboard job');
    await page.keyboard.press('Tab'); // description
    await page.keyboard.press('Tab'); // the mode radios
    assert.equal(await focusedId(page), 'mode-prompt');
    await page.keyboard.press('ArrowDown');
    assert.equal(await focusedId(page), 'mode-command');
    assert.equal(await shown(page, 'command'), true, 'the arrow key chose the command');
    assert.equal(await shown(page, 'prompt'), false, 'and hid the prompt');

    await page.keyboard.press('ArrowUp');
    assert.equal(await shown(page, 'prompt'), true);
    await page.focus('#mode-command');
    await page.keyboard.press(' ');
    assert.equal(await shown(page, 'command'), true, 'Space chose the command');
    await page.focus('#mode-prompt');
    await page.keyboard.press('Enter');
    assert.equal(await shown(page, 'prompt'), true, 'Enter chose the prompt');
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __submitted: unknown[] }).__submitted), []);

    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Tab');
    assert.equal(await focusedId(page), 'command');
    await page.keyboard.type('sed -i s/a/b/ x');
    await page.locator('#repositories textarea').focus();
    await page.keyboard.type('acme/widgets');
    await page.keyboard.press('Control+Enter');
    await page.waitForFunction(() => (window as unknown as { __submitted: unknown[] }).__submitted.length === 1);
    const [draft] = await page.evaluate(
      () => (window as unknown as { __submitted: Record<string, unknown>[] }).__submitted,
    );
    assert.equal(draft!.name, 'Keyboard job');
    assert.equal(draft!.mode, 'command');
    assert.equal(draft!.command, 'sed -i s/a/b/ x');
    assert.equal(draft!.repositories, 'acme/widgets');
    await page.close();
  });
});
