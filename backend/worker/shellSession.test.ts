import assert from 'node:assert/strict';
import { realpath } from 'node:fs/promises';
import { bash, reply, startFakeAnthropic, type FakeAnthropic, type FakeScript } from '../../test/fakes/anthropicServer';
import {
  makeCheckout,
  recordingHooks,
  TEST_API_KEY,
  TEST_GITHUB_TOKEN,
  type RecordingHooks,
  type TestCheckout,
} from '../../test/helpers/agent';
import { isRunning, stopRunning } from '../../test/helpers/processes';
import {
  AgentSession,
  buildSystemPrompt,
  createClaudeClient,
  DEFAULT_AGENT_LIMITS,
  firstUserMessage,
  type AgentLimits,
  type AgentResult,
} from './agent';
import { commandEnvironment } from './environment';
import { newRunMarker } from './runProcesses';
import { ShellSession } from './shellSession';

// Claude's bash tool in the agent loop: the real SDK against the loopback Anthropic server, a real
// bash in a real checkout, real processes killed for real.

const REPOSITORY = 'acme/widgets';
const JOB = { name: 'Fix the tests', description: '', prompt: 'Make npm test pass.' };

interface Harness {
  fake: FakeAnthropic;
  repo: TestCheckout;
  hooks: RecordingHooks;
  shell?: ShellSession;
  run(): Promise<AgentResult>;
  /** The tool results the fake received in call `call`, as text. */
  results(call: number): Array<{ content: string; is_error?: boolean }>;
}

const harnesses: Harness[] = [];

