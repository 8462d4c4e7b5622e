import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Frame, type FrameLocator, type Locator, type Page } from 'playwright-core';
import { waitFor } from '../../helpers/jobs';
import { CHROMIUM } from './install';

// Debian's Chromium driven by playwright-core, and the few workbench parts a user touches: the
// command palette, notifications, dialogs, tree rows and webviews. Selectors are VS Code 1.100's.

/** How the workbench's Chromium runs (bench/webview.ts measures pages with the same). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Chromium, with its config and cache (crash reports among them) in a temporary folder, not $HOME. */
export async function launchChromium(): Promise<Browser> {
  const xdg = await mkdtemp(path.join(os.tmpdir(), 'cody-batch-e2e-chromium-'));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    env: { ...process.env, XDG_CONFIG_HOME: path.join(xdg, 'config'), XDG_CACHE_HOME: path.join(xdg, 'cache') },
  });
  browser.on('disconnected', () => void rm(xdg, { recursive: true, force: true }));
  return browser;
}

export class Workbench {
  private shots = 0;

  private constructor(
    readonly page: Page,
    private readonly screenshotsDir: string,
  ) {}

  /** Opens the workbench at `url` and waits until it can take commands. */
  static async open(browser: Browser, url: string, screenshotsDir: string): Promise<Workbench> {
    await mkdir(screenshotsDir, { recursive: true });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    await page.goto(url);
    const workbench = new Workbench(page, screenshotsDir);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    // The status bar fills in once the window (and with it the extension host) is up.
    await page.locator('.statusbar .statusbar-item').first().waitFor({ timeout: 60_000 });
    return workbench;
  }

