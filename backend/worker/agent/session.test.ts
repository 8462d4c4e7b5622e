import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstat, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import {
  deleteFile,
  edit,
  listFiles,
  moveFile,
  reply,
  searchFiles,
  startFakeAnthropic,
  type FakeAnthropic,
  type FakeScript,
} from '../../../test/fakes/anthropicServer';
import {
  makeCheckout,
  recordingHooks,
  TEST_API_KEY,
  TEST_GITHUB_TOKEN,
  type RecordingHooks,
  type TestCheckout,
} from '../../../test/helpers/agent';
import type { Thread, ThreadMessage } from '../../../common/schemas';
import {
  AgentSession,
  buildSystemPrompt,
  createClaudeClient,
  DEFAULT_AGENT_LIMITS,
  firstUserMessage,
  type AgentLimits,
  type AgentResult,
} from '.';

// The agent loop end to end: the real SDK against the loopback Anthropic server, real files in a
// real git checkout.

const REPOSITORY = 'acme/widgets';
const MODEL = 'claude-sonnet-5-5';
const JOB = {
  name: 'Update API calls',
  description: 'Replace oldFunction with newFunction',
  prompt: 'Replace every oldFunction(x) with newFunction(x, { version: 2 })',
};

const FILES = {
  'src/app.ts': "import { oldFunction } from './lib';\n\nexport function main() {\n  return oldFunction(1);\n}\n",
  'src/lib.ts': 'export function oldFunction(x: number) {\n  return x;\n}\n',
  'README.md': '# Widgets\n',
  '.gitignore': 'dist/\n',
  'dist/bundle.js': 'oldFunction(1)\n',
};

interface Harness {
  fake: FakeAnthropic;
  repo: TestCheckout;
  hooks: RecordingHooks;
  session: AgentSession;
  run(message?: string): Promise<AgentResult>;
  /** The last thread saved through onThread. */
  thread(): Thread;
  /** The tool_result blocks the fake received in call `call` of the conversation. */
  toolResultsOfCall(call: number): Array<{ tool_use_id: string; content: string; is_error?: boolean }>;
}

const harnesses: Harness[] = [];

