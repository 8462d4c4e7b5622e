#!/usr/bin/env node
// `npm test`: lint, build, typecheck and the mocha suite, each started as soon as what it needs is
// done, and a table of how long each took at the end (failed or not). The build goes first (tests
// run the bundles in dist/); mocha, the longest step, starts as soon as it is done. The type check
// needs nothing and runs from the start; lint waits for the build (which rewrites docs/openapi.json,
// which lint reads). Both run beside mocha at a lower CPU priority, so that on a small machine they
// take the time mocha leaves rather than lengthen it. Mocha runs its files in parallel workers: on
// 2 cores much of a test's time is spent waiting on child processes, git and local servers, so more
// workers than cores pays (CODY_BATCH_TEST_JOBS overrides). It is handed the slowest files first
// (the last run's times, else .ci/slowest.txt), so that no long file starts at the end and leaves
// the other workers idle: the order only changes when a file starts, every file still runs.
// Output of the steps beside mocha is held and printed whole when mocha is not writing.
// Where the suite's CPU goes, by kind of process (mocha's workers, the local stacks, the workers, the
// CLI), and how to measure it again (.ci/processCpu.cjs): docs/performance.md, "npm test".
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, setPriority, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const jobs = process.env.CODY_BATCH_TEST_JOBS ?? '4';
// Every unit and integration test; the suites with their own set-up (e2e, image, sandbox, browser)
// are left out by .mocharc.json's ignore.
const SPEC_FOLDERS = ['common', 'backend', 'cli', 'extension', 'webviews', 'infra', 'test', 'bench'];
// Extra arguments go to mocha: `npm test -- --bail`.
const mochaArgs = process.argv.slice(2);
// Each file's time in the last whole run here, for the order of the next (outside the checkout's
// tracked files; a new clone starts from .ci/slowest.txt).
const lastTimesFile = path.join(root, 'node_modules', '.cache', 'cody-batch', 'test-times.json');
// The type checker's record of the last check, for an incremental one.
const tscBuildInfo = path.join(root, 'node_modules', '.cache', 'cody-batch', 'tsc.tsbuildinfo');

/** Every `*.test.ts` under the spec folders (mocha's config leaves out the suites with their own set-up). */
function specFiles() {
  const found = [];
  const walk = (folder) => {
    for (const entry of readdirSync(path.join(root, folder), { withFileTypes: true })) {
      const relative = path.posix.join(folder, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(relative);
      else if (entry.isFile() && entry.name.endsWith('.test.ts')) found.push(relative);
    }
  };
  for (const folder of SPEC_FOLDERS) if (existsSync(path.join(root, folder))) walk(folder);
  return found.sort();
}

/** The spec files, slowest first by the last run's times, else by .ci/slowest.txt's order. */
function slowestFirst(files) {
  let known = {};
  try {
    known = JSON.parse(readFileSync(lastTimesFile, 'utf8'));
  } catch {
    const listed = readFileSync(path.join(root, '.ci', 'slowest.txt'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    known = Object.fromEntries(listed.map((file, index) => [file, listed.length - index]));
  }
  return [...files].sort((a, b) => (known[b] ?? 0) - (known[a] ?? 0));
}

const steps = [
  { name: 'build', command: ['npm', 'run', 'build', '--silent'], after: [] },
  {
    name: 'typecheck',
    // Incremental: what it learnt last time (outside the tracked files) spares it the unchanged files,
    // about three quarters of its CPU in a checkout it has checked before.
    command: [bin('tsc'), '-p', '.', '--noEmit', '--incremental', '--tsBuildInfoFile', tscBuildInfo],
    after: [],
    background: true,
  },
  { name: 'lint', command: [bin('biome'), 'check', '.'], after: ['build'], background: true },
  {
    name: 'mocha',
    command: [
      bin('mocha'),
      '--parallel',
      '--jobs',
      jobs,
      '--require',
      '.ci/fileTimes.cjs',
      ...slowestFirst(specFiles()),
      ...mochaArgs,
    ],
    after: ['build'],
    stream: true,
  },
];

// Where .ci/fileTimes.cjs writes each spec file's wall time, for the slowest files at the end.
const timesDir = mkdtempSync(path.join(tmpdir(), 'cody-batch-test-times-'));
const timesFile = path.join(timesDir, 'files.jsonl');
const started = Date.now();
const state = new Map(steps.map((step) => [step.name, { status: 'waiting', ms: 0 }]));
const held = [];
// Every step's process group, kept after its first process exits: a group may outlive it.
const groups = new Set();
let streaming = 0;

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
/** CPU seconds used by the steps and everything they started that has ended (Linux; undefined elsewhere). */
function childrenCpuSeconds() {
  try {
    // cutime and cstime, the 14th and 15th fields after the command's name, in ticks.
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return undefined;
  }
}
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

function flush() {
  if (streaming > 0) return;
  for (const text of held.splice(0)) process.stdout.write(text);
}

function run(step) {
  const entry = state.get(step.name);
  entry.status = 'running';
  const begun = Date.now();
  return new Promise((resolve) => {
    const [command, ...args] = step.command;
    const child = spawn(command, args, {
      cwd: root,
      stdio: step.stream ? 'inherit' : ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FILE_TIMES_OUT: timesFile },
      // Its own process group, so that an interrupt stops everything it started.
      detached: true,
    });
    groups.add(child.pid);
    // What it starts inherits the priority (tsc's threads, biome's).
    if (step.background && child.pid) setPriority(child.pid, 10);
    if (step.stream) streaming++;
    const output = [];
    child.stdout?.on('data', (chunk) => output.push(chunk));
    child.stderr?.on('data', (chunk) => output.push(chunk));
    let ended = false;
    const done = (code) => {
      if (ended) return;
      ended = true;
      if (step.stream) streaming--;
      entry.ms = Date.now() - begun;
      entry.status = code === 0 ? 'ok' : 'FAILED';
      const text = Buffer.concat(output).toString();
      if (text.trim() || code !== 0)
        held.push(
          `\n── ${step.name}: ${entry.status === 'ok' ? 'ok' : `failed (exit ${code})`}, ${seconds(entry.ms)} ──\n${text}`,
        );
      flush();
      resolve(code === 0);
    };
    child.on('error', (error) => {
      output.push(Buffer.from(`${error.message}\n`));
      done(127);
    });
    child.on('close', (code, signal) => done(code ?? (signal ? 128 : 1)));
  });
}

const finished = new Map();
function schedule(step) {
  if (!finished.has(step.name))
    finished.set(
      step.name,
      Promise.all(step.after.map((name) => schedule(steps.find((each) => each.name === name)))).then((ready) => {
        if (ready.every(Boolean)) return run(step);
        state.get(step.name).status = 'not run';
        return false;
      }),
    );
  return finished.get(step.name);
}

function stopAll(signal) {
  for (const group of groups) {
    try {
      process.kill(-group, signal);
    } catch {
      // Already gone.
    }
  }
}
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    process.exitCode = 130;
    stopAll('SIGTERM');
    // The native type checker does not stop on a signal it is sent: what is left is killed.
    setTimeout(() => stopAll('SIGKILL'), 3_000).unref();
  });

