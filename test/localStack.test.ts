import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { waitFor, waitForJob } from './helpers/jobs';
import { CLI, makeTempDir, startStackProcess, type StackProcess } from './helpers/localStack';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs `cody-batch serve` expecting it to refuse to start; resolves with its exit code and output. */
function serveExpectingRefusal(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'serve'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('local stack (npm start)', () => {
  let stack: StackProcess;
  before(async () => {
    stack = await startStackProcess({ env: { CODY_BATCH_CONCURRENCY: '0' } });
  });
  after(async () => {
    await stack?.dispose();
  });

  it('answers health without auth, and refuses the API without the token', async () => {
    const health = await fetch(`${stack.apiUrl}/health`);
    assert.equal(health.status, 200);
    assert.equal((await health.json()).status, 'ok');
    const jobs = await fetch(`${stack.apiUrl}/jobs`);
    assert.equal(jobs.status, 401);
    assert.equal((await jobs.json()).error.code, 'UNAUTHORIZED');
  });

  it('keeps the token private to its owner (mode 0600) and records the stack in stack.json', async () => {
    const mode = (await stat(path.join(stack.home, 'token'))).mode & 0o777;
    assert.equal(mode, 0o600);
    const info = JSON.parse(await readFile(path.join(stack.home, 'stack.json'), 'utf8'));
    const { dynamodbPid, ...rest } = info;
    assert.deepEqual(rest, {
      apiUrl: stack.apiUrl,
      dynamodbEndpoint: stack.dynamodbEndpoint,
      pid: stack.process.pid,
      dynamodbPort: Number(new URL(stack.dynamodbEndpoint).port),
    });
    assert.ok(Number.isInteger(dynamodbPid) && dynamodbPid !== stack.process.pid, 'DynamoDB runs in its own process');
  });

  it('restarts its DynamoDB process when it dies, on the same port, and keeps what was written', async () => {
    const client = stack.client;
    const before = await client.createJob({ name: 'Before the crash', command: 'true', repositories: ['acme/a'] });
    const stackJson = path.join(stack.home, 'stack.json');
    const { dynamodbPid } = JSON.parse(await readFile(stackJson, 'utf8'));
    process.kill(dynamodbPid, 'SIGKILL');
    const restarted = await waitFor('a new DynamoDB process', async () => {
      const pid = JSON.parse(await readFile(stackJson, 'utf8')).dynamodbPid;
      return pid !== dynamodbPid ? pid : undefined;
    });
    assert.ok(isAlive(restarted));
    assert.equal((await client.getJob(before.jobId)).name, 'Before the crash');
    assert.match(stack.output(), /DynamoDB \(pid \d+\) was killed by SIGKILL; restarting it/);
  });

  it('prints where everything is, with a ready-to-paste aws dynamodb command', () => {
    const output = stack.output();
    assert.match(output, new RegExp(`API\\s+${stack.apiUrl}`));
    assert.match(output, new RegExp(`Token\\s+${path.join(stack.home, 'token')}`));
    assert.match(
      output,
      new RegExp(
        `AWS_SHARED_CREDENTIALS_FILE=${path.join(stack.home, 'dynamodb-credentials')} aws dynamodb scan --profile cody-batch-local --region local --endpoint-url http://127\\.0\\.0\\.1:\\d+ --table-name cody-batch-local-jobs`,
      ),
    );
  });

  it('refuses a second stack on the same home, and leaves the first running', async () => {
    const second = await serveExpectingRefusal({
      CODY_BATCH_HOME: stack.home,
      CODY_BATCH_PORT: '0',
      CODY_BATCH_DYNAMODB_PORT: '0',
    });
    assert.notEqual(second.code, 0);
    assert.match(second.output, /already running/);
    assert.equal((await fetch(`${stack.apiUrl}/health`)).status, 200);
  });

  it('refuses a second stack on the same port', async () => {
    const otherHome = await makeTempDir();
    try {
      const port = new URL(stack.apiUrl).port;
      const second = await serveExpectingRefusal({
        CODY_BATCH_HOME: otherHome,
        CODY_BATCH_PORT: port,
        CODY_BATCH_DYNAMODB_PORT: '0',
      });
      assert.notEqual(second.code, 0);
      assert.match(second.output, new RegExp(`Port ${port} \\(API\\) is already in use`));
      await assert.rejects(access(path.join(otherHome, 'stack.json')), 'the refused stack wrote no stack.json');
    } finally {
      await rm(otherHome, { recursive: true, force: true });
    }
  });

  it('refuses a git base that names no repository, saying what it needs, before any job can fail on it', async () => {
    // A user's first try: the folder of bare repositories, without {owner}/{name}. It once started,
    // and every worker of every job then crashed on it.
    const otherHome = await makeTempDir();
    try {
      const refused = await serveExpectingRefusal({
        CODY_BATCH_HOME: otherHome,
        CODY_BATCH_PORT: '0',
        CODY_BATCH_DYNAMODB_PORT: '0',
        CODY_BATCH_GIT_BASE: 'file:///srv/git',
      });
      assert.notEqual(refused.code, 0);
      assert.match(refused.output, /CODY_BATCH_GIT_BASE must contain \{owner\} and \{name\}, or \{path\}/);
      assert.match(refused.output, /file:\/\/\/folder\/\{owner\}\/\{name\}\.git/);
      await assert.rejects(access(path.join(otherHome, 'stack.json')), 'the refused stack wrote no stack.json');
    } finally {
      await rm(otherHome, { recursive: true, force: true });
    }
  });
});

describe('local stack started twice at once', () => {
  it('runs one stack and refuses the other with a sentence, not a crash', async function () {
    this.timeout(40_000);
    const home = await makeTempDir();
    const env = {
      CODY_BATCH_HOME: home,
      CODY_BATCH_PORT: '0',
      CODY_BATCH_DYNAMODB_PORT: '0',
      CODY_BATCH_CONCURRENCY: '0',
    };
    const children = [0, 1].map(() =>
      spawn(process.execPath, [CLI, 'serve'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    try {
      const outputs = children.map((child) => {
        let output = '';
        child.stdout.on('data', (chunk) => (output += chunk));
        child.stderr.on('data', (chunk) => (output += chunk));
        return () => output;
      });
      // The loser exits; the winner serves until stopped.
      const loser = await Promise.race(
        children.map((child, i) => new Promise<number>((resolve) => child.once('exit', () => resolve(i)))),
      );
      const winner = 1 - loser;
      assert.notEqual(children[loser]!.exitCode, 0);
      assert.match(outputs[loser]!(), /already running/);
      assert.doesNotMatch(outputs[loser]!(), /\n\s+at /, 'no stack trace');
      let info: { apiUrl: string; pid: number } | undefined;
      for (let i = 0; i < 200 && !info; i++) {
        info = await readFile(path.join(home, 'stack.json'), 'utf8').then(JSON.parse, () => undefined);
        if (!info) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(info?.pid, children[winner]!.pid);
      const token = (await readFile(path.join(home, 'token'), 'utf8')).trim();
      const jobs = await fetch(`${info!.apiUrl}/jobs`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(jobs.status, 200, 'the winner serves with the token on disk');
    } finally {
      for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.all(
        children.map((child) =>
          child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : undefined,
        ),
      );
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe('local stack restarts', () => {
  it('keeps every job and the token across a restart, and stops cleanly on SIGTERM and SIGINT', async function () {
    this.timeout(60_000);
    const home = await makeTempDir();
    try {
      // A moment of 0: the cancel answers with its operation at once, as on a loaded machine.
      const first = await startStackProcess({
        home,
        env: { CODY_BATCH_CONCURRENCY: '0', CODY_BATCH_OPERATION_MOMENT_MS: '0' },
      });
      const created = await first.client.createJob({
        name: 'Survives',
        prompt: 'p',
        repositories: ['acme/a', 'acme/b'],
      });
      await first.client.cancelJob(created.jobId);
      const token = first.token;
      const { dynamodbPid } = JSON.parse(await readFile(path.join(home, 'stack.json'), 'utf8'));
      assert.equal(await first.stop('SIGTERM'), 0);
      await waitFor('its DynamoDB process to stop with it', async () => (isAlive(dynamodbPid) ? undefined : true));
      assert.match(first.output(), /Stopped\./);
      await assert.rejects(access(path.join(home, 'stack.json')), 'stack.json is removed on exit');

      const second = await startStackProcess({ home, env: { CODY_BATCH_CONCURRENCY: '0' } });
      assert.equal(second.token, token);
      // The cancel answered with its operation (CANCELLING); a stop may cut that operation short,
      // and the next stack takes it over and finishes it.
      const job = await waitForJob(second.client, created.jobId, { status: 'CANCELLED' });
      assert.equal(job.name, 'Survives');
      assert.equal((await second.client.listRepositories(created.jobId)).items.length, 2);
      assert.equal(await second.stop('SIGINT'), 0);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
