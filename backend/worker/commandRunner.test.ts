import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCommand, runningProcessGroups, userKillCommand } from './commandRunner';
import { commandEnvironment } from './environment';
import { newRunMarker } from './runProcesses';

// Real shells and real process groups: what a command may see, and that nothing it starts survives.

/** Running: it exists and is no zombie (a killed orphan stays one until init reaps it). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 50 && alive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  return !alive(pid);
}

describe('command runner', () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'cody-batch-command-'));
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('runs in the folder, streams output and reports the exit code', async () => {
    let output = '';
    const result = await runCommand({
      command: 'pwd; echo to-stderr >&2; exit 4',
      cwd: folder,
      env: { PATH: process.env.PATH },
      timeoutMs: 10_000,
      onOutput: (chunk) => (output += chunk),
    });
    assert.equal(result.exitCode, 4);
    assert.equal(result.timedOut, false);
    assert.match(output, new RegExp(`^${folder}\\n`));
    assert.match(result.outputTail, /to-stderr/);
    assert.equal(runningProcessGroups.size, 0);
  });

  it('kills the whole process group on timeout, background children included', async () => {
    const result = await runCommand({
      command: `sleep 30 & echo $! > child.pid; sleep 30`,
      cwd: folder,
      env: { PATH: process.env.PATH },
      timeoutMs: 300,
      onOutput: () => undefined,
    });
    assert.equal(result.timedOut, true);
    assert.ok(await gone(Number(await readFile(path.join(folder, 'child.pid'), 'utf8'))));
  });

  it('kills at once on abort', async () => {
    const controller = new AbortController();
    const running = runCommand({
      command: 'echo $$ > shell.pid; sleep 30',
      cwd: folder,
      env: { PATH: process.env.PATH },
      timeoutMs: 60_000,
      signal: controller.signal,
      onOutput: () => undefined,
    });
    for (let i = 0; i < 100; i++) {
      if (await readFile(path.join(folder, 'shell.pid'), 'utf8').catch(() => '')) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    controller.abort();
    const result = await running;
    assert.equal(result.cancelled, true);
    assert.ok(await gone(Number(await readFile(path.join(folder, 'shell.pid'), 'utf8'))));
  });

  it('kills what a finished command left running in the background', async () => {
    const result = await runCommand({
      command: 'sleep 30 > /dev/null 2>&1 & echo $! > child.pid',
      cwd: folder,
      env: { PATH: process.env.PATH },
      timeoutMs: 10_000,
      onOutput: () => undefined,
    });
    assert.equal(result.exitCode, 0);
    assert.ok(await gone(Number(await readFile(path.join(folder, 'child.pid'), 'utf8'))));
  });

  it('kills what a command started out of its process group (setsid), by its run marker, and nothing else', async () => {
    // A process of another run: same kind of marker, another value.
    const other = spawn('sleep', ['30'], { env: { PATH: process.env.PATH, CODY_BATCH_RUN_MARKER: newRunMarker() } });
    try {
      const result = await runCommand({
        command: 'setsid sleep 30 > /dev/null 2>&1 & echo $! > daemon.pid',
        cwd: folder,
        env: { PATH: process.env.PATH },
        runMarker: newRunMarker(),
        timeoutMs: 10_000,
        onOutput: () => undefined,
      });
      assert.equal(result.exitCode, 0);
      assert.ok(await gone(Number(await readFile(path.join(folder, 'daemon.pid'), 'utf8'))));
      assert.ok(alive(other.pid!), "another run's process is left alone");
    } finally {
      other.kill('SIGKILL');
    }
  });

  it("signals a process group with the command the command user runs through sudo, in the image's /bin/sh", async () => {
    // As ourselves, without sudo: the same shell and kill as in the image (Debian's dash).
    const group = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    try {
      const [shell, ...args] = userKillCommand('SIGKILL', `-${group.pid}`);
      execFileSync(shell!, args, { stdio: 'pipe' });
      assert.ok(await gone(group.pid!));
    } finally {
      group.kill('SIGKILL');
    }
  });
});

describe('command environment', () => {
  it('drops our secrets, AWS credentials and settings, and anything named like a credential', () => {
    const env = commandEnvironment({
      PATH: '/usr/bin',
      HOME: '/home/me',
      LANG: 'C.UTF-8',
      GITHUB_TOKEN: 'x',
      GH_TOKEN: 'x',
      ANTHROPIC_API_KEY: 'x',
      CLAUDE_API_KEY: 'x',
      ANTHROPIC_BASE_URL: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
      AWS_ACCESS_KEY_ID: 'x',
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: 'x',
      ECS_CONTAINER_METADATA_URI_V4: 'x',
      CODY_BATCH_DYNAMODB_ENDPOINT: 'x',
      JOB_ID: 'x',
      NPM_TOKEN: 'x',
      my_db_password: 'x',
      GIT_DIR: 'x',
      NODE_OPTIONS: '--require x',
    });
    assert.deepEqual(env, { PATH: '/usr/bin', HOME: '/home/me', LANG: 'C.UTF-8' });
  });
});
