import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { loadReply, useWebviewBrowser } from '../test/helpers/webviewPage';
import { SCREENSHOTS } from '../test/e2e/world';

// The diff view in Chromium (the engine of VS Code's webviews), in VS Code's dark, light and high
// contrast themes: every colour it draws comes from the theme (none of diff2html's light defaults
// leaks through), a narrow pane shows side by side as line by line, and the file list keeps its
// per-file counts. Screenshots go to test-results/e2e/ for a person to look at.

const PATCH = [
  'diff --git a/src/api.ts b/src/api.ts',
  'index 1111111..2222222 100644',
  '--- a/src/api.ts',
  '+++ b/src/api.ts',
  '@@ -1,5 +1,5 @@',
  " import { newFunction, oldFunction } from './lib';",
  ' ',
  ' export function load(id: string) {',
  '-  return oldFunction(id); // a long line that a narrow side-by-side pane would cut off at the changed part',
  '+  return newFunction(id, { version: 2 }); // a long line that a narrow side-by-side pane would cut off at the changed part',
  ' }',
  'diff --git a/src/new.ts b/src/new.ts',
  'new file mode 100644',
  'index 0000000..3333333',
  '--- /dev/null',
  '+++ b/src/new.ts',
  '@@ -0,0 +1,2 @@',
  '+export const a = 1;',
  '+export const b = 2;',
  '',
].join('\n');

/** The variables VS Code sets on a webview's <html> (a subset, with each theme's values). */
const THEMES: Record<string, Record<string, string>> = {
  dark: {
    'editor-background': '#1f1f1f',
    'editor-foreground': '#cccccc',
    foreground: '#cccccc',
    'panel-border': '#2b2b2b',
    'editorLineNumber-foreground': '#6e7681',
    'sideBarSectionHeader-background': '#181818',
    'diffEditor-insertedLineBackground': '#9bb95533',
    'diffEditor-insertedTextBackground': '#9ccc2c33',
    'diffEditor-removedLineBackground': '#ff000033',
    'diffEditor-removedTextBackground': '#ff000066',
    'diffEditor-diagonalFill': '#cccccc33',
    'diffEditor-unchangedRegionBackground': '#181818',
    'gitDecoration-addedResourceForeground': '#81b88b',
    'gitDecoration-deletedResourceForeground': '#c74e39',
    'gitDecoration-modifiedResourceForeground': '#e2c08d',
    'gitDecoration-renamedResourceForeground': '#73c991',
    'button-secondaryBackground': '#313131',
    'button-background': '#0078d4',
    'textBlockQuote-background': '#2b2b2b',
    focusBorder: '#0078d4',
  },
  light: {
    'editor-background': '#ffffff',
    'editor-foreground': '#3b3b3b',
    foreground: '#3b3b3b',
    'panel-border': '#e5e5e5',
    'editorLineNumber-foreground': '#6e7681',
    'sideBarSectionHeader-background': '#f8f8f8',
    'diffEditor-insertedLineBackground': '#9bb95533',
    'diffEditor-insertedTextBackground': '#9ccc2c40',
    'diffEditor-removedLineBackground': '#ff000033',
    'diffEditor-removedTextBackground': '#ff000033',
    'diffEditor-diagonalFill': '#22222233',
    'diffEditor-unchangedRegionBackground': '#f8f8f8',
    'gitDecoration-addedResourceForeground': '#587c0c',
    'gitDecoration-deletedResourceForeground': '#ad0707',
    'gitDecoration-modifiedResourceForeground': '#895503',
    'gitDecoration-renamedResourceForeground': '#007100',
    'button-secondaryBackground': '#e5e5e5',
    'button-background': '#005fb8',
    'textBlockQuote-background': '#f8f8f8',
    focusBorder: '#005fb8',
  },
  'high-contrast': {
    'editor-background': '#000000',
    'editor-foreground': '#ffffff',
    foreground: '#ffffff',
    contrastBorder: '#6fc3df',
    'panel-border': '#6fc3df',
    'editorLineNumber-foreground': '#ffffff',
    'sideBarSectionHeader-background': '#000000',
    'diffEditor-insertedTextBorder': '#33ff2e',
    'diffEditor-removedTextBorder': '#ff008f',
    'diffEditor-diagonalFill': '#7f7f7f',
    'gitDecoration-addedResourceForeground': '#a1e3ad',
    'gitDecoration-deletedResourceForeground': '#c74e39',
    'gitDecoration-modifiedResourceForeground': '#e2c08d',
    'gitDecoration-renamedResourceForeground': '#73c991',
    'button-secondaryBackground': '#000000',
    'button-background': '#000000',
    'textBlockQuote-background': '#000000',
    focusBorder: '#f38518',
  },
};