const results = await Promise.all(steps.map(schedule));
streaming = 0;
flush();
const width = Math.max(...steps.map((step) => step.name.length));
const lines = steps.map(({ name }) => {
  const { status, ms } = state.get(name);
  return `  ${name.padEnd(width)}  ${status.padEnd(7)} ${status === 'ok' || status === 'FAILED' ? seconds(ms).padStart(8) : ''}`;
});
const slowest = (() => {
  try {
    return readFileSync(timesFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .sort((a, b) => b.ms - a.ms);
  } catch {
    return [];
  }
})();
rmSync(timesDir, { recursive: true, force: true });
// A whole run's times order the next one (a run of some files only, or a failed one, leaves them).
if (slowest.length && !mochaArgs.length && state.get('mocha').status === 'ok') {
  mkdirSync(path.dirname(lastTimesFile), { recursive: true });
  writeFileSync(
    lastTimesFile,
    `${JSON.stringify(Object.fromEntries(slowest.map(({ file, ms }) => [path.relative(root, file), ms])), null, 1)}\n`,
  );
}
if (slowest.length) {
  const cpu = (file) => (file.cpu === undefined ? '' : `${file.cpu.toFixed(1)} s CPU`.padStart(12));
  const files = slowest.reduce((sum, file) => sum + (file.cpu ?? 0), 0);
  console.log(
    `\nThe slowest of ${slowest.length} spec files (wall time in a worker and CPU of the worker and what it ran, set-up included; ${files.toFixed(0)} s CPU in all):`,
  );
  const line = (file) =>
    `  ${seconds(file.ms).padStart(8)}${cpu(file)}  ${String(file.tests).padStart(3)} tests  ${path.relative(root, file.file)}`;
  for (const file of slowest.slice(0, 10)) console.log(line(file));
  // On 2 cores the suite's length is its CPU over 2: these are the files to make cheaper.
  console.log('The spec files that used the most CPU:');
  for (const file of [...slowest].sort((a, b) => (b.cpu ?? 0) - (a.cpu ?? 0)).slice(0, 15)) console.log(line(file));
}
console.log(`\nnpm test: durations (steps run side by side; load average now ${load()})`);
console.log(lines.join('\n'));
const cpuInAll = childrenCpuSeconds();
console.log(
  `  ${'in all'.padEnd(width)}  ${''.padEnd(7)} ${seconds(Date.now() - started).padStart(8)}${cpuInAll === undefined ? '' : `, ${cpuInAll.toFixed(0)} s of CPU`}`,
);
if (!results.every(Boolean)) {
  const failed = steps.filter(({ name }) => state.get(name).status === 'FAILED').map(({ name }) => name);
  console.log(`npm test failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
