import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

// The name filters' engine (re2js, 147 KB) is in the Create Job form's bundle, which checks an
// expression as it is typed, and in no page that only shows a job (esbuild.mjs, shared/re2Unchecked.ts).
// Reads the bundles `npm test` has just built.

const WEBVIEWS = path.resolve(__dirname, '..', 'dist', 'webviews');
/** A message of re2js's parser (ours only quote its prefix). */
const ENGINE = 'invalid nested repetition operator';

describe('the webview bundles', () => {
  it('carry the name filters’ engine only in the Create Job form', async () => {
    const carries: Record<string, boolean> = {};
    for (const page of ['createJob', 'diff', 'thread', 'overview', 'compose'])
      carries[page] = (await readFile(path.join(WEBVIEWS, `${page}.js`), 'utf8')).includes(ENGINE);
    assert.deepEqual(carries, { createJob: true, diff: false, thread: false, overview: false, compose: false });
  });
});
