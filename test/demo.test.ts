import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { CLI, makeTempDir, startStackProcess } from './helpers/localStack';

// `cody-batch demo`, the bundle users run: offline (no Claude key), three sample repositories, one
// command job, a summary, exit 0; and a clear refusal when a stack already runs on the home.

function runDemo(home: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CODY_BATCH_HOME: home,
    CODY_BATCH_PORT: '0',
    CODY_BATCH_DYNAMODB_PORT: '0',
    ...extraEnv,
  };
  delete env.ANTHROPIC_API_KEY;
  delete env.CLAUDE_API_KEY;
  delete env.CODY_BATCH_CLAUDE_PROVIDER;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'demo'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('cody-batch demo', function () {
  this.timeout(90_000);

  it('runs a command job over three sample repositories offline and prints the summary and diff paths', async () => {
    const home = await makeTempDir();
    try {
      const { code, output } = await runDemo(home);
      assert.equal(code, 0, output);
      assert.match(output, /a sed command/);
      for (const [name, files, changes] of [
        ['acme/billing', 2, '+4 −4'],
        ['acme/inventory', 1, '+2 −2'],
        ['acme/storefront', 2, '+4 −4'],
      ] as const) {
        assert.match(
          output,
          new RegExp(`COMPLETED\\s+${name}\\s+${files} files? ${changes.replace('+', '\\+')}$`, 'm'),
        );
        const diffPath = new RegExp(`${name}\\s+(\\S+diff\\.patch)`).exec(output)?.[1];
        assert.ok(diffPath, `no diff path for ${name}`);
        const patch = await readFile(diffPath, 'utf8');
        assert.match(patch, /\+.*newFunction\(.*, \{ version: 2 \}\)/);
        assert.doesNotMatch(patch, /^\+.*oldFunction/m);
      }
      assert.match(output, /Job \S+ COMPLETED: 3 changed, 0 without changes, 0 failed/);
      assert.match(output, /Done in [\d.]+ s/);
      // It stopped its stack on the way out.
      await assert.rejects(readFile(`${home}/stack.json`));
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('refuses, non-zero, when a stack already runs on that home or that port', async () => {
    const stack = await startStackProcess();
    const otherHome = await makeTempDir();
    try {
      const sameHome = await runDemo(stack.home);
      assert.notEqual(sameHome.code, 0);
      assert.match(sameHome.output, /already running/);
      const samePort = await runDemo(otherHome, { CODY_BATCH_PORT: new URL(stack.apiUrl).port });
      assert.notEqual(samePort.code, 0);
      assert.match(samePort.output, /already in use/);
      assert.equal((await stack.client.health()).status, 'ok');
    } finally {
      await stack.dispose();
      await rm(otherHome, { recursive: true, force: true });
    }
  });
});
