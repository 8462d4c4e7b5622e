import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeCheckout, type TestCheckout } from '../../../../test/helpers/agent';
import { Checkout, runTool, type ToolOutcome } from '.';
import { procFdWorks } from './beneath';

// A process that can write to the checkout (a daemon a verify command left behind) swaps `src`
// between a real folder and a symbolic link out of the checkout while the tools work on paths
// under it. Whatever the timing, no tool may read, write, delete or move anything outside.

/** Files to delete or move; the names are reused once each has been tried. */
const TARGETS = 2000;
const CONCURRENT_CALLS = 4;
/**
 * The race lasts until the tools have made MIN_CALLS calls and the swapper has made `src` a link
 * MIN_LINKS times, all of the calls while it swaps: counted, not timed, so that a loaded machine
 * (which starves one side or the other) makes the race longer, not weaker.
 */
const MIN_CALLS = 1000;
const MIN_LINKS = 1000;

// Swaps until the stop file exists and it has made `src` a link MIN_LINKS times, then leaves `src`
// a real folder and prints how often it was a link. Renames are atomic; a `src` the tools created
// while it was missing is replaced or removed, so the loop never gets stuck with `src` a folder for good.
const SWAPPER = `
const fs = require('node:fs');
const [checkout, outside, stop, minLinks] = process.argv.slice(1);
process.chdir(checkout);
const quietly = (step) => { try { step(); return true; } catch { return false; } };
let linked = 0;
console.log('ready');
while (linked < Number(minLinks) || !fs.existsSync(stop)) {
  quietly(() => fs.renameSync('src', 'src.real'));
  if (quietly(() => fs.symlinkSync(outside, 'src'))) linked++;
  quietly(() => fs.unlinkSync('src'));
  if (!quietly(() => fs.renameSync('src.real', 'src'))) quietly(() => fs.rmSync('src', { recursive: true }));
}
quietly(() => fs.unlinkSync('src'));
quietly(() => fs.renameSync('src.real', 'src'));
console.log(linked);
`;

