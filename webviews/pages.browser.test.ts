import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { pageHtml, type WebviewScript } from '../extension/webviews/pageHtml';
import { CHROMIUM } from '../test/e2e/harness/install';
import { standInVsCodeApi } from '../test/helpers/webviewPage';

// The built pages (dist/webviews, as `npm run package` leaves them) as the extension writes them
// (extension/webviews/pageHtml.ts): script and styles inline under the page's CSP, served from a
// local origin that stands in for the webview's. Each page runs with nothing refused by its CSP and
// fetches no script before its first paint; the Create Job form loads the name filters' engine
// after it has painted, and says it is checking an expression until the engine has come.

const DIST = path.resolve(__dirname, '..', 'dist', 'webviews');

interface Served {
  origin: string;
  /** Paths asked for, in order. */
  asked: string[];
  /** Lets the held nameEngine.js go. */
  release(): void;
  close(): Promise<void>;
}

async function serve(): Promise<Served> {
  const asked: string[] = [];
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let origin = '';
  const server = http.createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    asked.push(url.pathname);
    const page = /^\/page\/(\w+)$/.exec(url.pathname)?.[1];
    if (page) {
      const html = pageHtml({
        script: page as WebviewScript,
        title: page,
        nonce: randomBytes(18).toString('base64'),
        cspSource: origin,
        asset: (name) => `${origin}/dist/${name}`,
        read: (name) => readFileSync(path.join(DIST, name), 'utf8'),
      });
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
      return;
    }
    const name = path.basename(url.pathname);
    if (name === 'nameEngine.js') await released;
    try {
      const body = await readFile(path.join(DIST, name));
      const type = name.endsWith('.js') ? 'text/javascript' : name.endsWith('.css') ? 'text/css' : 'font/ttf';
      response.writeHead(200, { 'content-type': type }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    asked,
    release: () => release(),
    close: () =>
      new Promise((resolve) => {
        release();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('the built webview pages under their CSP (Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let served: Served;
  before(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
    });
  });
  after(() => browser?.close());
  beforeEach(async () => {
    served = await serve();
  });
  afterEach(() => served.close());

  /** The page of `script`, `reply` (JavaScript source of `(message) => result`) answering its requests. */
  async function open(script: WebviewScript, reply: string): Promise<{ page: Page; errors: Error[] }> {
    const page = await browser.newPage();
    const errors: Error[] = [];
    page.on('pageerror', (error) => errors.push(error));
    await page.addInitScript({
      content: `
        window.__refused = [];
        document.addEventListener('securitypolicyviolation', (event) => window.__refused.push(event.violatedDirective + ' ' + event.blockedURI + ' ' + event.lineNumber + ':' + event.columnNumber + ' ' + event.sample));
        new MutationObserver((_, observer) => {
          if (!document.querySelector('#app:not([aria-busy])')) return;
          window.__shownAt = performance.now();
          observer.disconnect();
        }).observe(document, { childList: true, subtree: true, attributes: true });
        ${standInVsCodeApi(reply)}`,
    });
    await page.goto(`${served.origin}/page/${script}`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('#app:not([aria-busy])');
    return { page, errors };
  }

  const refused = (page: Page) => page.evaluate(() => (window as unknown as { __refused: string[] }).__refused);

  it('shows a diff with its script inline: nothing refused, no script or stylesheet fetched first', async () => {
    const patch = 'diff --git a/a.ts b/a.ts\n--- a/a.ts\n+++ b/a.ts\n@@ -1 +1 @@\n-old\n+new\n';
    const { page, errors } = await open(
      'diff',
      `(message) => message.method === 'load' ? { jobId: 'j', repositoryName: 'acme/api', jobName: 'Adopt v2', patch: ${JSON.stringify(patch)} } : { done: true }`,
    );
    await page
      .waitForSelector('#app .files, #app .d2h-wrapper', { state: 'attached' })
      .catch(async (error) => assert.fail(`${error}: the page shows ${await page.locator('#app').innerText()}`));
    assert.deepEqual(errors, []);
    assert.deepEqual(await refused(page), []);
    assert.deepEqual(
      served.asked.filter((asked) => /\.(js|css)$/.test(asked)),
      ['/dist/codicons.css'],
      'only the stylesheet vscode-icon copies, after the script',
    );
    await page.close();
  });

  for (const script of ['thread', 'overview', 'compose'] as const) {
    it(`runs the ${script} page's inline script with nothing refused`, async () => {
      const { page, errors } = await open(script, `() => ({ replyError: 'The API is not reachable' })`);
      assert.match(
        await page.locator('#app').innerText(),
        /The API is not reachable/,
        'the script ran and showed the error',
      );
      assert.deepEqual(errors, []);
      assert.deepEqual(await refused(page), []);
      await page.close();
    });
  }

  it('loads the name filters’ engine after the form paints, checking an expression only once it has come', async () => {
    const { page, errors } = await open(
      'createJob',
      `(message) => {
        window.__sent = window.__sent || [];
        window.__sent.push(message.method);
        if (message.method === 'load') return { prompt: 'Replace oldFunction', connected: true };
        if (message.method === 'takeOfferedPrompt' || message.method === 'takeOfferedDraft') return {};
        if (message.method === 'submit') return { ok: false, fieldErrors: { form: 'recorded' }, message: 'recorded' };
        return { done: true };
      }`,
    );
    await page.waitForSelector('#job-form');
    await waitUntil(() => served.asked.includes('/dist/nameEngine.js'));
    const [shownAt, engineAskedAt] = await page.evaluate(() => [
      (window as unknown as { __shownAt: number }).__shownAt,
      performance.getEntriesByType('resource').find((entry) => entry.name.endsWith('/nameEngine.js'))?.startTime ??
        // Still held by the server: no timing entry yet, so it was asked for now, after the form.
        performance.now(),
    ]);
    assert.ok(
      engineAskedAt! > shownAt!,
      `the engine was asked for after the form showed (${engineAskedAt} > ${shownAt})`,
    );

    await page.locator('#name input').fill('Adopt v2');
    await page.click('#source-query');
    await page.locator('#query-owners input').fill('acme');
    await page.locator('#query-include input').fill('api(');
    await page.waitForFunction(() => document.querySelector('#query-include-error')?.textContent === 'Checking…');
    assert.equal(await page.getAttribute('#query-include', 'aria-invalid'), null, 'not refused yet');
    await page.click('#submit');

    served.release();
    await page.waitForFunction(() =>
      document.querySelector('#query-include-error')?.textContent?.startsWith('is not a valid regular expression'),
    );
    assert.equal(await page.getAttribute('#query-include', 'aria-invalid'), 'true');
    const sent = await page.evaluate(() => (window as unknown as { __sent: string[] }).__sent);
    assert.equal(sent.includes('submit'), false, 'Create Job, clicked while it was checking, sent nothing');
    await page.locator('#query-include input').fill('^acme/api');
    await page.waitForFunction(() => document.querySelector('#query-include-error')?.textContent === '');
    assert.deepEqual(errors, []);
    assert.deepEqual(await refused(page), []);
    await page.close();
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}
