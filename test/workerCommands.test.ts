import assert from 'node:assert/strict';
import path from 'node:path';
import { bash, edit, reply, type FakeConversation } from './fakes/anthropicServer';
import { waitForJob } from './helpers/jobs';
import { useWorld } from './helpers/world';
import { processesRunning, uniqueSleep } from './helpers/processes';
import { filesContaining } from './helpers/secrets';

// Claude working like an engineer, end to end on the real local stack: a setup command (`npm ci`)
// before the change, the bash tool in the checkout (tests run, fail, pass), the repository's own
// instructions and the job's note in the first message, nothing a command started left running,
// and no secret in anything a user can read.

const ANTHROPIC_KEY = `sk-ant-api03-${'CommandsE2E'.repeat(5)}`;
const GITHUB_TOKEN = `ghp_${'CommandsE2Etok'.repeat(3)}`;
const AWS_SECRET = 'FAKEawsSECRETcommandsE2E/0123456789abcd';
/** Named like a credential: the commands' environment drops it. */
const SERVICE_TOKEN = 'planted-service-token-5d1f0c77a2';
/** The positive control: an ordinary variable that commands do see. */
const VISIBLE = 'visible-control-9b2e41';

const NPM_CI =
  'npm ci --no-audit --no-fund --offline --no-update-notifier && echo "set up by npm ci" >> README.md && echo junk > setup-junk.txt';

/** The result of the last tool call, failing the conversation (a 400) unless it matches. */
function expectResult(conversation: FakeConversation, pattern: RegExp): string | undefined {
  const content = conversation.toolResults().at(-1)?.content ?? '';
  return pattern.test(content) ? undefined : `unexpected tool result: ${content}`;
}