/** Calls `call(i)` until the swapper has stopped; answers every outcome and how often `src` was a link. */
async function raceSwapper(
  repo: TestCheckout,
  call: (index: number) => Promise<ToolOutcome>,
): Promise<{ outcomes: ToolOutcome[]; linked: number }> {
  // Beside the checkout and outside it, where no tool reaches.
  const stop = path.join(path.dirname(repo.checkout), 'stop-swapping');
  const swapper = spawn(process.execPath, ['-e', SWAPPER, repo.checkout, repo.outside, stop, String(MIN_LINKS)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  let exited = false;
  const done = new Promise<void>((resolve) =>
    swapper.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  swapper.stdout.setEncoding('utf8');
  await new Promise<void>((resolve) =>
    swapper.stdout.on('data', (chunk: string) => {
      output += chunk;
      if (output.startsWith('ready\n')) resolve();
    }),
  );
  const outcomes: ToolOutcome[] = [];
  let next = 0;
  const loop = async () => {
    while (!exited) {
      outcomes.push(await call(next++));
      if (outcomes.length === MIN_CALLS) fs.writeFileSync(stop, '');
    }
  };
  try {
    // Several calls at once, as many as libuv runs file operations in parallel, so that more of
    // them are in flight when the swap happens.
    await Promise.all(Array.from({ length: CONCURRENT_CALLS }, loop));
  } finally {
    if (!exited) swapper.kill();
    await done;
  }
  const linked = Number(output.split('\n')[1]);
  assert.ok(linked >= MIN_LINKS, `the swapper made src a link only ${linked} times`);
  return { outcomes, linked };
}

/** What differs outside the checkout since `before`, for a short failure message. */
async function changedOutside(repo: TestCheckout, before: Record<string, string>): Promise<string[]> {
  const after = await repo.outsideSnapshot();
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((name) => before[name] !== after[name]);
}

/** Some of the racing calls succeeded (`succeeded` says what they did), and not one file outside the checkout changed. */
async function assertOnlyInside(
  repo: TestCheckout,
  before: Record<string, string>,
  outcomes: { isError?: boolean }[],
  succeeded: string,
  changedOutsideWas: string,
): Promise<void> {
  assert.ok(
    outcomes.some((outcome) => !outcome.isError),
    succeeded,
  );
  const changed = await changedOutside(repo, before);
  assert.equal(changed.length, 0, `${changed.length} files ${changedOutsideWas}: ${changed.slice(0, 5).join(', ')}…`);
}

// The guarantee rests on /proc/self/fd (Linux, where the worker runs and these tests run); elsewhere
// the tools fall back to checking each component by path, which narrows the race but cannot close
// it, so there these tests fail rather than pass on a weaker guarantee.
describe('agent tools: paths swapped for links while the tools use them', function () {
  // A safety net only: the races are counted, and a loaded machine makes them slower, not shorter.
  this.timeout(120_000);
  before(() => assert.ok(procFdWorks(fs), 'the race guarantee needs /proc/self/fd (Linux)'));
  let repo: TestCheckout;
  let checkout: Checkout;

  beforeEach(async () => {
    repo = await makeCheckout({ 'src/secret.txt': 'inside\n', 'README.md': '# Title\n' });
    checkout = await Checkout.open(repo.checkout);
  });
  afterEach(() => repo.dispose());

  it('never creates a file outside the checkout', async () => {
    const before = await repo.outsideSnapshot();
    const { outcomes } = await raceSwapper(repo, (index) =>
      runTool(checkout, 'str_replace_based_edit_tool', {
        command: 'create',
        path: `src/f${index}.txt`,
        file_text: 'raced\n',
      }),
    );
    await assertOnlyInside(repo, before, outcomes, 'some files were created', 'were written outside the checkout');
  });

  it('never reads a file outside the checkout', async () => {
    const { outcomes } = await raceSwapper(repo, () =>
      runTool(checkout, 'str_replace_based_edit_tool', { command: 'view', path: 'src/secret.txt' }),
    );
    assert.ok(
      outcomes.some((outcome) => outcome.content === '1: inside'),
      'the file inside was read',
    );
    const leaked = outcomes.filter((outcome) => outcome.content.includes('outside secret'));
    assert.equal(leaked.length, 0, `${leaked.length} views read the file outside the checkout`);
  });

  it('never deletes a file outside the checkout', async () => {
    for (let index = 0; index < TARGETS; index++) {
      await writeFile(path.join(repo.checkout, `src/v${index}`), '');
      await writeFile(path.join(repo.outside, `v${index}`), '');
    }
    const before = await repo.outsideSnapshot();
    const { outcomes } = await raceSwapper(repo, (index) =>
      runTool(checkout, 'delete_file', { path: `src/v${index % TARGETS}` }),
    );
    await assertOnlyInside(repo, before, outcomes, 'some files were deleted', 'outside the checkout were deleted');
  });

  it('never moves a file into or out of the checkout', async () => {
    await mkdir(path.join(repo.checkout, 'top'));
    for (let index = 0; index < TARGETS; index++) {
      await writeFile(path.join(repo.checkout, `src/m${index}`), '');
      await writeFile(path.join(repo.outside, `m${index}`), '');
      await writeFile(path.join(repo.checkout, `top/t${index}`), '');
    }
    const before = await repo.outsideSnapshot();
    const { outcomes } = await raceSwapper(repo, (index) =>
      index % 2 === 0
        ? runTool(checkout, 'move_file', {
            source: `src/m${index % TARGETS}`,
            destination: `moved/m${index % TARGETS}`,
          })
        : runTool(checkout, 'move_file', { source: `top/t${index % TARGETS}`, destination: `src/t${index % TARGETS}` }),
    );
    await assertOnlyInside(repo, before, outcomes, 'some files were moved', 'were moved into or out of the checkout');
  });
});
