import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM } from '../e2e/harness/install';

// The webview pages in Chromium (the engine of VS Code's webviews), for the *.browser.test.ts
// files: the pages bundled as for the extension, and a stand-in for the extension's side of the
// request/reply protocol (acquireVsCodeApi), whose replies each test writes.

export interface WebviewPageOptions {
  /** The bundle's name: `diff`, `thread`, `createJob`. */
  script: string;
  /**
   * JavaScript source of `(message) => result`: the extension's reply to each request. A result
   * `{ replyError: 'text' }` is a failed reply with that error (what a throwing handler sends).
   */
  reply: string;
  /** Waited for once the page has loaded (default: the app no longer busy). */
  ready?: string;
  /** Inline style of <html>, where VS Code puts its theme's `--vscode-*` variables. */
  rootStyle?: string;
  /** Extra markup in <head>. */
  head?: string;
  /** JavaScript run before the page's own, after acquireVsCodeApi is defined. */
  setup?: string;
  viewport?: { width: number; height: number };
}

export interface WebviewBrowser {
  open(options: WebviewPageOptions): Promise<Page>;
  close(): Promise<void>;
}

/** Bundles `entryPoints` ({name: source}) and starts Chromium; `open` shows one page and fails on a page error. */
export async function startWebviewBrowser(entryPoints: Record<string, string>): Promise<WebviewBrowser> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cody-batch-webview-browser-'));
  let browser: Browser | undefined;
  try {
    await build({
      entryPoints,
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'chrome120',
      outdir: dir,
      loader: { '.ttf': 'file' },
      logLevel: 'error',
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const chrome = browser;
  let pages = 0;
  return {
    async open(options) {
      const html = path.join(dir, `${options.script}-${++pages}.html`);
      const style = options.rootStyle ? ` style="${options.rootStyle}"` : '';
      await writeFile(
        html,
        `<!DOCTYPE html><html${style}><head><link rel="stylesheet" href="${options.script}.css">${options.head ?? ''}</head>` +
          `<body><main id="app" aria-busy="true"></main><script src="${options.script}.js"></script></body></html>`,
      );
      const page = await chrome.newPage(options.viewport ? { viewport: options.viewport } : {});
      const errors: Error[] = [];
      page.on('pageerror', (error) => errors.push(error));
      await page.addInitScript({
        content: `const reply = ${options.reply};
        window.acquireVsCodeApi = () => ({
          getState: () => undefined,
          setState: () => undefined,
          postMessage: (message) => {
            const result = reply(message);
            const data = result && typeof result.replyError === 'string'
              ? { kind: 'reply', id: message.id, ok: false, error: result.replyError }
              : { kind: 'reply', id: message.id, ok: true, result };
            setTimeout(() => window.dispatchEvent(new MessageEvent('message', { data })), 0);
          },
        });
        ${options.setup ?? ''}`,
      });
      await page.goto(pathToFileURL(html).href);
      await page.waitForSelector(options.ready ?? '#app:not([aria-busy])');
      assert.deepEqual(errors, []);
      return page;
    },
    async close() {
      await chrome.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Sends the page an event, as the extension's postMessage does. */
export async function sendEvent(page: Page, name: string, payload: unknown = {}): Promise<void> {
  await page.evaluate(
    ([eventName, eventPayload]) =>
      window.dispatchEvent(
        new MessageEvent('message', { data: { kind: 'event', name: eventName, payload: eventPayload } }),
      ),
    [name, payload] as const,
  );
}

/** The reply of a page that only loads `data`: every other request is done. */
export function loadReply(data: unknown): string {
  return `(message) => (message.method === 'load' ? ${JSON.stringify(data)} : { done: true })`;
}
