// `npm run bench -- search`: what running search_files in a worker thread costs. Each figure is the
// whole tool call (git ls-files, reading, matching) through runTool, against the same search done
// in-process in the same run (what search_files did before it moved to a thread).
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { openBeneath } from '../backend/worker/agent/tools/beneath';
import { gitFiles } from '../backend/worker/agent/tools/listing';
import { scanFiles } from '../backend/worker/agent/tools/scanThread';
import { Checkout, runTool } from '../backend/worker/agent/tools';
import { makeCheckout } from '../test/helpers/agent';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const PATTERN = 'needle_\\d+\\(';

function repositoryFiles(count: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let index = 0; index < count; index++) {
    const lines = Array.from(
      { length: 100 },
      (_, line) => `export const value${line} = compute(${index}, ${line}); // filler text to search through`,
    );
    if (index % 50 === 0) lines.push(`needle_${index}(value0);`);
    files[`src/module${Math.floor(index / 100)}/file${index}.ts`] = `${lines.join('\n')}\n`;
  }
  return files;
}

async function timeRuns(run: () => Promise<unknown>): Promise<number> {
  for (let warmUp = 0; warmUp < 2; warmUp++) await run();
  const times: number[] = [];
  for (let index = 0; index < RUNS; index++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

async function main() {
  console.log(`bench search: median of ${RUNS} search_files calls per figure, ${process.version}`);
  for (const count of [20, 2000]) {
    const repo = await makeCheckout(repositoryFiles(count));
    try {
      const checkout = await Checkout.open(repo.checkout);
      const threaded = await timeRuns(async () => {
        const outcome = await runTool(checkout, 'search_files', { pattern: PATTERN });
        if (outcome.isError) throw new Error(outcome.content);
      });
      const inProcess = await timeRuns(async () => {
        const candidates = await gitFiles(checkout.realRoot, '.');
        scanFiles(
          {
            root: checkout.realRoot,
            viaProc: checkout.viaProc,
            folder: '.',
            ...(candidates ? { candidates } : {}),
            search: {
              pattern: PATTERN,
              flags: 'u',
              maxMatches: 200,
              maxMatchLineChars: 300,
              maxSearchedLineChars: 4000,
              maxFileBytes: 2 * 1024 * 1024,
              binaryProbeBytes: 8000,
            },
            softLimitMs: 20_000,
          },
          fs,
          openBeneath,
        );
      });
      const bytes = Object.values(repositoryFiles(count)).reduce((total, text) => total + text.length, 0);
      console.log(
        `${String(count).padStart(5)} files (${(bytes / 1024 / 1024).toFixed(1)} MB): in a thread ${threaded.toFixed(1)} ms, in-process ${inProcess.toFixed(1)} ms, ratio ${(threaded / inProcess).toFixed(2)}x, thread cost ${(threaded - inProcess).toFixed(1)} ms`,
      );
    } finally {
      await repo.dispose();
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
