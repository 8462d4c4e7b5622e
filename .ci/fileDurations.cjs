// A mocha reporter for finding where the suite's time goes: dots as it runs, then each spec file's
// wall time (its suites with their hooks: the set-ups too) and test count, slowest first.
// Serial runs only (in --parallel mode a file's events arrive all at once when it ends):
//   npx mocha --reporter .ci/fileDurations.cjs '{common,backend,cli,extension,webviews,infra,test,bench}/**/*.test.ts'
// FILE_DURATIONS_OUT=<file> writes the table there as well.
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const Mocha = require('mocha');

const { EVENT_SUITE_BEGIN, EVENT_SUITE_END, EVENT_RUN_END, EVENT_TEST_END } = Mocha.Runner.constants;

class FileDurations extends Mocha.reporters.Dot {
  constructor(runner, options) {
    super(runner, options);
    const perFile = new Map();
    const entry = (file) => {
      if (!perFile.has(file)) perFile.set(file, { ms: 0, tests: 0 });
      return perFile.get(file);
    };
    const starts = new Map();
    // A file's top-level suites (and tests outside any suite) are the file.
    runner.on(EVENT_SUITE_BEGIN, (suite) => {
      if (suite.parent?.root) starts.set(suite, Date.now());
    });
    runner.on(EVENT_SUITE_END, (suite) => {
      if (starts.has(suite)) entry(suite.file).ms += Date.now() - starts.get(suite);
    });
    runner.on(EVENT_TEST_END, (test) => {
      const each = entry(test.file);
      each.tests++;
      if (test.parent?.root) each.ms += test.duration ?? 0;
    });
    runner.once(EVENT_RUN_END, () => {
      const rows = [...perFile.entries()].sort((a, b) => b[1].ms - a[1].ms);
      const total = rows.reduce((sum, [, each]) => sum + each.ms, 0);
      const table = [
        `Spec files by wall time (load average ${os
          .loadavg()
          .map((value) => value.toFixed(2))
          .join(' ')}; ${(total / 1000).toFixed(0)} s in all):`,
        ...rows.map(
          ([file, each]) =>
            `${(each.ms / 1000).toFixed(1).padStart(7)} s ${String(each.tests).padStart(4)} tests  ${path.relative(process.cwd(), file ?? '?')}`,
        ),
      ].join('\n');
      process.stdout.write(`\n${table}\n`);
      if (process.env.FILE_DURATIONS_OUT) fs.writeFileSync(process.env.FILE_DURATIONS_OUT, `${table}\n`);
    });
  }
}

module.exports = FileDurations;