describe('worker: Claude runs commands (allowCommands, setupCommand, instructions)', function () {
  this.timeout(120_000);
  const sleeper = uniqueSleep();

  const world = useWorld({
    repositories: {
      'acme/calc': {
        'package.json': `${JSON.stringify(
          {
            name: 'calc',
            version: '1.0.0',
            private: true,
            scripts: { test: 'node test.js' },
            dependencies: { helper: 'file:vendor/helper' },
          },
          null,
          2,
        )}\n`,
        'package-lock.json': `${JSON.stringify(
          {
            name: 'calc',
            version: '1.0.0',
            lockfileVersion: 3,
            requires: true,
            packages: {
              '': { name: 'calc', version: '1.0.0', dependencies: { helper: 'file:vendor/helper' } },
              'node_modules/helper': { resolved: 'vendor/helper', link: true },
              'vendor/helper': { version: '1.0.0' },
            },
          },
          null,
          2,
        )}\n`,
        'vendor/helper/package.json': '{"name": "helper", "version": "1.0.0", "main": "index.js"}\n',
        'vendor/helper/index.js': 'module.exports = 5;\n',
        '.gitignore': 'node_modules/\n',
        'README.md': '# calc\n',
        'CLAUDE.md': '# Working here\n\nRun `npm test` before you finish.\n',
        'src/add.js': 'module.exports = (a, b) => a - b;\n',
        // `helper` exists only once the setup has run, and stays because node_modules is ignored.
        'test.js':
          "const add = require('./src/add');\nconst five = require('helper');\nif (add(2, 3) !== five) {\n  console.error(`add(2, 3) is ${add(2, 3)}, expected ${five}`);\n  process.exit(1);\n}\nconsole.log('1 test passed');\n",
      },
    },
    anthropic: {
      apiKey: ANTHROPIC_KEY,
      script: {
        'acme/calc': [
          (conversation) => {
            const first = conversation.lastUserText();
            const missing = [
              '<repository_instructions file="CLAUDE.md">\n# Working here\n\nRun `npm test` before you finish.\n',
              '<job_note_for_this_repository>\nThe helper package comes from vendor/.\n</job_note_for_this_repository>',
            ].filter((part) => !first.includes(part));
            if (missing.length > 0) return reply.error(400, { message: `first message lacks ${missing.join(', ')}` });
            return reply.tools(bash.run('npm test'));
          },
          (conversation) =>
            expectResult(conversation, /add\(2, 3\) is -1, expected 5[\s\S]*exit code: 1$/)
              ? reply.error(400, { message: expectResult(conversation, /exit code: 1$/) })
              : reply.tools(edit.strReplace('src/add.js', 'a - b', 'a + b')),
          reply.tools(bash.run('npm test')),
          (conversation) => {
            const problem = expectResult(conversation, /1 test passed\nexit code: 0$/);
            if (problem) return reply.error(400, { message: problem });
            return reply.tools(
              bash.run(`setsid ${sleeper.join(' ')} >/dev/null 2>&1 & ${sleeper.join(' ')} & echo started`),
            );
          },
          reply.tools(bash.run('env')),
          reply.text('Fixed add() to add; npm test passes.'),
        ],
      },
    },
    stack: {
      concurrency: 2,
      env: {
        GITHUB_TOKEN,
        AWS_SECRET_ACCESS_KEY: AWS_SECRET,
        MY_SERVICE_TOKEN: SERVICE_TOKEN,
        PLANTED_VISIBLE: VISIBLE,
      },
    },
  });

  it('sets up with npm ci, runs the failing tests, fixes the code and runs them again; the diff has only the fix', async () => {
    const created = await world.stack.client.createJob({
      name: 'Fix add',
      prompt: 'Make npm test pass.',
      repositories: ['acme/calc'],
      allowCommands: true,
      setupCommand: NPM_CI,
      repositoryInstructions: { 'acme/calc': 'The helper package comes from vendor/.' },
    });
    const job = await waitForJob(world.stack.client, created.jobId);
    const row = await world.stack.client.getRepository(job.jobId, 'acme/calc');
    assert.equal(row.status, 'COMPLETED', JSON.stringify(row.error));
    assert.equal(row.summary, 'Fixed add() to add; npm test passes.');
    // The fix only: not the README line the setup wrote, not node_modules.
    const { patch } = await world.stack.client.getDiff(job.jobId, 'acme/calc');
    assert.deepEqual(row.diffStats, { files: 1, additions: 1, deletions: 1 });
    assert.match(patch!, /^diff --git a\/src\/add\.js b\/src\/add\.js$/m);
    assert.doesNotMatch(patch!, /set up by npm ci|node_modules|setup-junk/);

    // The thread shows each command, its exit code and its output, and which instruction files came in.
    const thread = await world.stack.client.getThread(job.jobId, 'acme/calc');
    assert.deepEqual(thread.instructionFiles, [{ path: 'CLAUDE.md', characters: 50, cut: false }]);
    const text = JSON.stringify(thread.messages);
    assert.match(text, /"name":"bash","input":\{"command":"npm test"\}/);
    assert.match(text, /add\(2, 3\) is -1, expected 5[^"]*exit code: 1"/);
    assert.match(text, /1 test passed\\nexit code: 0"/);
    assert.match(text, /started\\nexit code: 0"/, 'the background sleepers were started');

    const log = await world.stack.client.getLog(job.jobId, 'acme/calc');
    assert.match(log, /Setup: \$ npm ci/);
    assert.match(log, /Repository instructions: CLAUDE\.md 50 characters/);
    assert.match(
      log,
      /tool bash \$ npm test\n[\s\S]*exit code: 1\n[\s\S]*tool bash \$ npm test\n[\s\S]*1 test passed\nexit code: 0/,
    );
  });

  it('leaves nothing the commands started running once the run has ended', async () => {
    assert.deepEqual(await processesRunning(sleeper), []);
  });

  it('shows the commands none of our secrets: planted tokens are nowhere in the thread, log, diff or the world.stack home', async () => {
    const [job] = (await world.stack.client.listJobs({ limit: 1 })).items;
    const thread = JSON.stringify(await world.stack.client.getThread(job!.jobId, 'acme/calc'));
    // The positive control: `env` ran, and its output was recorded where the search looks.
    assert.ok(thread.includes(`PLANTED_VISIBLE=${VISIBLE}`));
    assert.notDeepEqual(await filesContaining(world.stack.home, VISIBLE), []);
    const readable =
      thread +
      (await world.stack.client.getLog(job!.jobId, 'acme/calc')) +
      (await world.stack.client.getDiff(job!.jobId, 'acme/calc')).patch;
    for (const secret of [ANTHROPIC_KEY, GITHUB_TOKEN, AWS_SECRET, SERVICE_TOKEN]) {
      assert.ok(!readable.includes(secret), 'a secret reached the thread, the log or the diff');
      assert.deepEqual(await filesContaining(world.stack.home, secret), [], path.basename(secret));
    }
    assert.doesNotMatch(thread, /ANTHROPIC_|GITHUB_TOKEN|AWS_|CODY_BATCH_(?!RUN_MARKER)/);
  });

  it('fails the repository with SETUP_FAILED and the output tail when the setup command fails', async () => {
    const created = await world.stack.client.createJob({
      name: 'Broken setup',
      command: 'echo changed >> README.md',
      setupCommand: 'echo "cannot reach the registry" && exit 3',
      repositories: ['acme/calc'],
    });
    const job = await waitForJob(world.stack.client, created.jobId);
    const row = await world.stack.client.getRepository(job.jobId, 'acme/calc');
    assert.equal(row.status, 'FAILED');
    assert.equal(row.error?.code, 'SETUP_FAILED');
    assert.match(
      row.error!.message,
      /^The setup command `echo "cannot reach the registry" && exit 3` exited with code 3\. Output ends with:\ncannot reach the registry/,
    );
  });
});
