import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

// The name filters' engine (re2js, 147 KB) is in a script of its own, nameEngine.js, that the
// Create Job form loads after it paints (webviews/createJob/nameEngine.ts); the form's own bundle has
// a stand-in that waits for it, and no page that only shows a job carries it at all (esbuild.mjs,
// shared/re2Unchecked.ts). Reads the bundles `npm test` has just built.

const WEBVIEWS = path.resolve(__dirname, '..', 'dist', 'webviews');
/** A message of re2js's parser (ours only quote its prefix). */
const ENGINE = 'invalid nested repetition operator';
/** Issue 29's aim for a webview's script. */
const AIM = 200 * 1024;
/**
 * The Create Job form's script, kept near what it is (179 KB; 218 KB with zod's classic API and
 * every view's schemas), so that what it gains is a choice, not a drift back over the aim.
 */
const FORM = 185 * 1024;
/** The constructor names zod gives its schemas: one of zod/mini's, one of classic's alone. */
const MINI = '"ZodMiniObject"';
const CLASSIC = '"ZodEmail"';
/** A request of the diff view's protocol (common/webviewProtocol/diff.ts), which only the diff view speaks. */
const DIFF_PROTOCOL = 'applyToLocalCheckout';
/** The Create Job form's stand-in, waiting for the engine (re2Deferred.ts). */
const WAITS = 'the engine for names has not arrived yet';

describe('the webview bundles', () => {
  it('carry the name filters’ engine only in the script the Create Job form loads after it paints', async () => {
    const carries: Record<string, { engine: boolean; waits: boolean }> = {};
    for (const page of ['createJob', 'nameEngine', 'diff', 'thread', 'overview', 'compose']) {
      const text = await readFile(path.join(WEBVIEWS, `${page}.js`), 'utf8');
      carries[page] = { engine: text.includes(ENGINE), waits: text.includes(WAITS) };
    }
    const none = { engine: false, waits: false };
    assert.deepEqual(carries, {
      createJob: { engine: false, waits: true },
      nameEngine: { engine: true, waits: false },
      diff: none,
      thread: none,
      overview: none,
      compose: none,
    });
  });

  it('are each within the aim, and the Create Job form’s within what it is now', async () => {
    const sizes: Record<string, number> = {};
    for (const file of await readdir(WEBVIEWS))
      if (file.endsWith('.js')) sizes[file] = (await stat(path.join(WEBVIEWS, file))).size;
    assert.ok(Object.keys(sizes).length >= 6, `read the bundles: ${Object.keys(sizes).join(', ')}`);
    const over = Object.entries(sizes).filter(([, size]) => size > AIM);
    assert.deepEqual(over, [], 'over 200 KB');
    assert.ok(sizes['createJob.js']! <= FORM, `createJob.js: ${(sizes['createJob.js']! / 1024).toFixed(1)} KB`);
  });

  it('give the Create Job form zod/mini under classic’s methods, and each page only the protocol it speaks', async () => {
    const carries: Record<string, { mini: boolean; classic: boolean; diffProtocol: boolean }> = {};
    for (const page of ['createJob', 'diff', 'thread', 'overview', 'compose']) {
      const text = await readFile(path.join(WEBVIEWS, `${page}.js`), 'utf8');
      carries[page] = {
        mini: text.includes(MINI),
        classic: text.includes(CLASSIC),
        diffProtocol: text.includes(DIFF_PROTOCOL),
      };
    }
    const classic = { mini: false, classic: true, diffProtocol: false };
    assert.deepEqual(carries, {
      createJob: { mini: true, classic: false, diffProtocol: false },
      diff: { ...classic, diffProtocol: true },
      thread: classic,
      overview: classic,
      compose: classic,
    });
  });
});
