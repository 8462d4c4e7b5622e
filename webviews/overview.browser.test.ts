import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { SCREENSHOTS } from '../test/e2e/world';
import { useWebviewBrowser } from '../test/helpers/webviewPage';
import { OVERVIEW_CHANGES, OVERVIEW_JOB, OVERVIEW_ROWS } from './overview/fixture';

// The Job overview in Chromium (the engine of VS Code's webviews), in a dark theme: counts,
// failures by error code with their repositories as buttons, and the burndown drawn as SVG in the
// theme's chart colours, named for screen readers, with its table. A screenshot goes to
// test-results/e2e/ for a person to look at.

const THEME: Record<string, string> = {
  'editor-background': '#1f1f1f',
  foreground: '#cccccc',
  descriptionForeground: '#9d9d9d',
  'panel-border': '#2b2b2b',
  'textLink-foreground': '#4daafc',
  'charts-green': '#89d185',
  'charts-purple': '#b180d7',
  'charts-red': '#f14c4c',
  focusBorder: '#0078d4',
};

/** The overview page in the dark theme, as wide as an editor beside the sidebar. */
const DARK_OVERVIEW = {
  script: 'overview',
  rootStyle: Object.entries(THEME)
    .map(([name, value]) => `--vscode-${name}: ${value};`)
    .join(' '),
  viewport: { width: 900, height: 1100 },
};

describe('Job overview in Chromium: counts, failures and the burndown', function () {
  this.timeout(60_000);
  const browser = useWebviewBrowser({ overview: 'webviews/overview/main.ts' });
  before(() => mkdir(SCREENSHOTS, { recursive: true }));

  it('renders the counts, the failures and an accessible burndown in the theme’s colours', async () => {
    const data = { job: OVERVIEW_JOB, repositories: OVERVIEW_ROWS };
    const page = await browser.open({
      ...DARK_OVERVIEW,
      // Every request answers as the extension would; a click on a failure is recorded.
      reply: `(message) => {
        if (message.method === 'load') return ${JSON.stringify(data)};
        (window.opened ??= []).push(message.params);
        return { done: true };
      }`,
      ready: '#app:not([aria-busy]) svg.burndown-chart',
    });
    const count = (group: string, key: string) =>
      page.locator(`dl[data-group="${group}"] [data-key="${key}"] dd`).textContent();
    assert.equal(await count('run', 'completed'), '4');
    assert.equal(await count('run', 'failed'), '3');
    assert.equal(await count('review', 'approved'), '3');
    assert.equal(await count('pull-requests', 'open'), '2');
    assert.equal(await count('pull-requests', 'merged'), '1');
    assert.equal(await page.getByRole('heading', { name: 'Failures (3)' }).count(), 1);

    // The chart: named and described, with a line per series in the theme's chart colours.
    const chart = page.getByRole('img', { name: /Pull requests open, merged and closed over time/ });
    const box = await chart.boundingBox();
    assert.ok(box && box.width > 400 && box.height > 100, `chart size ${JSON.stringify(box)}`);
    const strokes = await page.$$eval('svg.burndown-chart [data-series] path', (paths) =>
      paths.map((path) => [path.parentElement!.getAttribute('data-series'), getComputedStyle(path).stroke]),
    );
    assert.deepEqual(strokes, [
      ['open', 'rgb(137, 209, 133)'],
      ['merged', 'rgb(177, 128, 215)'],
      ['closed', 'rgb(241, 76, 76)'],
    ]);
    await page.getByText('The burndown as a table').click();
    assert.equal(await page.getByRole('table').locator('tbody tr').count(), 2);

    // A failed repository opens its log; a change kept though its verification failed, its diff.
    await page.getByRole('button', { name: 'acme/clone-1' }).click();
    await page.getByRole('button', { name: 'acme/verify' }).click();
    assert.deepEqual(await page.evaluate(() => (window as unknown as { opened: unknown[] }).opened), [
      { repositoryName: 'acme/clone-1', view: 'log' },
      { repositoryName: 'acme/verify', view: 'diff' },
    ]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'overview-dark.png'), fullPage: true });
    await page.close();
  });

  it('lists the change groups with the outlier’s reason, and approves a group with the members it shows', async () => {
    const data = { job: OVERVIEW_JOB, repositories: OVERVIEW_ROWS, changes: OVERVIEW_CHANGES };
    const page = await browser.open({
      ...DARK_OVERVIEW,
      reply: `(message) => {
        if (message.method === 'load') return ${JSON.stringify(data)};
        (window.asked ??= []).push([message.method, message.params]);
        if (message.method === 'reviewGroup')
          return { done: false, message: 'Not approved: the group changed since it was shown (GROUP_CHANGED).' };
        return { done: true };
      }`,
      ready: '#app:not([aria-busy]) .group-list',
    });
    const groups = page.getByRole('listitem').filter({ has: page.locator('.group-title') });
    assert.deepEqual(await page.locator('.group-title').allTextContents(), [
      ' 2 repositories · the same change',
      ' 1 · a variant of the same change: only indentation differs',
      ' 1 · outlier: touches package-lock.json, which the largest group does not',
    ]);
    assert.equal(await groups.count(), 3);
    const outlier = page.getByRole('listitem', { name: /outlier/ });
    assert.equal(await outlier.locator('.group-reviewed').textContent(), '1 of 1 reviewed · 1 approved');
    const main = page.getByRole('listitem', { name: '2 repositories · the same change' });
    await main.getByRole('button', { name: 'Open group' }).click();
    await main.getByRole('button', { name: 'Approve group' }).click();
    await page.getByRole('alert').filter({ hasText: 'GROUP_CHANGED' }).waitFor();
    assert.deepEqual(await page.evaluate(() => (window as unknown as { asked: unknown[] }).asked), [
      ['openGroup', { fingerprint: 'a'.repeat(64) }],
      [
        'reviewGroup',
        {
          fingerprint: 'a'.repeat(64),
          state: 'approved',
          members: [
            { repositoryName: 'acme/a', digest: 'd'.repeat(64) },
            { repositoryName: 'acme/b', digest: 'e'.repeat(64) },
          ],
        },
      ],
    ]);
    await page.locator('.changes').screenshot({ path: path.join(SCREENSHOTS, 'overview-groups.png') });
    await page.close();
  });
});