async function harness(
  script: FakeScript,
  options: { commands?: boolean; limits?: Partial<AgentLimits>; signal?: AbortSignal } = {},
): Promise<Harness> {
  const fake = await startFakeAnthropic({ script, apiKey: TEST_API_KEY });
  const repo = await makeCheckout({ 'README.md': '# widgets\n' });
  const hooks = recordingHooks();
  const shell =
    options.commands === false
      ? undefined
      : new ShellSession({ cwd: repo.checkout, env: commandEnvironment(process.env), runMarker: newRunMarker() });
  const session = new AgentSession({
    client: createClaudeClient({ ANTHROPIC_API_KEY: TEST_API_KEY, ANTHROPIC_BASE_URL: fake.url }, { maxRetries: 0 }),
    model: 'claude-sonnet-5-5',
    system: buildSystemPrompt({ ...JOB, allowCommands: shell !== undefined }),
    checkoutDir: repo.checkout,
    limits: { ...DEFAULT_AGENT_LIMITS, maxOutputTokens: 4096, deadline: Date.now() + 60_000, ...options.limits },
    hooks,
    secrets: [TEST_GITHUB_TOKEN],
    shell,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const h: Harness = {
    fake,
    repo,
    hooks,
    shell,
    run: () => session.run(firstUserMessage(REPOSITORY)),
    results(call) {
      const request = fake.requestsOf(REPOSITORY)[call];
      assert.ok(request, `no request ${call}`);
      return (request.body.messages.at(-1)!.content as Array<Record<string, unknown>>)
        .filter((block) => block.type === 'tool_result')
        .map((block) => ({ content: String(block.content), ...(block.is_error ? { is_error: true } : {}) }));
    },
  };
  harnesses.push(h);
  return h;
}

afterEach(async () => {
  for (const h of harnesses.splice(0)) {
    await h.shell?.dispose();
    await h.fake.close();
    await h.repo.dispose();
    const written = JSON.stringify(h.hooks.threads) + h.hooks.lines.join('\n') + h.hooks.outputs.join('');
    assert.ok(!written.includes(TEST_GITHUB_TOKEN), 'the GitHub token leaked into a thread or the log');
  }
});

const alive = isRunning;

/** The numbers printed as `pid=<n>` in a text. */
function pids(text: string): number[] {
  return [...text.matchAll(/pid=(\d+)/g)].map((match) => Number(match[1]));
}

describe('bash tool (allowCommands)', function () {
  this.timeout(30_000);

  it('runs commands in one persistent session at the checkout; restart starts a new one', async () => {
    const h = await harness([
      reply.tools(bash.run('pwd; export GREETING=hello; mkdir -p sub; cd sub')),
      reply.tools(bash.run('pwd; echo "greeting=$GREETING"; exit_code_test() { return 3; }; exit_code_test')),
      reply.tools(bash.restart()),
      reply.tools(bash.run('pwd; echo "greeting=$GREETING"')),
      reply.text('Done.'),
    ]);
    assert.deepEqual(await h.run(), { ok: true, summary: 'Done.' });
    const root = await realpath(h.repo.checkout);
    assert.equal(
      h.results(1)[0]!.content,
      `[A new bash session was started at the repository root.]\n${root}\nexit code: 0`,
    );
    assert.equal(h.results(2)[0]!.content, `${root}/sub\ngreeting=hello\nexit code: 3`);
    assert.match(h.results(3)[0]!.content, /^The bash session was restarted/);
    assert.equal(
      h.results(4)[0]!.content,
      `[A new bash session was started at the repository root.]\n${root}\ngreeting=\nexit code: 0`,
    );
    assert.equal(h.shell!.shellsStarted, 2);
    // The request carried Anthropic's bash tool, and the system prompt says how to use it.
    const request = h.fake.requestsOf(REPOSITORY)[0]!.body;
    assert.deepEqual(
      (request.tools as Array<Record<string, unknown>>).map((tool) => tool.type ?? tool.name).at(-1),
      'bash_20250124',
    );
    assert.match(JSON.stringify(request.system), /`bash` runs shell commands in one persistent session/);
    // The log has each command, and its output as the thread has it.
    assert.ok(h.hooks.lines.includes('tool bash $ pwd; echo "greeting=$GREETING"'));
    assert.ok(h.hooks.outputs.some((text) => text.includes('greeting=hello\nexit code: 3')));
  });

  it('sends no bash tool and refuses bash calls when the job does not allow commands', async () => {
    const h = await harness([reply.tools(bash.run('touch made-by-bash')), reply.text('Could not.')], {
      commands: false,
    });
    assert.deepEqual(await h.run(), { ok: true, summary: 'Could not.' });
    const request = h.fake.requestsOf(REPOSITORY)[0]!.body;
    const tools = (request.tools as Array<Record<string, unknown>>).map((tool) => tool.name);
    assert.deepEqual(tools, ['str_replace_based_edit_tool', 'move_file', 'delete_file', 'list_files', 'search_files']);
    assert.match(JSON.stringify(request.system), /There is no shell/);
    assert.deepEqual(h.results(1), [
      {
        content:
          'Error: there is no tool named "bash". Use str_replace_based_edit_tool, move_file, delete_file, list_files or search_files.',
        is_error: true,
      },
    ]);
    await assert.rejects(h.repo.read('made-by-bash'));
  });

  it('cuts 10 MB of output to its last 30,000 characters, with a note, and the thread stays small', async () => {
    const h = await harness([
      reply.tools(bash.run("head -c 10485760 /dev/zero | tr '\\0' x; echo; echo the-last-line")),
      reply.text('Printed.'),
    ]);
    assert.deepEqual(await h.run(), { ok: true, summary: 'Printed.' });
    const [result] = h.results(1);
    const lines = result!.content.split('\n');
    assert.deepEqual(
      [lines[0], lines[1], lines.slice(2, -2).join('').replace(/x+/, 'x…'), ...lines.slice(-2)],
      [
        '[A new bash session was started at the repository root.]',
        '[Output cut: only the last 30,000 of 10,485,775 characters are shown.]',
        'x…',
        'the-last-line',
        'exit code: 0',
      ],
    );
    assert.ok(result!.content.length < 31_000, `${result!.content.length} characters`);
    assert.ok(JSON.stringify(h.hooks.threads.at(-1)).length < 40_000);
    assert.ok(h.hooks.outputs.join('').length < 31_000);
  });

  it('kills a command past its time limit with its process group; the next call starts a new session', async () => {
    const h = await harness(
      [
        reply.tools(bash.run("sh -c 'echo pid=$$; exec sleep 30'")),
        reply.tools(bash.run('echo still here')),
        reply.text('Gave up on the slow command.'),
      ],
      { limits: { commandTimeLimitMs: 1_500 } },
    );
    assert.deepEqual(await h.run(), { ok: true, summary: 'Gave up on the slow command.' });
    const [killed] = h.results(1);
    assert.equal(killed!.is_error, true);
    assert.match(killed!.content, /pid=\d+\nError: the command was still running after 2 s, so the session was killed/);
    const [sleeper] = pids(killed!.content);
    assert.ok(await stopRunning([sleeper!]), 'the sleeping command is gone');
    assert.match(
      h.results(2)[0]!.content,
      /^\[A new bash session was started at the repository root\.\]\nstill here\nexit code: 0$/,
    );
  });

  it("counts a command's time against the run's wall time: it is killed at the deadline and the run stops", async () => {
    const h = await harness([reply.tools(bash.run("sh -c 'echo pid=$$; exec sleep 30'")), reply.text('never asked')], {
      limits: { deadline: Date.now() + 2_500 },
    });
    const result = await h.run();
    assert.equal(result.ok, false);
    assert.equal((result as { code: string }).code, 'TIME_LIMIT');
    const text = JSON.stringify(h.hooks.threads.at(-1)!.messages.at(-1)!.content);
    assert.match(text, /the command was still running after \d s, so the session was killed/);
    assert.ok(await stopRunning([pids(text)[0]!]), 'the command is gone');
    assert.equal(h.fake.requestsOf(REPOSITORY).length, 1, 'no model call past the deadline');
  });

  it('lets background processes run between calls, and leaves none once the run ends, in its group or not', async () => {
    const h = await harness([
      reply.tools(bash.run('sleep 300 & echo pid=$!; setsid sleep 301 >/dev/null 2>&1 & echo pid=$!')),
      reply.tools(bash.run('echo next')),
      reply.text('Started two sleepers.'),
    ]);
    assert.deepEqual(await h.run(), { ok: true, summary: 'Started two sleepers.' });
    const started = pids(h.results(1)[0]!.content);
    assert.equal(started.length, 2);
    assert.deepEqual(started.map(alive), [true, true], 'alive between calls, as in a terminal');
    await h.shell!.dispose();
    assert.ok(await stopRunning(started), 'gone once the run ends');
  });

  it('kills the running command at once on a cancel', async () => {
    const controller = new AbortController();
    const h = await harness([reply.tools(bash.run("sh -c 'echo pid=$$; exec sleep 30'")), reply.text('never asked')], {
      signal: controller.signal,
    });
    h.hooks.stop = () =>
      controller.signal.aborted ? { code: 'CANCELLED', message: 'The job was cancelled' } : undefined;
    const running = h.run();
    // Cancel once the command has printed its pid.
    while (!h.hooks.threads.some((thread) => thread.messages.length >= 2)) await new Promise((r) => setTimeout(r, 20));
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort();
    const result = await running;
    assert.equal(result.ok, false);
    assert.equal((result as { code: string }).code, 'CANCELLED');
    const thread = h.hooks.threads.at(-1)!;
    const text = JSON.stringify(thread.messages.at(-1)!.content);
    assert.match(text, /The command was stopped by a cancel/);
    const [sleeper] = pids(text);
    assert.ok(sleeper !== undefined);
    assert.ok(await stopRunning([sleeper]), 'the command is gone');
    assert.equal(h.fake.requestsOf(REPOSITORY).length, 1, 'no model call after the cancel');
  });

  it('keeps secrets a command prints out of the thread and the log', async () => {
    const h = await harness([reply.tools(bash.run(`echo "token: ${TEST_GITHUB_TOKEN}"`)), reply.text('Echoed.')]);
    assert.deepEqual(await h.run(), { ok: true, summary: 'Echoed.' });
    assert.doesNotMatch(h.results(1)[0]!.content, /Zy9Xw8Vu7/);
    assert.match(h.results(1)[0]!.content, /\ntoken: \S+\nexit code: 0$/);
  });
});
