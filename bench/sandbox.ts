import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_ALLOWED_HOSTS } from '../common/sandbox';
import { commandEnvironment } from '../backend/worker/environment';
import { runCommand } from '../backend/worker/commandRunner';
import { type RunSandbox, startSandbox } from '../backend/worker/sandbox';
import { deniedReadsFrom } from '../backend/worker/sandboxPolicy';

// The command sandbox's cost per command (`npm run bench -- sandbox`), through the code every run
// uses (backend/worker/commandRunner.ts with and without a RunSandbox), against the floor measured
// in the same run: the same commands without the sandbox. Two commands: a trivial one (`true`),
// and `npm ci --offline` of a small project (minimatch and its two dependencies, and zod, as
// tarballs packed from this checkout's node_modules, so no network and no cache are involved).
// It also times what a worker pays once: starting the sandbox (its proxy) and proving it.

const run = promisify(execFile);
const ROUNDS = 15;
const NPM_ROUNDS = 7;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const p90 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.ceil(values.length * 0.9) - 1]!;
const ms = (value: number) => `${value.toFixed(0).padStart(6)} ms`;

async function time(command: string, cwd: string, sandbox: RunSandbox | undefined, home: RunSandbox): Promise<number> {
  const started = process.hrtime.bigint();
  const result = await runCommand({
    command,
    cwd,
    // The same environment both ways (the run's private home and temporary folder among it): only the sandbox differs.
    env: { ...commandEnvironment(process.env), ...home.env, npm_config_update_notifier: 'false' },
    timeoutMs: 120_000,
    sandbox,
    onOutput: () => undefined,
  });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.exitCode !== 0)
    throw new Error(`\`${command}\` ${sandbox ? 'in' : 'outside'} the sandbox: ${result.outputTail}`);
  return elapsed;
}

/** A project whose `npm ci --offline` installs four packages from tarballs beside it. */
async function smallProject(folder: string): Promise<void> {
  const vendor = path.join(folder, 'vendor');
  await mkdir(vendor, { recursive: true });
  const packages = ['minimatch', 'brace-expansion', 'balanced-match', 'zod'];
  const tarballs: Record<string, string> = {};
  for (const name of packages) {
    const { stdout } = await run('npm', [
      'pack',
      '--silent',
      '--ignore-scripts',
      '--pack-destination',
      vendor,
      path.resolve('node_modules', name),
    ]);
    tarballs[name] = `file:vendor/${stdout.trim().split('\n').pop()}`;
  }
  await writeFile(
    path.join(folder, 'package.json'),
    `${JSON.stringify({ name: 'bench-project', version: '1.0.0', private: true, dependencies: tarballs, overrides: tarballs }, null, 2)}\n`,
  );
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: folder });
}

export async function main(): Promise<void> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'cody-batch-bench-sandbox-'));
  const before = process.cwd();
  try {
    const project = path.join(root, 'project');
    await smallProject(project);
    const cwd = path.join(root, 'cwd');
    await mkdir(cwd);

    const startedAt = process.hrtime.bigint();
    const started = await startSandbox(process.env, {
      allowedHosts: [...DEFAULT_ALLOWED_HOSTS],
      deniedReads: deniedReadsFrom(process.env),
      cwd,
    });
    const startMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
    if (!('sandbox' in started)) {
      console.log(`The sandbox cannot run here (${started.reason}); nothing to measure.`);
      return;
    }
    const { sandbox } = started;
    try {
      const runRoot = path.join(root, 'run');
      const checkout = path.join(runRoot, 'checkout');
      await cp(project, checkout, { recursive: true });
      const inside = await sandbox.forRun(runRoot);
      const rows: [string, number[], number[]][] = [];
      for (const [label, command, rounds] of [
        ['true', 'true', ROUNDS],
        ['npm ci --offline (4 packages)', 'npm ci --offline --no-audit --no-fund --ignore-scripts', NPM_ROUNDS],
      ] as const) {
        const floor: number[] = [];
        const sandboxed: number[] = [];
        // Warm both ways once, then alternate, so a slower moment of a shared machine hits both.
        await time(command, checkout, undefined, inside);
        await time(command, checkout, inside, inside);
        for (let i = 0; i < rounds; i++) {
          floor.push(await time(command, checkout, undefined, inside));
          sandboxed.push(await time(command, checkout, inside, inside));
        }
        rows.push([label, floor, sandboxed]);
      }
      console.log(
        `Command sandbox: cost per command, median (p90) of ${ROUNDS} (npm: ${NPM_ROUNDS}) runs each, on ${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(1)}\n`,
      );
      console.log(
        `${'command'.padEnd(32)}${'without (floor)'.padStart(24)}${'in the sandbox'.padStart(24)}${'added'.padStart(12)}`,
      );
      for (const [label, floor, sandboxed] of rows) {
        console.log(
          `${label.padEnd(32)}${`${ms(median(floor))} (${ms(p90(floor)).trim()})`.padStart(24)}${`${ms(median(sandboxed))} (${ms(p90(sandboxed)).trim()})`.padStart(24)}${ms(median(sandboxed) - median(floor)).padStart(12)}`,
        );
      }
      console.log(
        `\nOnce per worker: starting the sandbox (its proxy) and proving it with a command: ${startMs.toFixed(0)} ms`,
      );
    } finally {
      await sandbox.stop();
    }
  } finally {
    process.chdir(before);
    await rm(root, { recursive: true, force: true });
  }
}
