import assert from 'node:assert/strict';
import { build } from 'esbuild';
import { decodeHTMLStrict as reference, encodeHTML } from 'entities';
import { type Browser, chromium } from 'playwright-core';
import { CHROMIUM } from '../../test/e2e/harness/install';

// The browser bundles decode Markdown's `&name;` with Chromium's HTML parser (htmlEntities.ts) in
// place of the `entities` package. Here both decode every named reference entities knows (one per
// character it can name), and the cases where they could part ways: legacy names read as prefixes,
// case, unknown names, numbers, `&semi;`.

describe('htmlEntities in Chromium: the same answers as entities’ decodeHTMLStrict', function () {
  this.timeout(120_000);
  let browser: Browser;
  before(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
  });

  it('decodes every name alike, and leaves alike what is not one whole reference', async () => {
    const names = new Set<string>();
    for (let code = 0; code < 0x1_ffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const encoded = encodeHTML(String.fromCodePoint(code));
      if (/^&[A-Za-z][A-Za-z0-9]*;$/.test(encoded)) names.add(encoded);
    }
    assert.ok(names.size > 1_000, `${names.size} names`);
    const inputs = [
      ...names,
      '&amp;',
      '&AMP;',
      '&Amp;',
      '&ampx;',
      '&notin;',
      '&notit;',
      '&lt;',
      '&ltx;',
      '&copy;',
      '&copyx;',
      '&semi;',
      '&nosuchname;',
      '&#65;',
      '&#x41;',
      '&#59;',
      '&#0;',
      '&#xD800;',
      '&#1114112;',
      '&amp',
      'plain',
      '&a;',
      '&Zfr;',
    ];
    const bundle = await build({
      entryPoints: [require.resolve('./htmlEntities.ts')],
      bundle: true,
      write: false,
      format: 'iife',
      globalName: 'htmlEntities',
      platform: 'browser',
    });
    const page = await browser.newPage();
    await page.setContent('<!DOCTYPE html><title>entities</title>');
    await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
    const decoded = (await page.evaluate(
      `(${JSON.stringify(inputs)}).map((text) => htmlEntities.decodeHTMLStrict(text))`,
    )) as string[];
    const differ = inputs.filter((input, i) => decoded[i] !== reference(input));
    assert.deepEqual(
      differ.map((input) => [input, decoded[inputs.indexOf(input)], reference(input)]),
      [],
    );
  });
});
