import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { edit, reply } from './fakes/anthropicServer';
import { CLI } from './helpers/localStack';
import { useWorld } from './helpers/world';

// `cody-batch run` for CI: a Claude job whose change never passed its verification ends COMPLETED
// (the change is kept for review), but a script chaining on the exit code must not read it as success.

const run = promisify(execFile);
const ANTHROPIC_KEY = `sk-ant-api03-${'CliVerify01'.repeat(5)}`;

describe('cody-batch run: a change that fails its verification', function () {
  this.timeout(120_000);

  const world = useWorld({
    repositories: { 'acme/widgets': { 'src/a.js': 'module.exports = oldFunction(1);\n' } },
    anthropic: {
      apiKey: ANTHROPIC_KEY,
      script: {
        'acme/widgets': [
          reply.tools(edit.strReplace('src/a.js', 'oldFunction(1)', 'newFunction(1)')),
          reply.text('Replaced oldFunction with newFunction.'),
          ...Array.from({ length: 6 }, () => reply.text('I could not make the check pass.')),
        ],
      },
    },
    stack: { concurrency: 1 },
  });

  it('exits 1 and says so, though the job COMPLETED', async () => {
    const outcome = await run(
      process.execPath,
      [
        CLI,
        'run',
        '--name',
        'Unverified',
        '--prompt',
        'Use newFunction',
        '--verify',
        'echo still broken; exit 1',
        '--repos',
        'acme/widgets',
      ],
      {
        env: { ...process.env, CODY_BATCH_HOME: world.stack.home },
      },
    ).then(
      () => ({ code: 0, stdout: '' }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );
    assert.equal(outcome.code, 1, outcome.stdout);
    assert.match(outcome.stdout, /COMPLETED\s+acme\/widgets\s+1 file \+1 −1\s+verification failed/);
    assert.match(outcome.stdout, /Job \S+ COMPLETED: 1 changed \(1 failing verification\)/);
  });
});
