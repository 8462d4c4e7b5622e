import { type Browser, chromium } from 'playwright-core';
import { CHROMIUM } from '../e2e/harness/install';

// Chromium (the machine's, headless) for the tests that open the web app's pages as a person does.

export interface ChromiumHook {
  readonly browser: Browser;
}

/** Mocha hooks for the calling `describe`: Chromium launched before its tests and closed after them. */
export function useChromium(): ChromiumHook {
  let browser: Browser | undefined;
  before(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
    });
  });
  after(() => browser?.close());
  return {
    get browser() {
      if (!browser) throw new Error('Chromium starts in a before hook: use it inside a test or a later hook.');
      return browser;
    },
  };
}