  /** Saves a numbered screenshot of the whole window for a person to look at. */
  async screenshot(name: string): Promise<string> {
    this.shots += 1;
    const file = path.join(this.screenshotsDir, `${String(this.shots).padStart(2, '0')}-${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Runs a command from the palette by its full title, e.g. "Cody Batch: Create Job". */
  async runCommand(title: string): Promise<void> {
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await this.page.keyboard.press('F1');
    await input.waitFor();
    await input.fill(`>${title}`);
    const row = this.page
      .locator('.quick-input-list .monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: exactly(title) }) });
    await row.first().click();
    await input.waitFor({ state: 'hidden' });
  }

  /** Notification toasts whose message matches. */
  notification(text: string | RegExp): Locator {
    return this.page.locator('.notifications-toasts .notification-list-item').filter({
      has: this.page.locator('.notification-list-item-message', { hasText: text }),
    });
  }

  /**
   * Waits until a notification matching `text` is posted: as a toast, or in the notification
   * center when VS Code held its toast back. VS Code shows no toast while the center is open, and
   * drops a toast that comes more than three in 800 ms (a fast action's progress and summary right
   * after another's can): the person still has it under the bell. So the toast is waited for a
   * while at a time, and the center looked into between waits; `timeoutMs` bounds the whole.
   */
  async notified(text: string, timeoutMs = 30_000): Promise<void> {
    const toast = this.notification(text);
    const deadline = Date.now() + timeoutMs;
    let center: string[] = [];
    for (;;) {
      const left = deadline - Date.now();
      if (
        await toast.waitFor({ timeout: Math.max(1, Math.min(left, 15_000)) }).then(
          () => true,
          () => false,
        )
      )
        return;
      center = await this.notificationCenter();
      if (center.some((message) => message.includes(text))) return;
      if (Date.now() >= deadline)
        throw new Error(
          `No notification "${text}" within ${timeoutMs} ms, as a toast or in the notification center (it has: ${center.join(' | ') || 'nothing'})`,
        );
    }
  }

  /** Every notification's message in the notification center (opened, read, and closed again). */
  private async notificationCenter(): Promise<string[]> {
    await this.runCommand('Notifications: Show Notifications');
    const list = this.page.locator('.notifications-center');
    await list.waitFor({ timeout: 5_000 });
    const texts = await list.locator('.notification-list-item-message').allInnerTexts();
    await this.runCommand('Notifications: Hide Notifications');
    await list.waitFor({ state: 'hidden', timeout: 5_000 });
    return texts.map((message) => message.trim());
  }

  /**
   * For a failed step's diagnostics: what the toasts and any open dialog say now, then every
   * notification in the notification center (VS Code shows no toast while the center is open, and
   * drops toasts that come more than three in 800 ms: those are only in the center).
   */
  async shownMessages(): Promise<{ shown: string[]; center: string[] }> {
    const read = (selector: string) =>
      this.page
        .locator(selector)
        .allInnerTexts()
        .then((texts) => texts.map((text) => text.trim()).filter(Boolean))
        .catch((error: unknown) => [`(could not read: ${String(error)})`]);
    const shown = await read(
      '.notifications-toasts .notification-list-item-message, .monaco-dialog-box .dialog-message-text',
    );
    const center = await this.notificationCenter().catch((error: unknown) => [
      `(could not read the notification center: ${String(error)})`,
    ]);
    return { shown, center };
  }

  /** A modal dialog (`showWarningMessage(..., { modal: true })`) whose message matches. */
  dialog(text: string | RegExp): Locator {
    return this.page.locator('.monaco-dialog-box').filter({ hasText: text });
  }

  /** A row of a tree view, by its accessible name (label, description and status). */
  treeItem(name: string | RegExp): Locator {
    return this.page.getByRole('treeitem', { name });
  }

  /** An inline action button on a tree row (shown on hover), by its title. */
  async clickInlineAction(row: Locator, title: string): Promise<void> {
    await row.hover();
    await row
      .locator('.actions .action-label')
      .and(this.page.getByRole('button', { name: title }))
      .click();
  }

  /** A view container's icon in the activity bar, by its title. */
  activityBarItem(title: string): Locator {
    return this.page.locator('.activitybar').getByRole('tab', { name: title });
  }

  /**
   * The content of an extension's webview (the newest, when several are open: close editors first
   * to be sure which). Webviews live in an overlay under `.monaco-workbench`, not in the editor
   * part; the inner frame is `#pending-frame` until it loads, then `#active-frame`.
   */
  webview(extensionId: string): FrameLocator {
    return this.page
      .locator(`iframe.webview.ready[src*="extensionId=${extensionId}"]`)
      .last()
      .contentFrame()
      .frameLocator('iframe#active-frame');
  }

  /**
   * The page of the webview that has `selector`, when several are open side by side (a group view
   * and a member's diff): each inner frame is looked at until one has it.
   */
  async webviewWith(selector: string, timeoutMs = 30_000): Promise<Frame> {
    return waitFor(
      `a webview showing ${selector}`,
      async () => {
        for (const frame of this.page.frames())
          if (
            frame !== this.page.mainFrame() &&
            (await frame
              .locator(selector)
              .count()
              .catch(() => 0)) > 0
          )
            return frame;
        return undefined;
      },
      timeoutMs,
    );
  }

  /** The tab of an editor (or webview panel) by its label. */
  editorTab(label: string | RegExp): Locator {
    return this.page.locator('.tabs-container .tab').filter({ hasText: label });
  }

  async close(): Promise<void> {
    await this.page.context().close();
  }
}

/**
 * Waits until the locator's text matches, and returns it; the error says what was there instead,
 * or, when the text could never be read, why (a frame gone, an element never there). `locator` may
 * be a function that finds it again on each look: a webview's page is rebuilt when VS Code shows
 * its panel again, and a frame found before is then detached for good.
 */
export async function waitForText(
  locator: Locator | (() => Promise<Locator>),
  pattern: RegExp,
  timeoutMs = 15_000,
): Promise<string> {
  let last: string | undefined;
  let unreadable = '';
  const probe = async () => {
    try {
      const target = typeof locator === 'function' ? await locator() : locator;
      // A busy machine can take seconds to lay out a large page: one slow read is not a missing text.
      last = await target.first().innerText({ timeout: 5_000 });
    } catch (error) {
      unreadable = error instanceof Error ? error.message.split('\n')[0]! : String(error);
      return undefined;
    }
    return pattern.test(last) ? last : undefined;
  };
  return waitFor(`text matching ${pattern}`, probe, timeoutMs).catch(() => {
    throw new Error(
      last === undefined
        ? `Expected text matching ${pattern}; the text could not be read: ${unreadable}`
        : `Expected text matching ${pattern}, found: ${JSON.stringify(last)}`,
    );
  });
}

function exactly(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}
