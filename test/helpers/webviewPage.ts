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
        content: `${standInVsCodeApi(options.reply)}
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

/**
 * A reply that records every request in `window.sent` and answers `load` with `window.loads` in
 * turn (the last again once they run out, `window.loadCount` the loads so far). `answers` is
 * JavaScript source run first for every other request: statements that may return its reply
 * (`message` is the request); the rest are done.
 */
export function recordingReply(answers = ''): string {
  return `(message) => {
  window.sent = window.sent || [];
  window.sent.push(message);
  if (message.method === 'load') {
    window.loadCount = (window.loadCount || 0) + 1;
    return window.loads[Math.min(window.loadCount, window.loads.length) - 1];
  }
  ${answers}
  return { done: true };
}`;
}

/** The params of every `method` request the page sent, in order (with a recordingReply). */
export async function sentParams(page: Page, method: string): Promise<unknown[]> {
  return page.evaluate(
    (name) =>
      ((window as unknown as { sent: { method: string; params: unknown }[] }).sent ?? [])
        .filter((message) => message.method === name)
        .map((message) => message.params),
    method,
  );
}

/** Chromium with the bundles of `entryPoints` for the enclosing `describe`: started in its `before`, closed in its `after`. */
export function useWebviewBrowser(entryPoints: Record<string, string>): WebviewBrowser {
  let started: WebviewBrowser | undefined;
  before(async () => {
    started = await startWebviewBrowser(entryPoints);
  });
  after(() => started?.close());
  return {
    open: (options) => {
      if (!started) throw new Error('The browser starts in the before hook of the describe that uses it.');
      return started.open(options);
    },
    close: async () => started?.close(),
  };
}

/**
 * The page's `acquireVsCodeApi` in place of VS Code's: each message answered by `reply` (source
 * text of a function of the message; `{ replyError }` answers an error), as the host would reply.
 */
export function standInVsCodeApi(reply: string): string {
  return `const reply = ${reply};
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
        });`;
}
