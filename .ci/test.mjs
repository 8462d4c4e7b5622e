#!/usr/bin/env node
// `npm test`: lint, build, typecheck and the mocha suite, each started as soon as what it needs is
// done, and a table of how long each took at the end (failed or not). The type check needs nothing
// and runs beside the others; the build waits for lint (the build rewrites docs/openapi.json, which
// lint reads); mocha waits for the build (tests run the bundles in dist/). Mocha runs its files in
// parallel workers: on 2 cores most of a test's time is spent waiting on child processes, git and
// local servers, so more workers than cores pays (CODY_BATCH_TEST_JOBS overrides).
// Output of the steps beside mocha is held and printed whole when mocha is not writing.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const jobs = process.env.CODY_BATCH_TEST_JOBS ?? '4';
// Every unit and integration test; the suites with their own set-up (e2e, image, sandbox, browser)
// are left out by .mocharc.json's ignore.
const SPEC = '{common,backend,cli,extension,webviews,infra,test,bench}/**/*.test.ts';
// Extra arguments go to mocha: `npm test -- --bail`.
const mochaArgs = process.argv.slice(2);

const steps = [
  { name: 'lint', command: [bin('biome'), 'check', '.'], after: [] },
  { name: 'typecheck', command: [bin('tsc'), '-p', '.', '--noEmit'], after: [] },
  { name: 'build', command: ['npm', 'run', 'build', '--silent'], after: ['lint'] },
  {
    name: 'mocha',
    command: [bin('mocha'), '--parallel', '--jobs', jobs, '--require', '.ci/fileTimes.cjs', SPEC, ...mochaArgs],
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
if (slowest.length) {
  console.log(`\nThe slowest of ${slowest.length} spec files (wall time in a worker, set-up included):`);
  for (const { file, ms, tests } of slowest.slice(0, 10))
    console.log(`  ${seconds(ms).padStart(8)}  ${String(tests).padStart(3)} tests  ${path.relative(root, file)}`);
}
console.log(`\nnpm test: durations (steps run side by side; load average now ${load()})`);
console.log(lines.join('\n'));
console.log(`  ${'in all'.padEnd(width)}  ${''.padEnd(7)} ${seconds(Date.now() - started).padStart(8)}`);
if (!results.every(Boolean)) {
  const failed = steps.filter(({ name }) => state.get(name).status === 'FAILED').map(({ name }) => name);
  console.log(`npm test failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