async function harness(
  script: FakeScript,
  options: {
    limits?: Partial<AgentLimits>;
    maxRetries?: number;
    files?: Record<string, string>;
    signal?: AbortSignal;
  } = {},
): Promise<Harness> {
  const fake = await startFakeAnthropic({ script, apiKey: TEST_API_KEY });
  const repo = await makeCheckout(options.files ?? FILES);
  const hooks = recordingHooks();
  const client = createClaudeClient(
    { ANTHROPIC_API_KEY: TEST_API_KEY, ANTHROPIC_BASE_URL: fake.url },
    { maxRetries: options.maxRetries ?? 2 },
  );
  const session = new AgentSession({
    client,
    model: MODEL,
    system: buildSystemPrompt(JOB),
    checkoutDir: repo.checkout,
    limits: {
      maxTurns: DEFAULT_AGENT_LIMITS.maxTurns,
      maxOutputTokens: 4096,
      maxTotalTokens: DEFAULT_AGENT_LIMITS.maxTotalTokens,
      deadline: Date.now() + 60_000,
      ...options.limits,
    },
    hooks,
    secrets: [TEST_GITHUB_TOKEN],
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const h: Harness = {
    fake,
    repo,
    hooks,
    session,
    run: (message = firstUserMessage(REPOSITORY)) => session.run(message),
    thread: () => {
      const last = hooks.threads.at(-1);
      assert.ok(last, 'no thread was saved');
      return last;
    },
    toolResultsOfCall(call) {
      const request = fake.requestsOf(REPOSITORY)[call];
      assert.ok(request, `no request ${call}`);
      const lastUser = request.body.messages.at(-1)!;
      assert.equal(lastUser.role, 'user');
      return (lastUser.content as Array<Record<string, unknown>>)
        .filter((block) => block.type === 'tool_result')
        .map((block) => ({
          tool_use_id: String(block.tool_use_id),
          content: String(block.content),
          ...(block.is_error ? { is_error: true } : {}),
        }));
    },
  };
  harnesses.push(h);
  return h;
}

afterEach(async () => {
  for (const h of harnesses.splice(0)) {
    await h.fake.close();
    await h.repo.dispose();
    // Whatever happened in the test, no secret reached a saved thread or a log line.
    const written = JSON.stringify(h.hooks.threads) + h.hooks.lines.join('\n');
    assert.ok(!written.includes(TEST_API_KEY), 'the API key leaked into a thread or the log');
    assert.ok(!written.includes(TEST_GITHUB_TOKEN), 'the GitHub token leaked into a thread or the log');
  }
});

/** Tool results that must all be refusals ("Error: …" error results), `count` of them. */
function refusedResults<T extends { content: string; is_error?: boolean }>(results: T[], count: number): T[] {
  assert.equal(results.length, count);
  for (const [index, result] of results.entries()) {
    assert.equal(result.is_error, true, `call ${index} was not refused: ${result.content}`);
    assert.match(result.content, /^Error: /);
  }
  return results;
}

function assistantMessages(thread: Thread): ThreadMessage[] {
  return thread.messages.filter((message) => message.role === 'assistant');
}

describe('agent loop: editing a repository', () => {
  it('views a file, makes a str_replace edit, and finishes with a summary', async () => {
    const h = await harness({
      [REPOSITORY]: [
        reply.tools({ text: 'Let me look at the call site.' }, edit.view('src/app.ts')),
        reply.tools(
          edit.strReplace('src/app.ts', '  return oldFunction(1);', '  return newFunction(1, { version: 2 });'),
        ),
        reply.text('Replaced the oldFunction call in src/app.ts with newFunction(1, { version: 2 }).'),
      ],
    });
    const result = await h.run();
    assert.deepEqual(result, {
      ok: true,
      summary: 'Replaced the oldFunction call in src/app.ts with newFunction(1, { version: 2 }).',
    });
    assert.equal(
      await h.repo.read('src/app.ts'),
      "import { oldFunction } from './lib';\n\nexport function main() {\n  return newFunction(1, { version: 2 });\n}\n",
    );

    const [view] = h.toolResultsOfCall(1);
    assert.equal(
      view?.content,
      "1: import { oldFunction } from './lib';\n2: \n3: export function main() {\n4:   return oldFunction(1);\n5: }",
    );
    assert.equal(view?.is_error, undefined);
    const [replaced] = h.toolResultsOfCall(2);
    assert.match(replaced!.content, /^Successfully replaced text at exactly one location\.\n/);
    assert.match(replaced!.content, /4: {3}return newFunction\(1, \{ version: 2 \}\);/);

    // The thread: the first user message, then assistant / tool results, each assistant with its usage.
    const thread = h.thread();
    assert.equal(thread.model, MODEL);
    assert.equal(thread.system, buildSystemPrompt(JOB));
    assert.equal(thread.messages.length, 6);
    assert.match(
      JSON.stringify(thread.messages[0]!.content),
      /^\[\{"type":"text","text":"Repository: acme\/widgets\\n/,
    );
    const assistants = assistantMessages(thread);
    assert.deepEqual(
      assistants.map((message) => message.stopReason),
      ['tool_use', 'tool_use', 'end_turn'],
    );
    for (const message of assistants) {
      assert.ok(message.usage && message.usage.outputTokens > 0 && message.usage.costUsd > 0);
      assert.ok(message.at && !Number.isNaN(Date.parse(message.at)));
    }
    // Usage adds up: per call through onUsage, and in total on the session and the thread.
    assert.equal(h.hooks.usages.length, 3);
    const sum = (key: 'inputTokens' | 'outputTokens' | 'cacheReadTokens' | 'cacheWriteTokens') =>
      h.hooks.usages.reduce((total, usage) => total + usage[key], 0);
    assert.equal(h.session.usage.inputTokens, sum('inputTokens'));
    assert.equal(h.session.usage.outputTokens, sum('outputTokens'));
    assert.equal(h.session.usage.cacheReadTokens, sum('cacheReadTokens'));
    assert.equal(h.session.usage.cacheWriteTokens, sum('cacheWriteTokens'));
    assert.deepEqual(thread.usage, h.session.usage);
    const served = h.fake.requestsOf(REPOSITORY).map((request) => request.usage!);
    assert.equal(
      h.session.usage.cacheReadTokens,
      served.reduce((total, usage) => total + usage.cache_read_input_tokens, 0),
    );
    assert.ok(h.session.usage.cacheReadTokens > 0, 'later turns read the earlier prefix from the cache');
  });

  it('creates a file in a new folder', async () => {
    const h = await harness({
      [REPOSITORY]: [
        reply.tools(
          edit.create(
            'src/v2/compat/newFunction.ts',
            'export function newFunction(x: number, options: { version: number }) {\n  return x;\n}\n',
          ),
        ),
        reply.text('Added src/v2/compat/newFunction.ts.'),
      ],
    });
    const result = await h.run();
    assert.equal(result.ok, true);
    assert.equal(
      await h.repo.read('src/v2/compat/newFunction.ts'),
      'export function newFunction(x: number, options: { version: number }) {\n  return x;\n}\n',
    );
    assert.deepEqual(
      h.toolResultsOfCall(1).map((result) => result.content),
      ['File created successfully at: src/v2/compat/newFunction.ts'],
    );
  });
});

describe('agent loop: deleting and moving', () => {
  it('deletes a file and renames one into a new folder', async () => {
    const h = await harness({
      [REPOSITORY]: [
        reply.tools(
          moveFile({ source: 'src/lib.ts', destination: 'src/v2/lib.ts' }),
          deleteFile({ path: 'README.md' }),
        ),
        reply.tools(edit.strReplace('src/app.ts', "from './lib'", "from './v2/lib'")),
        reply.text('Moved lib.ts to src/v2/ and removed the README.'),
      ],
    });
    assert.deepEqual(await h.run(), { ok: true, summary: 'Moved lib.ts to src/v2/ and removed the README.' });
    assert.deepEqual(
      h.toolResultsOfCall(1).map((result) => [result.content, result.is_error ?? false]),
      [
        ['File moved successfully from src/lib.ts to src/v2/lib.ts.', false],
        ['File deleted successfully: README.md', false],
      ],
    );
    assert.equal(await h.repo.read('src/v2/lib.ts'), FILES['src/lib.ts']);
    await assert.rejects(h.repo.read('src/lib.ts'));
    await assert.rejects(h.repo.read('README.md'));
    assert.match(h.hooks.lines.join('\n'), /tool move_file source="src\/lib\.ts" destination="src\/v2\/lib\.ts": ok/);
  });

  it('refuses ../, absolute paths, a symlink out of the checkout and .git, and touches nothing outside', async () => {
    const h = await harness({
      [REPOSITORY]: [
        reply.tools(
          deleteFile({ path: '../outside/secret.txt' }),
          deleteFile({ path: '/etc/passwd' }),
          deleteFile({ path: 'outside-link/secret.txt' }),
          deleteFile({ path: '.git', recursive: true }),
          moveFile({ source: 'src/app.ts', destination: '../outside/app.ts' }),
          moveFile({ source: 'outside-link/secret.txt', destination: 'secret.txt' }),
          moveFile({ source: 'src/app.ts', destination: 'outside-link/app.ts' }),
          moveFile({ source: 'src/app.ts', destination: '/tmp/app.ts' }),
          moveFile({ source: 'src/app.ts', destination: '.git/hooks/post-checkout' }),
          moveFile({ source: '.git/config', destination: 'config' }),
        ),
        reply.tools(deleteFile({ path: 'outside-link', recursive: true })),
        reply.text('Nothing to do.'),
      ],
    });
    await symlink(h.repo.outside, path.join(h.repo.checkout, 'outside-link'));
    const before = await h.repo.outsideSnapshot();

    assert.equal((await h.run()).ok, true);

    const refused = refusedResults(h.toolResultsOfCall(1), 10);
    assert.match(refused[0]!.content, /outside the repository/);
    assert.match(refused[1]!.content, /absolute paths are refused/);
    assert.match(refused[2]!.content, /symbolic link "outside-link"/);
    assert.match(refused[3]!.content, /\.git\//);
    assert.match(refused[6]!.content, /symbolic link "outside-link"/);
    assert.equal(
      h.toolResultsOfCall(2)[0]?.content,
      'Symbolic link deleted successfully: outside-link (what it pointed to is untouched)',
    );
    assert.deepEqual(await h.repo.outsideSnapshot(), before, 'the folder outside the checkout changed');
    assert.equal(await h.repo.read('src/app.ts'), FILES['src/app.ts']);
    await stat(path.join(h.repo.checkout, '.git/config'));
    await assert.rejects(stat(path.join(h.repo.checkout, '.git/hooks/post-checkout')));
  });
});

describe('agent loop: viewing', () => {
  it('views a folder (honouring .gitignore) and a line range of a file', async () => {
    const h = await harness({
      [REPOSITORY]: [
        reply.tools(
          edit.view('.'),
          edit.view('src'),
          edit.view('src/app.ts', [3, 5]),
          edit.view('src/app.ts', [4, -1]),
        ),
        reply.text('Looked around.'),
      ],
    });
    assert.equal((await h.run()).ok, true);
    const [root, src, range, toEnd] = h.toolResultsOfCall(1);
    assert.equal(
      root?.content,
      'Files and folders up to 2 levels deep in the repository root (files ignored by .gitignore are left out):\n.gitignore\nREADME.md\nsrc/\nsrc/app.ts\nsrc/lib.ts',
    );
    assert.ok(!root?.content.includes('dist'), 'dist/ is in .gitignore');
    assert.equal(
      src?.content,
      'Files and folders up to 2 levels deep in src/ (files ignored by .gitignore are left out):\nsrc/app.ts\nsrc/lib.ts',
    );
    assert.equal(range?.content, '3: export function main() {\n4:   return oldFunction(1);\n5: }');
    assert.equal(toEnd?.content, '4:   return oldFunction(1);\n5: }');
  });
});

describe('agent loop: paths stay inside the checkout', () => {
  it('refuses ../, absolute paths, symlinks to /etc and out of the checkout, and .git, and touches nothing outside', async () => {
    const files = { ...FILES };
    const h = await harness(
      {
        [REPOSITORY]: [
          reply.tools(
            edit.view('../../etc/passwd'),
            edit.view('/etc/passwd'),
            edit.view('etc-link/passwd'),
            edit.view('etc-link'),
            edit.create('../outside/pwned.txt', 'pwned'),
            edit.create('src/../../outside/pwned.txt', 'pwned'),
            edit.create('outside-link/pwned.txt', 'pwned'),
            edit.strReplace('outside-link/secret.txt', 'outside secret', 'pwned'),
            edit.insert('outside-link/secret.txt', 0, 'pwned'),
            edit.create('dangling', 'pwned'),
            edit.view('.git/config'),
            edit.create('.git/hooks/pre-commit', '#!/bin/sh\necho pwned\n'),
            listFiles({ path: '../outside' }),
            searchFiles({ pattern: 'secret', path: 'outside-link' }),
          ),
          reply.tools(searchFiles({ pattern: 'outside secret|root:x:0' }), listFiles()),
          reply.text('Nothing to do.'),
        ],
      },
      { files },
    );
    await symlink('/etc', path.join(h.repo.checkout, 'etc-link'));
    await symlink(h.repo.outside, path.join(h.repo.checkout, 'outside-link'));
    await symlink(
      path.join(h.repo.outside, 'created-through-dangling-link.txt'),
      path.join(h.repo.checkout, 'dangling'),
    );
    const before = await h.repo.outsideSnapshot();

    assert.equal((await h.run()).ok, true);

    const refused = refusedResults(h.toolResultsOfCall(1), 14);
    assert.match(refused[0]!.content, /outside the repository/);
    assert.match(refused[1]!.content, /absolute paths are refused/);
    assert.match(refused[2]!.content, /symbolic link "etc-link"/);
    assert.match(refused[6]!.content, /symbolic link "outside-link"/);
    assert.match(refused[9]!.content, /symbolic link to a path that does not exist/);
    assert.match(refused[10]!.content, /\.git\//);
    const [search, list] = h.toolResultsOfCall(2);
    assert.match(search!.content, /^No matches/);
    assert.ok(!list!.content.includes('secret.txt'));

    const everything = JSON.stringify([...refused, list]);
    assert.ok(!everything.includes('root:x:0'), `/etc/passwd was read: ${everything}`);
    assert.ok(!everything.includes('outside secret'), 'a file outside the checkout was read');
    assert.deepEqual(await h.repo.outsideSnapshot(), before, 'the folder outside the checkout changed');
    await assert.rejects(stat(path.join(h.repo.checkout, '.git/hooks/pre-commit')));
    assert.ok((await lstat(path.join(h.repo.checkout, 'dangling'))).isSymbolicLink());
  });

  it("refuses a symbolic link that appeared after Claude's own edit (a script the verify command ran)", async () => {
    const h = await harness({
      [REPOSITORY]: [
        reply.tools(
          edit.create('scripts/link.sh', 'ln -s ../outside escape\nln -s ../outside/secret.txt secret-link\n'),
        ),
        reply.text('Added scripts/link.sh.'),
        reply.tools(
          edit.view('escape'),
          edit.create('escape/pwned.txt', 'pwned'),
          edit.view('secret-link'),
          edit.strReplace('secret-link', 'outside secret', 'pwned'),
          edit.create('secret-link', 'pwned'),
          searchFiles({ pattern: 'outside secret' }),
        ),
        reply.text('Could not write there.'),
      ],
    });
    const before = await h.repo.outsideSnapshot();
    assert.equal((await h.run()).ok, true);
    // The worker's verify command runs the repository's scripts, including the one Claude wrote.
    execFileSync('sh', ['scripts/link.sh'], { cwd: h.repo.checkout });
    assert.ok((await lstat(path.join(h.repo.checkout, 'escape'))).isSymbolicLink());

    assert.equal((await h.run('The verify command failed:\n...\nFix it.')).ok, true);
    const results = h.toolResultsOfCall(3);
    assert.equal(results.length, 6);
    for (const result of results.slice(0, 5)) {
      assert.equal(result.is_error, true, result.content);
      assert.match(result.content, /leads outside the repository through the symbolic link/);
    }
    assert.match(results[5]!.content, /^No matches/);
    assert.deepEqual(await h.repo.outsideSnapshot(), before);
  });
});

describe('agent loop: a search that runs away', () => {
  it('stops a catastrophic pattern with an error result, keeps beating, and goes on with the conversation', async () => {
    const h = await harness(
      {
        [REPOSITORY]: [
          reply.tools(searchFiles({ pattern: '(a+)+$' })),
          (conversation) => {
            assert.match(JSON.stringify(conversation.request.messages.at(-1)), /the pattern took too long/);
            return reply.tools(searchFiles({ pattern: 'oldFunction\\(', glob: '*.ts' }));
          },
          reply.text('Searched with a simpler pattern.'),
        ],
      },
      { files: { ...FILES, 'data/long.txt': `${'a'.repeat(3000)}b\n` }, limits: { searchTimeLimitMs: 1000 } },
    );
    let beats = 0;
    const heartbeat = setInterval(() => beats++, 20);
    const result = await h.run().finally(() => clearInterval(heartbeat));

    assert.deepEqual(result, { ok: true, summary: 'Searched with a simpler pattern.' });
    const [stopped] = h.toolResultsOfCall(1);
    assert.equal(stopped?.is_error, true);
    assert.match(
      stopped!.content,
      /^Error: the search was stopped after 1 s: the pattern took too long\..*simplify the pattern, or narrow the search with path or glob\.$/,
    );
    const [found] = h.toolResultsOfCall(2);
    assert.equal(
      found?.content,
      'src/app.ts:4:  return oldFunction(1);\nsrc/lib.ts:1:export function oldFunction(x: number) {',
    );
    assert.ok(beats > 0, "timers (the worker's heartbeat) ran during the search");
  });
});

describe('agent loop: API errors and retries', () => {
  it('retries a 429 through the SDK and goes on', async () => {
    const h = await harness({ [REPOSITORY]: [reply.error(429), reply.text('Done after a retry.')] });
    assert.deepEqual(await h.run(), { ok: true, summary: 'Done after a retry.' });
    assert.deepEqual(
      h.fake.requestsOf(REPOSITORY).map((request) => request.status),
      [429, 200],
    );
    assert.equal(h.hooks.usages.length, 1, 'a failed attempt costs nothing');
  });

  it('fails with CLAUDE_OVERLOADED when 529 outlasts the retries', async () => {
    const h = await harness({ [REPOSITORY]: () => reply.error(529, { message: 'Overloaded' }) }, { maxRetries: 2 });
    const result = await h.run();
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.code, 'CLAUDE_OVERLOADED');
    assert.match(!result.ok ? result.message : '', /overloaded \(529\).*Overloaded/);
    assert.equal(h.fake.requestsOf(REPOSITORY).length, 3, 'one call and two SDK retries');
    assert.ok(!JSON.stringify(result).includes(TEST_API_KEY));
  });

  it('fails with CLAUDE_RATE_LIMITED when 429 outlasts the retries, and CLAUDE_ERROR on other API errors', async () => {
    const limited = await harness({ [REPOSITORY]: () => reply.error(429) }, { maxRetries: 1 });
    const first = await limited.run();
    assert.equal(!first.ok && first.code, 'CLAUDE_RATE_LIMITED');
    assert.equal(limited.fake.requestsOf(REPOSITORY).length, 2);

    const broken = await harness({ [REPOSITORY]: [reply.error(400, { message: 'messages: bad thing' })] });
    const second = await broken.run();
    assert.deepEqual(second, {
      ok: false,
      code: 'CLAUDE_ERROR',
      message: 'Claude API error 400 (invalid_request_error: messages: bad thing).',
    });
    assert.equal(broken.fake.requestsOf(REPOSITORY).length, 1, '4xx errors are not retried');
  });

  it('keeps the API key and the GitHub token out of the thread, the log and error messages', async () => {
    // A wrong key: the fake answers 401. The message names the problem, not the key.
    const fake = await startFakeAnthropic({ script: [reply.text('never')], apiKey: 'sk-ant-the-right-one-0000000000' });
    const repo = await makeCheckout(FILES);
    try {
      const hooks = recordingHooks();
      const session = new AgentSession({
        client: createClaudeClient({ ANTHROPIC_API_KEY: TEST_API_KEY, ANTHROPIC_BASE_URL: fake.url }),
        model: MODEL,
        system: buildSystemPrompt(JOB),
        checkoutDir: repo.checkout,
        limits: { ...DEFAULT_AGENT_LIMITS, deadline: Date.now() + 60_000 },
        hooks,
        secrets: [TEST_GITHUB_TOKEN],
      });
      // The token could reach a message through verify output; it is redacted on the way in.
      const result = await session.run(
        `${firstUserMessage(REPOSITORY)}\nVerify output: remote: https://x-access-token:${TEST_GITHUB_TOKEN}@github.com`,
      );
      assert.equal(!result.ok && result.code, 'CLAUDE_ERROR');
      assert.match(!result.ok ? result.message : '', /refused the credentials \(401/);
      const written =
        JSON.stringify(result) +
        JSON.stringify(hooks.threads) +
        hooks.lines.join('\n') +
        JSON.stringify(fake.requests.map((r) => r.body));
      assert.ok(!written.includes(TEST_API_KEY));
      assert.ok(!written.includes(TEST_GITHUB_TOKEN));
      assert.match(JSON.stringify(hooks.threads.at(-1)), /x-access-token:\[REDACTED\]@github\.com/);
    } finally {
      await fake.close();
      await repo.dispose();
    }
  });
});

describe('agent loop: stop reasons', () => {
  it('continues after max_tokens cut off the text', async () => {
    const h = await harness({ [REPOSITORY]: [reply.maxTokens('I replaced the call and'), reply.text('Done.')] });
    assert.deepEqual(await h.run(), { ok: true, summary: 'Done.' });
    const second = h.fake.requestsOf(REPOSITORY)[1]!.body.messages;
    assert.deepEqual(second.at(-2)?.content, [{ type: 'text', text: 'I replaced the call and' }]);
    assert.match(
      JSON.stringify(second.at(-1)?.content),
      /cut off at the output limit of 4096 tokens\. Continue exactly where you stopped/,
    );
  });

  it('never runs a tool call cut off by max_tokens, runs the complete ones, and asks for the rest again', async () => {
    const complete = edit.create('small.txt', 'small\n');
    const cut = edit.create('big.txt', 'a very long file that was cut o');
    const h = await harness({
      [REPOSITORY]: [
        reply.stop('max_tokens', [
          { type: 'text', text: 'Creating two files.' },
          { type: 'tool_use', id: 'toolu_complete', name: complete.name, input: complete.input },
          { type: 'tool_use', id: 'toolu_cut', name: cut.name, input: cut.input },
        ]),
        reply.tools(edit.create('big.txt', 'part 1\n')),
        reply.text('Created small.txt and big.txt.'),
      ],
    });
    assert.equal((await h.run()).ok, true);
    assert.equal(await h.repo.read('small.txt'), 'small\n');
    assert.equal(await h.repo.read('big.txt'), 'part 1\n', 'only the re-sent call wrote big.txt');
    // The API accepted the history: the cut-off call is gone from it, the complete one is answered.
    const second = h.fake.requestsOf(REPOSITORY)[1]!;
    assert.equal(second.status, 200);
    const assistant = second.body.messages.at(-2)!;
    assert.deepEqual(
      (assistant.content as Array<{ type: string; id?: string }>).map((block) => block.id ?? block.type),
      ['text', 'toolu_complete'],
    );
    const followUp = second.body.messages.at(-1)!.content as Array<Record<string, unknown>>;
    assert.equal(followUp[0]?.tool_use_id, 'toolu_complete');
    assert.match(
      String(followUp[1]?.text),
      /while you were writing a str_replace_based_edit_tool call, so that call was not run/,
    );
    // The thread records what was cut off.
    const recorded = assistantMessages(h.thread())[0]!;
    assert.equal(recorded.stopReason, 'max_tokens');
    assert.deepEqual(recorded.cutOffToolUse, { name: cut.name, input: cut.input });
  });

  it('gives up with TOKEN_LIMIT when replies keep hitting max_tokens', async () => {
    const h = await harness({ [REPOSITORY]: () => reply.maxTokens('and so on and so on') });
    const result = await h.run();
    assert.equal(!result.ok && result.code, 'TOKEN_LIMIT');
    assert.equal(h.fake.requestsOf(REPOSITORY).length, 4);
  });

  it('sends a pause_turn reply back as it is to continue', async () => {
    const h = await harness({ [REPOSITORY]: [reply.pauseTurn('Still thinking'), reply.text('Done.')] });
    assert.deepEqual(await h.run(), { ok: true, summary: 'Done.' });
    const second = h.fake.requestsOf(REPOSITORY)[1]!.body.messages;
    assert.equal(second.at(-1)?.role, 'assistant');
    assert.deepEqual(
      (second.at(-1)!.content as Array<{ text?: string }>).map((block) => block.text),
      ['Still thinking'],
    );
  });

  it('fails with CLAUDE_REFUSAL on refusal, and CLAUDE_ERROR on a stop_reason it does not know', async () => {
    const refused = await harness({ [REPOSITORY]: [reply.refusal('I cannot help with that.')] });
    const first = await refused.run();
    assert.equal(!first.ok && first.code, 'CLAUDE_REFUSAL');
    assert.match(!first.ok ? first.message : '', /I cannot help with that/);

    const odd = await harness({ [REPOSITORY]: [reply.stop('something_new', [{ type: 'text', text: '?' }])] });
    const second = await odd.run();
    assert.equal(!second.ok && second.code, 'CLAUDE_ERROR');
    assert.match(!second.ok ? second.message : '', /unexpected stop_reason "something_new"/);
  });
});

describe('agent loop: limits and stops', () => {
  it('stops with TURN_LIMIT after maxTurns model calls', async () => {
    const h = await harness({ [REPOSITORY]: () => reply.tools(listFiles()) }, { limits: { maxTurns: 3 } });
    const result = await h.run();
    assert.equal(!result.ok && result.code, 'TURN_LIMIT');
    assert.match(!result.ok ? result.message : '', /limit of 3 turns/);
    assert.equal(h.fake.requestsOf(REPOSITORY).length, 3);
    assert.equal(assistantMessages(h.thread()).length, 3);
    assert.equal(h.thread().messages.at(-1)?.role, 'user', 'the last tool results are saved too');
  });

  it('stops with TOKEN_LIMIT once the repository has used its token budget', async () => {
    const h = await harness({ [REPOSITORY]: () => reply.tools(listFiles()) }, { limits: { maxTotalTokens: 1 } });
    const result = await h.run();
    assert.equal(!result.ok && result.code, 'TOKEN_LIMIT');
    assert.equal(h.fake.requestsOf(REPOSITORY).length, 1);
  });

  it('stops with TIME_LIMIT at the deadline, also during a slow call', async () => {
    const late = await harness({ [REPOSITORY]: [reply.text('never')] }, { limits: { deadline: Date.now() - 1 } });
    const first = await late.run();
    assert.equal(!first.ok && first.code, 'TIME_LIMIT');
    assert.equal(late.fake.requests.length, 0);

    const slow = await harness(
      { [REPOSITORY]: [reply.slow(60_000, reply.text('too late'))] },
      { limits: { deadline: Date.now() + 300 } },
    );
    const second = await slow.run();
    assert.equal(!second.ok && second.code, 'TIME_LIMIT');
  });

  it('stops between tool calls when checkpoint says so (a cancel), and answers the calls it did not run', async () => {
    const h = await harness({
      [REPOSITORY]: [
        reply.tools(edit.create('first.txt', '1\n'), edit.create('second.txt', '2\n')),
        reply.text('never'),
      ],
    });
    // Checkpoints: 1 before the call, 2 before first.txt, 3 before second.txt.
    h.hooks.stop = (count) => (count >= 3 ? { code: 'CANCELLED', message: 'The job was cancelled.' } : undefined);
    const result = await h.run();
    assert.deepEqual(result, { ok: false, code: 'CANCELLED', message: 'The job was cancelled.' });
    assert.equal(await h.repo.read('first.txt'), '1\n');
    await assert.rejects(h.repo.read('second.txt'));
    assert.equal(h.fake.requests.length, 1, 'no call after the stop');
    const last = h.thread().messages.at(-1)!;
    assert.equal(last.role, 'user');
    const results = last.content as Array<Record<string, unknown>>;
    assert.deepEqual(
      results.map((block) => [block.content, block.is_error ?? false]),
      [
        ['File created successfully at: first.txt', false],
        ['Not run: The job was cancelled.', true],
      ],
    );
  });

  it("aborts a call in flight through the signal, ending with the checkpoint's stop", async () => {
    const controller = new AbortController();
    const h = await harness(
      { [REPOSITORY]: [reply.slow(60_000, reply.text('too late'))] },
      { signal: controller.signal },
    );
    h.hooks.stop = () =>
      controller.signal.aborted ? { code: 'CANCELLED', message: 'Cancelled by the user.' } : undefined;
    setTimeout(() => controller.abort(), 100);
    assert.deepEqual(await h.run(), { ok: false, code: 'CANCELLED', message: 'Cancelled by the user.' });
  });
});

describe('agent loop: prompt caching', () => {
  it('puts cache_control on the last tool, the system prompt and the moving message prefix, never more than 4', async () => {
    const h = await harness({
      [REPOSITORY]: [
        reply.tools(searchFiles({ pattern: 'oldFunction\\(' })),
        reply.tools(edit.view('src/app.ts'), edit.view('src/lib.ts')),
        reply.tools(edit.strReplace('src/app.ts', 'oldFunction(1)', 'newFunction(1, { version: 2 })')),
        reply.text('Done.'),
      ],
    });
    assert.equal((await h.run()).ok, true);
    const requests = h.fake.requestsOf(REPOSITORY);
    assert.equal(requests.length, 4);
    const marked = (block: unknown) => Boolean((block as { cache_control?: unknown }).cache_control);
    for (const [index, { body, cache }] of requests.entries()) {
      assert.ok(cache!.breakpoints <= 4);
      assert.equal(cache!.breakpoints, index === 0 ? 3 : 4);
      const tools = body.tools!;
      assert.deepEqual(
        tools.map((tool) => tool.name),
        ['str_replace_based_edit_tool', 'move_file', 'delete_file', 'list_files', 'search_files'],
      );
      assert.deepEqual(tools.map(marked), [false, false, false, false, true], 'only the last tool');
      assert.ok(Array.isArray(body.system) && marked(body.system.at(-1)));
      const lastMessage = body.messages.at(-1)!;
      const lastBlocks = lastMessage.content as unknown[];
      assert.ok(marked(lastBlocks.at(-1)), 'the last block of the latest message');
      if (index > 0) {
        const previousUser = body.messages.at(-3)!;
        assert.equal(previousUser.role, 'user');
        assert.ok(marked((previousUser.content as unknown[]).at(-1)), "where the previous request's breakpoint was");
      }
      // Every request after the first reads the previous request's prefix from the cache.
      if (index > 0) {
        const previous = requests[index - 1]!.cache!;
        assert.ok(
          cache!.cachedBytes >= previous.totalBytes,
          `request ${index} reads the whole previous request from the cache`,
        );
      }
    }
    // The thread keeps no cache_control of its own.
    assert.ok(!JSON.stringify(h.thread()).includes('cache_control'));
  });

  it('shares the tools and system prompt prefix across the repositories of a job', async () => {
    const fake = await startFakeAnthropic({
      script: { 'acme/one': [reply.text('One done.')], 'acme/two': [reply.text('Two done.')] },
      apiKey: TEST_API_KEY,
    });
    const repo = await makeCheckout(FILES);
    try {
      const client = createClaudeClient({ ANTHROPIC_API_KEY: TEST_API_KEY, ANTHROPIC_BASE_URL: fake.url });
      for (const name of ['acme/one', 'acme/two']) {
        const session = new AgentSession({
          client,
          model: MODEL,
          system: buildSystemPrompt(JOB),
          checkoutDir: repo.checkout,
          limits: { ...DEFAULT_AGENT_LIMITS, deadline: Date.now() + 60_000 },
          hooks: recordingHooks(),
        });
        assert.equal((await session.run(firstUserMessage(name))).ok, true);
      }
      const [one, two] = [fake.requestsOf('acme/one')[0]!, fake.requestsOf('acme/two')[0]!];
      assert.equal(one.cache!.cachedTokens, 0);
      const sharedBytes = Buffer.byteLength(JSON.stringify(two.body.tools)) + Buffer.byteLength(buildSystemPrompt(JOB));
      assert.ok(
        two.cache!.cachedBytes >= sharedBytes,
        'the second repository reads tools and system prompt from the cache',
      );
      assert.ok(two.usage!.cache_read_input_tokens > 0);
    } finally {
      await fake.close();
      await repo.dispose();
    }
  });
});

describe('agent loop: sessions', () => {
  it('runs again on the same session (the verify loop) with the whole conversation so far', async () => {
    const h = await harness({
      [REPOSITORY]: [
        reply.tools(edit.strReplace('src/app.ts', 'oldFunction(1)', 'newFunction(1)')),
        reply.text('First try.'),
        (conversation) => {
          assert.match(conversation.lastUserText(), /npm test failed: newFunction expects 2 arguments/);
          assert.equal(conversation.request.messages.length, 5);
          return reply.tools(edit.strReplace('src/app.ts', 'newFunction(1)', 'newFunction(1, { version: 2 })'));
        },
        reply.text('Passed the options argument too.'),
      ],
    });
    assert.deepEqual(await h.run(), { ok: true, summary: 'First try.' });
    assert.deepEqual(await h.run('npm test failed: newFunction expects 2 arguments'), {
      ok: true,
      summary: 'Passed the options argument too.',
    });
    assert.match(await h.repo.read('src/app.ts'), /return newFunction\(1, \{ version: 2 \}\);/);
    assert.equal(h.session.turns, 4);
    assert.equal(assistantMessages(h.thread()).length, 4);
  });

  it('keeps concurrent conversations apart by their repository', async () => {
    const fake = await startFakeAnthropic({
      script: {
        'acme/one': [reply.tools(edit.create('who.txt', 'one\n')), reply.slow(50, reply.text('Wrote one.'))],
        'acme/two': [reply.slow(50, reply.tools(edit.create('who.txt', 'two\n'))), reply.text('Wrote two.')],
      },
      apiKey: TEST_API_KEY,
    });
    const repos = [await makeCheckout(FILES), await makeCheckout(FILES)];
    try {
      const client = createClaudeClient({ ANTHROPIC_API_KEY: TEST_API_KEY, ANTHROPIC_BASE_URL: fake.url });
      const results = await Promise.all(
        ['acme/one', 'acme/two'].map((name, index) =>
          new AgentSession({
            client,
            model: MODEL,
            system: buildSystemPrompt(JOB),
            checkoutDir: repos[index]!.checkout,
            limits: { ...DEFAULT_AGENT_LIMITS, deadline: Date.now() + 60_000 },
            hooks: recordingHooks(),
          }).run(firstUserMessage(name)),
        ),
      );
      assert.deepEqual(results, [
        { ok: true, summary: 'Wrote one.' },
        { ok: true, summary: 'Wrote two.' },
      ]);
      assert.equal(await repos[0]!.read('who.txt'), 'one\n');
      assert.equal(await repos[1]!.read('who.txt'), 'two\n');
    } finally {
      await fake.close();
      for (const repo of repos) await repo.dispose();
    }
  });
});