describe('diff view in Chromium: themes, narrow panes, file list counts', function () {
  this.timeout(60_000);
  const browser = useWebviewBrowser({ diff: 'webviews/diff/main.ts' });
  before(() => mkdir(SCREENSHOTS, { recursive: true }));

  async function open(theme: string, width: number, layout: 'side-by-side' | 'line-by-line'): Promise<Page> {
    const variables = Object.entries(THEMES[theme]!)
      .map(([name, value]) => `--vscode-${name}: ${value};`)
      .join(' ');
    const data = { jobId: 'j', repositoryName: 'acme/widgets', jobName: 'Adopt v2', patch: PATCH, layout };
    return browser.open({
      script: 'diff',
      rootStyle: variables,
      viewport: { width, height: 700 },
      reply: loadReply(data),
      ready: '#app:not([aria-busy]) .d2h-wrapper',
    });
  }

  /** Every colour the rendered diff paints (backgrounds, and borders that show), as rgb()/rgba() text. */
  async function paintedColours(page: Page): Promise<string[]> {
    return page.evaluate(() => {
      const found = new Set<string>();
      for (const element of document.querySelectorAll('.files *')) {
        const style = getComputedStyle(element);
        if (style.backgroundColor !== 'rgba(0, 0, 0, 0)') found.add(style.backgroundColor);
        for (const side of ['Top', 'Right', 'Bottom', 'Left'] as const) {
          const width = style.getPropertyValue(`border-${side.toLowerCase()}-width`);
          const colour = style.getPropertyValue(`border-${side.toLowerCase()}-color`);
          const shows = width !== '0px' && style.getPropertyValue(`border-${side.toLowerCase()}-style`) !== 'none';
          if (shows && colour !== 'rgba(0, 0, 0, 0)') found.add(colour);
        }
      }
      return [...found];
    });
  }

  /** The theme's colours as the browser writes them. */
  async function themeColours(page: Page, theme: string): Promise<Set<string>> {
    const values = Object.values(THEMES[theme]!);
    const colours = await page.evaluate((list) => {
      const probe = document.createElement('div');
      document.body.append(probe);
      const out = list.map((value) => {
        probe.style.backgroundColor = value;
        return getComputedStyle(probe).backgroundColor;
      });
      probe.remove();
      return out;
    }, values);
    return new Set(colours);
  }

  for (const theme of Object.keys(THEMES)) {
    for (const layout of ['line-by-line', 'side-by-side'] as const) {
      it(`${theme}, ${layout}: paints only the theme's colours`, async () => {
        const page = await open(theme, 1300, layout);
        const allowed = await themeColours(page, theme);
        const stray = (await paintedColours(page)).filter((colour) => !allowed.has(colour));
        assert.deepEqual(stray, [], `colours not from the ${theme} theme`);
        // The inserted line's line-number cell, where diff2html's light green used to show.
        const numberCell = await page.$eval(
          '.d2h-ins.d2h-code-linenumber, .d2h-ins.d2h-code-side-linenumber',
          (cell) => getComputedStyle(cell).backgroundColor,
        );
        // High contrast themes mark changes with borders, not fills: there the cell shows the page.
        assert.ok(allowed.has(numberCell) || numberCell === 'rgba(0, 0, 0, 0)', `line number cell ${numberCell}`);
        if (theme === 'dark' && layout === 'line-by-line')
          await page.screenshot({ path: path.join(SCREENSHOTS, 'diff-dark-line-by-line.png'), fullPage: true });
        await page.close();
      });
    }
  }

  it('shows side by side as line by line in a narrow pane, and side by side again when it widens', async () => {
    const page = await open('dark', 800, 'side-by-side');
    assert.equal(await page.locator('.d2h-files-diff').count(), 0, 'no side-by-side table at 800 px');
    assert.ok((await page.locator('.d2h-file-diff .d2h-code-linenumber').count()) > 0, 'line by line');
    assert.equal(await page.locator('#narrow-note').isVisible(), true, 'the page says why');
    assert.equal(await page.getAttribute('[data-layout="side-by-side"]', 'aria-pressed'), 'true', 'the choice is kept');
    // The changed part of a long line is on screen, not cut off.
    const cut = await page.$eval('.d2h-ins .d2h-code-line-ctn', (cell) => cell.getBoundingClientRect().right);
    assert.ok(cut > 0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'diff-dark-narrow.png'), fullPage: true });
    await page.setViewportSize({ width: 1300, height: 700 });
    await page.waitForSelector('.d2h-files-diff');
    assert.equal(await page.locator('#narrow-note').isVisible(), false);
    await page.close();
  });

  it('keeps the per-file +/− counts in the file list and on each file', async () => {
    const page = await open('light', 1300, 'side-by-side');
    const listed = await page.$$eval('.file-list-items li', (items) => items.map((item) => item.textContent?.trim()));
    assert.deepEqual(listed, ['src/api.ts +1 −1', 'src/new.ts +2 −0']);
    const headers = await page.$$eval('details.file > summary .file-stats', (items) =>
      items.map((item) => item.textContent),
    );
    assert.deepEqual(headers, ['+1 −1', '+2 −0']);
    await page.close();
  });
});
