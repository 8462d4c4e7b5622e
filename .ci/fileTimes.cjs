// Each spec file's wall time in a --parallel run (where a file's events reach the reporter all at
// once, at its end): root hooks run around every file in a worker, so they time it, set-ups and
// all, and append a line to $FILE_TIMES_OUT. `.ci/test.mjs` prints the slowest files from it.
//   FILE_TIMES_OUT=/tmp/times.jsonl npx mocha --parallel --require .ci/fileTimes.cjs …
const fs = require('node:fs');

let started = 0;
exports.mochaHooks = {
  beforeAll() {
    started = Date.now();
  },
  afterAll() {
    const out = process.env.FILE_TIMES_OUT;
    const root = this.test?.parent;
    const file = root?.suites?.[0]?.file ?? root?.tests?.[0]?.file;
    if (!out || !file) return;
    const count = (suite) => suite.tests.length + suite.suites.reduce((sum, child) => sum + count(child), 0);
    fs.appendFileSync(out, `${JSON.stringify({ file, ms: Date.now() - started, tests: count(root) })}\n`);
  },
};
