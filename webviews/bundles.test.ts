import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

// The name filters' engine (re2js, 147 KB) is in a script of its own, nameEngine.js, that the
// Create Job form loads after it paints (webviews/createJob/nameEngine.ts); the form's own bundle has
// a stand-in that waits for it, and no page that only shows a job carries it at all (esbuild.mjs,
// shared/re2Unchecked.ts). Reads the bundles `npm test` has just built.

const WEBVIEWS = path.resolve(__dirname, '..', 'dist', 'webviews');
/** A message of re2js's parser (ours only quote its prefix). */
const ENGINE = 'invalid nested repetition operator';
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
});
