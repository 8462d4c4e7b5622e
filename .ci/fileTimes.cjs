// Each spec file's wall time and CPU time in a --parallel run (where a file's events reach the
// reporter all at once, at its end): root hooks run around every file in a worker, so they time it,
// set-ups and all, and append a line to $FILE_TIMES_OUT. A worker runs one file at a time, so the
// CPU its process and its finished children (the local stacks, git, the CLI) used in between is the
// file's: on a machine of few cores that, not wall time, is what the suite's length is made of.
// `.ci/test.mjs` prints the slowest files from it.
//   FILE_TIMES_OUT=/tmp/times.jsonl npx mocha --parallel --require .ci/fileTimes.cjs …
const fs = require('node:fs');

/** CPU seconds of this process and of its children that have ended (Linux; elsewhere this process's only). */
function cpuSeconds() {
  try {
    // Fields after the command's name: utime, stime, cutime, cstime are the 12th to 15th, in ticks.
    const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return fields.slice(11, 15).reduce((sum, ticks) => sum + Number(ticks), 0) / 100;
  } catch {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  }
}

let started = 0;
let cpuAtStart = 0;
exports.mochaHooks = {
  beforeAll() {
    started = Date.now();
    cpuAtStart = cpuSeconds();
  },
  afterAll() {
    const out = process.env.FILE_TIMES_OUT;
    const root = this.test?.parent;
    const file = root?.suites?.[0]?.file ?? root?.tests?.[0]?.file;
    if (!out || !file) return;
    const count = (suite) => suite.tests.length + suite.suites.reduce((sum, child) => sum + count(child), 0);
    const cpu = Math.round((cpuSeconds() - cpuAtStart) * 10) / 10;
    fs.appendFileSync(out, `${JSON.stringify({ file, ms: Date.now() - started, cpu, tests: count(root) })}\n`);
  },
};
