import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Thread, Usage } from '../../common/schemas';
import type { AgentHooks, AgentStop } from '../../backend/worker/agent';

// Helpers for agent-loop tests: a real checkout in a temporary folder (a git repository, so
// .gitignore applies), a folder beside it that must stay untouched, and hooks that record.

/** Shaped like real secrets, so the redaction of both known values and shapes is exercised. */
export const TEST_API_KEY = `sk-ant-api03-${'A1b2C3d4'.repeat(6)}`;
export const TEST_GITHUB_TOKEN = `ghp_${'Zy9Xw8Vu7'.repeat(4)}`;

export interface TestCheckout {
  /** The temporary folder holding `checkout/` and `outside/`. */
  base: string;
  checkout: string;
  /** A folder outside the checkout, with `secret.txt`, for escape attempts. */
  outside: string;
  read(relative: string): Promise<string>;
  /** Every file under `outside/` with its content, to compare before and after. */
  outsideSnapshot(): Promise<Record<string, string>>;
  dispose(): Promise<void>;
}

export async function makeCheckout(
  files: Record<string, string>,
  options: { git?: boolean } = {},
): Promise<TestCheckout> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'cody-agent-'));
  const checkout = path.join(base, 'checkout');
  const outside = path.join(base, 'outside');
  await mkdir(checkout);
  await mkdir(outside);
  await writeFile(path.join(outside, 'secret.txt'), 'outside secret\n');
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(checkout, name)), { recursive: true });
    await writeFile(path.join(checkout, name), content);
  }
  if (options.git ?? true) {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: checkout, stdio: 'pipe' });
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '-q', '-m', 'initial', '--allow-empty');
  }
  const snapshot = async (folder: string, prefix = ''): Promise<Record<string, string>> => {
    const result: Record<string, string> = {};
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const name = `${prefix}${entry.name}`;
      if (entry.isDirectory()) Object.assign(result, await snapshot(path.join(folder, entry.name), `${name}/`));
      else result[name] = await readFile(path.join(folder, entry.name), 'utf8');
    }
    return result;
  };
  return {
    base,
    checkout,
    outside,
    read: (relative) => readFile(path.join(checkout, relative), 'utf8'),
    outsideSnapshot: () => snapshot(outside),
    dispose: () => rm(base, { recursive: true, force: true }),
  };
}

export interface RecordingHooks extends AgentHooks {
  /** A copy of the thread at every onThread. */
  threads: Thread[];
  usages: Usage[];
  lines: string[];
  /** Command output the loop handed to the log. */
  outputs: string[];
  /** How many times checkpoint() was called. */
  checkpoints: number;
  /** Decides what checkpoint() answers; undefined lets the run go on. */
  stop: (checkpointNumber: number) => AgentStop | undefined;
}

export function recordingHooks(): RecordingHooks {
  const hooks: RecordingHooks = {
    threads: [],
    usages: [],
    lines: [],
    outputs: [],
    checkpoints: 0,
    stop: () => undefined,
    async checkpoint() {
      hooks.checkpoints++;
      return hooks.stop(hooks.checkpoints);
    },
    async onThread(thread) {
      hooks.threads.push(structuredClone(thread));
    },
    async onUsage(delta) {
      hooks.usages.push({ ...delta });
    },
    log(line) {
      hooks.lines.push(line);
    },
    output(text) {
      hooks.outputs.push(text);
    },
  };
  return hooks;
}
