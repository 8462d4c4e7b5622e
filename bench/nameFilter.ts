// `npm run bench -- nameFilter`: what the repository-name filter (include/exclude, on RE2 through
// re2js) costs over 10,000 names, for the patterns that backtracked for ever before (issue 24),
// against a plain prefix pattern measured in the same run (the floor). Names of 35 to 280
// characters: on a linear-time engine the time per name grows with the name, not exponentially.
// Last, a typical search_files pattern over 1 MB of source on V8's RegExp and on re2js, the figure
// behind keeping search_files (Claude's patterns, in a thread with a time limit) on V8.
import { performance } from 'node:perf_hooks';
import { RE2JS } from 're2js';
import { nameFilter } from '../common/repositoryQuery';

const COUNT = 10_000;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const PATTERNS = ['^acme/', '(a|a)*$', '(?:a|a)+$', '(a|aa)*-$', `${'a*'.repeat(12)}$`, '(a+)+$'];

/** `count` names of `length` characters: a run of a's (where a backtracking engine explodes), half ending in `-`. */
function names(length: number): string[] {
  return Array.from({ length: COUNT }, (_, i) => {
    const head = `acme/r${String(i).padStart(5, '0')}`;
    return `${head}${'a'.repeat(length - head.length - 1)}${i % 2 ? 'a' : '-'}`;
  });
}

function median(run: () => void): number {
  run();
  const times: number[] = [];
  for (let index = 0; index < RUNS; index++) {
    const started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

function main(): void {
  console.log(`bench nameFilter: median of ${RUNS} filterings of ${COUNT} names per figure, ${process.version}`);
  const lengths = [35, 70, 140, 280];
  console.log(
    `${'pattern'.padEnd(28)}${lengths.map((length) => `${length} chars`.padStart(14)).join('')}   ×floor at 140`,
  );
  const floorAt = new Map<number, number>();
  for (const pattern of PATTERNS) {
    const row: number[] = [];
    for (const length of lengths) {
      const list = names(length);
      const keep = nameFilter(pattern);
      const ms = median(() => {
        let kept = 0;
        for (const name of list) if (keep(name)) kept++;
        if (kept < 0) throw new Error('unreachable');
      });
      row.push(ms);
      if (pattern === PATTERNS[0]) floorAt.set(length, ms);
    }
    const ratio = row[2]! / floorAt.get(140)!;
    console.log(
      `${pattern.padEnd(28)}${row.map((ms) => `${ms.toFixed(1)} ms`.padStart(14)).join('')}   ${ratio.toFixed(1)}x`,
    );
  }
  console.log("(a backtracking engine takes seconds to hours on one name of 30 a's for the patterns after the first)");

  const source = Array.from(
    { length: 14_000 },
    (_, line) =>
      `export const value${line} = compute(${line}); // filler text to search through${line % 500 ? '' : ' needle_7('}`,
  ).join('\n');
  const lines = source.split('\n');
  for (const pattern of ['needle_\\d+\\(', 'compute\\(\\d+\\);\\s*//', '\\bvalue\\d*7\\b']) {
    const v8 = new RegExp(pattern, 'u');
    const re2 = RE2JS.compile(pattern);
    const onV8 = median(() => lines.filter((line) => v8.test(line)));
    const onRe2 = median(() => lines.filter((line) => re2.test(line)));
    console.log(
      `search_files-like ${pattern} over ${(source.length / 1024 / 1024).toFixed(1)} MB, line by line: V8 ${onV8.toFixed(1)} ms, re2js ${onRe2.toFixed(1)} ms (${(onRe2 / onV8).toFixed(1)}x)`,
    );
  }
}

main();
