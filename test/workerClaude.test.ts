import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { artifactKey } from '../common/names';
import type { CreateJobInput } from '../common/schemas';
import { deleteFile, edit, moveFile, reply, searchFiles } from './fakes/anthropicServer';
import { waitForJob } from './helpers/jobs';
import { useWorld } from './helpers/world';
import { filesContaining } from './helpers/secrets';

// The Claude path end to end: the stack's worker processes run the agent against the loopback
// Anthropic server (real SDK, real HTTP), edit real checkouts, feed a failing verification back
// into the same conversation, and record the diff, the thread and the usage.

const run = promisify(execFile);
const ANTHROPIC_KEY = `sk-ant-api03-${'WorkerE2E7'.repeat(5)}`;
const GITHUB_TOKEN = `ghp_${'WorkerE2Etoken9'.repeat(3)}`;
const AWS_SECRET = 'FAKEawsSECRETworkerClaudeE2E/0123456789';

describe('worker: Claude jobs end to end', function () {
  this.timeout(120_000);

  const world = useWorld({
    repositories: {
      'acme/widgets': {
        'src/a.js': 'const total = oldFunction(1);\nmodule.exports = { total };\n',
        'README.md': '# widgets\n',
      },
      'acme/gadgets': { 'src/b.js': 'module.exports = oldFunction(2);\n' },
      'acme/legacy': {
        'lib/util.js': 'function util(x) {\n  return x * 2;\n}\n\nmodule.exports = { util };\n',
        'deprecated/a.js': 'module.exports = oldFunction(1);\n',
        'deprecated/nested/b.js': 'module.exports = oldFunction(2);\n',
        'index.js': "module.exports = require('./lib/util');\n",
      },
    },
    anthropic: {
      apiKey: ANTHROPIC_KEY,
      script: {
        'acme/widgets': [
          reply.tools(edit.view('src/a.js')),
          reply.tools(edit.strReplace('src/a.js', 'oldFunction(1)', 'newFunction(1)')),
          reply.text('Replaced oldFunction with newFunction in src/a.js.'),
          // The verification failed: its output came back as the next user message.
          (conversation) => {
            const feedback = conversation.lastUserText();
            if (
              !/verification command `[\s\S]*` failed/.test(feedback) ||
              !feedback.includes('missing the version option')
            ) {
              return reply.error(400, { message: `unexpected feedback: ${feedback}` });
            }
            return reply.tools(edit.strReplace('src/a.js', 'newFunction(1)', 'newFunction(1, { version: 2 })'));
          },
          reply.text('Replaced oldFunction(1) with newFunction(1, { version: 2 }) in src/a.js.'),
        ],
        'acme/gadgets': [reply.tools(edit.view('src/b.js')), reply.text('Nothing to change here.')],
        'acme/legacy': [
          // The search runs in a worker thread of the bundled worker (dist/worker.js).
          reply.tools(searchFiles({ pattern: 'oldFunction\\(\\d\\)|require\\(' })),
          (conversation) => {
            const found = JSON.stringify(conversation.request.messages.at(-1));
            if (!found.includes('deprecated/nested/b.js:1:module.exports = oldFunction(2);')) {
              return reply.error(400, { message: `unexpected search result: ${found}` });
            }
            return reply.tools(
              moveFile({ source: 'lib/util.js', destination: 'src/util/index.js' }),
              deleteFile({ path: 'deprecated', recursive: true }),
              edit.strReplace('index.js', "'./lib/util'", "'./src/util'"),
            );
          },
          reply.text('Moved lib/util.js to src/util/index.js and removed deprecated/.'),
        ],
      },
    },
    stack: { concurrency: 2, env: { GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY: AWS_SECRET } },
  });

  /** A job on one repository, run to its end: the job and the repository's row. */
  const finished = async (request: CreateJobInput & { repositories: [string] }) => {
    const { client } = world.stack;
    const created = await client.createJob(request);
    const job = await waitForJob(client, created.jobId);
    return { job, row: await client.getRepository(job.jobId, request.repositories[0]) };
  };

  it('edits with str_replace, feeds the failed verification back, and records diff, thread and usage', async () => {
    const verify = [
      'echo "key=$ANTHROPIC_API_KEY token=$GITHUB_TOKEN aws=$AWS_SECRET_ACCESS_KEY"',
      "grep -q 'oldFunction' src/*.js && { echo 'oldFunction is still used'; exit 1; }",
      "grep -q 'newFunction(1)' src/a.js 2>/dev/null && { echo 'newFunction(1) is missing the version option'; exit 1; }",
      'exit 0',
    ].join('\n');
    const { job, row } = await finished({
      name: 'Move to newFunction',
      prompt: 'Replace every oldFunction(x) with newFunction(x, { version: 2 }).',
      verifyCommand: verify,
      repositories: ['acme/widgets'],
    });
    assert.equal(job.status, 'COMPLETED', JSON.stringify(row.error));
    assert.equal(row.summary, 'Replaced oldFunction(1) with newFunction(1, { version: 2 }) in src/a.js.');
    assert.equal(row.verification?.passed, true);
    assert.equal(row.verification?.rounds, 2);
    assert.deepEqual(row.diffStats, { files: 1, additions: 1, deletions: 1 });
    const { patch } = await world.stack.client.getDiff(job.jobId, 'acme/widgets');
    assert.match(patch!, /-const total = oldFunction\(1\);\n\+const total = newFunction\(1, \{ version: 2 \}\);/);
    const clone = await world.hosting.clone('acme/widgets');
    await writeFile(`${clone}.patch`, patch!);
    await run('git', ['apply', '--check', `${clone}.patch`], { cwd: clone });

    // One conversation of five calls, the thread saved as it went.
    assert.equal(world.anthropic.requestsOf('acme/widgets').length, 5);
    const thread = await world.stack.client.getThread(job.jobId, 'acme/widgets');
    assert.equal(thread.messages[0]!.role, 'user');
    assert.match(JSON.stringify(thread.messages[0]!.content), /Repository: acme\/widgets/);
    const types = thread.messages.flatMap((message) =>
      Array.isArray(message.content) ? message.content.map((block) => block.type) : ['text'],
    );
    assert.ok(types.includes('tool_use') && types.includes('tool_result'));
    assert.ok(
      thread.messages.some((message) => JSON.stringify(message.content).includes('missing the version option')),
    );
    const input = row.usage.inputTokens + row.usage.cacheReadTokens + row.usage.cacheWriteTokens;
    assert.ok(input > 0 && row.usage.outputTokens > 0 && row.usage.costUsd > 0, JSON.stringify(row.usage));
    const after = await world.stack.client.getJob(job.jobId);
    assert.ok(after.usage.costUsd >= row.usage.costUsd && after.usage.outputTokens >= row.usage.outputTokens);
    const onDisk = await readFile(
      path.join(world.stack.home, 'artifacts', ...artifactKey(job.jobId, 'acme/widgets', 'thread.json').split('/')),
      'utf8',
    );
    assert.equal(JSON.parse(onDisk).messages.length, thread.messages.length);
    assert.match(await world.stack.client.getLog(job.jobId, 'acme/widgets'), /key= token= aws=\n/);
  });

  it('moves and deletes files: the diff shows a rename and the deletions, and applies to a fresh clone', async () => {
    const { job, row } = await finished({
      name: 'Tidy up',
      prompt: 'Move lib/util.js to src/util/index.js and remove deprecated/.',
      repositories: ['acme/legacy'],
    });
    assert.equal(row.status, 'COMPLETED', JSON.stringify(row.error));
    assert.deepEqual(row.diffStats, { files: 4, additions: 1, deletions: 3 });
    const { patch } = await world.stack.client.getDiff(job.jobId, 'acme/legacy');
    assert.match(
      patch!,
      /^diff --git a\/lib\/util\.js b\/src\/util\/index\.js\nsimilarity index 100%\nrename from lib\/util\.js\nrename to src\/util\/index\.js$/m,
    );
    assert.match(patch!, /^diff --git a\/deprecated\/a\.js b\/deprecated\/a\.js\ndeleted file mode 100644$/m);
    assert.match(
      patch!,
      /^diff --git a\/deprecated\/nested\/b\.js b\/deprecated\/nested\/b\.js\ndeleted file mode 100644$/m,
    );
    const clone = await world.hosting.clone('acme/legacy');
    await writeFile(`${clone}.patch`, patch!);
    await run('git', ['apply', `${clone}.patch`], { cwd: clone });
    assert.equal(
      await readFile(path.join(clone, 'src/util/index.js'), 'utf8'),
      'function util(x) {\n  return x * 2;\n}\n\nmodule.exports = { util };\n',
    );
    await assert.rejects(readFile(path.join(clone, 'deprecated/a.js')));
  });

  it('gives NO_CHANGES when Claude changes nothing', async () => {
    const { job, row } = await finished({ name: 'Look only', prompt: 'Look around.', repositories: ['acme/gadgets'] });
    assert.equal(row.status, 'NO_CHANGES', JSON.stringify(row.error));
    assert.equal(row.summary, 'Nothing to change here.');
    assert.equal((await world.stack.client.getThread(job.jobId, 'acme/gadgets')).messages.length, 4);
  });

  it('keeps the Anthropic key, the GitHub token and AWS secrets out of every thread, log, diff, error and the database', async () => {
    for (const secret of [ANTHROPIC_KEY, GITHUB_TOKEN, AWS_SECRET]) {
      assert.deepEqual(await filesContaining(world.stack.home, secret), []);
    }
    // The search does find what is there: every log names its repository.
    assert.notDeepEqual(await filesContaining(world.stack.home, 'Cloning acme/'), []);
    const threads = await run('find', [path.join(world.stack.home, 'artifacts'), '-name', 'thread.json']);
    assert.equal(threads.stdout.trim().split('\n').length, 3);
  });
});
