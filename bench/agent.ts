import { estimateCostUsd } from '../backend/worker/agent/pricing';
import {
  AgentSession,
  buildSystemPrompt,
  createClaudeClient,
  DEFAULT_AGENT_LIMITS,
  firstUserMessage,
} from '../backend/worker/agent';
import { commandEnvironment } from '../backend/worker/environment';
import { readRepositoryInstructions } from '../backend/worker/agent';
import { newRunMarker } from '../backend/worker/runProcesses';
import { ShellSession } from '../backend/worker/shellSession';
import {
  bash,
  edit,
  listFiles,
  reply,
  searchFiles,
  startFakeAnthropic,
  type FakeRequestRecord,
} from '../test/fakes/anthropicServer';
import { makeCheckout, recordingHooks } from '../test/helpers/agent';

// `npm run bench -- agent`: a scripted 10-turn session against the loopback Anthropic server, then
// the first turn of a second repository of the same job. For each request: its size, the part at
// or before a cache_control breakpoint already sent in an earlier request (what Anthropic would
// serve from its cache), and the share of the input that is. Baseline, in the same run: the same
// tokens with no caching at all, priced with the default model's rates.

const MODEL = 'claude-sonnet-5-5';
const KEY = 'sk-ant-bench-not-a-real-key-0000000000';
/** The API's minimum cacheable prefix for Sonnet models; shorter prefixes are not cached. */
const MIN_CACHEABLE_TOKENS = 1024;

const JOB = {
  name: 'Migrate to the v2 client',
  description: 'Every service moves from oldFunction to newFunction with the v2 options.',
  prompt:
    'Replace every call oldFunction(x) with newFunction(x, { version: 2 }). Update the imports accordingly, keep behaviour identical, and update the README section that documents the call.',
};

function serviceFile(index: number): string {
  const lines = [`import { oldFunction } from '../lib/client';`, `import type { Request } from '../lib/types';`, ''];
  for (let fn = 0; fn < 12; fn++) {
    lines.push(`/** Handles step ${fn} of service ${index}. */`);
    lines.push(`export function step${fn}(request: Request): number {`);
    lines.push(`  const value = request.values[${fn}] ?? 0;`);
    lines.push(fn % 4 === 0 ? `  return oldFunction(value + ${fn});` : `  return value * ${fn + 1};`);
    lines.push('}', '');
  }
  return lines.join('\n');
}

function files(): Record<string, string> {
  const result: Record<string, string> = {
    'README.md': '# Services\n\nCall `oldFunction(x)` to reach the backend.\n',
    'src/lib/client.ts':
      'export function oldFunction(x: number): number {\n  return x;\n}\n\nexport function newFunction(x: number, options: { version: number }): number {\n  return options.version === 2 ? x : -x;\n}\n',
    'src/lib/types.ts': 'export interface Request {\n  values: number[];\n}\n',
    'package.json': '{\n  "name": "services",\n  "version": "1.0.0"\n}\n',
  };
  for (let index = 0; index < 20; index++) result[`src/services/service${index}.ts`] = serviceFile(index);
  return result;
}

const replaceCall = (file: string, fn: number) =>
  edit.strReplace(file, `  return oldFunction(value + ${fn});`, `  return newFunction(value + ${fn}, { version: 2 });`);

/** Ten model calls: search, views, edits in parallel, a listing, the summary. */
const SCRIPT = [
  reply.tools({ text: 'Let me find the calls.' }, searchFiles({ pattern: 'oldFunction\\(', glob: '*.ts' })),
  reply.tools(edit.view('src/services/service0.ts', [1, 30])),
  reply.tools(edit.view('src/lib/client.ts')),
  reply.tools(
    replaceCall('src/services/service0.ts', 0),
    replaceCall('src/services/service0.ts', 4),
    replaceCall('src/services/service0.ts', 8),
  ),
  reply.tools(
    edit.strReplace(
      'src/services/service0.ts',
      "import { oldFunction } from '../lib/client';",
      "import { newFunction } from '../lib/client';",
    ),
  ),
  reply.tools(
    replaceCall('src/services/service1.ts', 0),
    replaceCall('src/services/service1.ts', 4),
    replaceCall('src/services/service1.ts', 8),
  ),
  reply.tools(
    edit.strReplace(
      'src/services/service1.ts',
      "import { oldFunction } from '../lib/client';",
      "import { newFunction } from '../lib/client';",
    ),
  ),
  reply.tools(edit.view('README.md')),
  reply.tools(
    edit.strReplace('README.md', 'Call `oldFunction(x)`', 'Call `newFunction(x, { version: 2 })`'),
    listFiles({ path: 'src/services' }),
  ),
  reply.text(
    'Replaced oldFunction with newFunction(x, { version: 2 }) in service0 and service1 and updated their imports and the README.',
  ),
];

function row(cells: Array<string | number>, widths: number[]): string {
  return cells.map((cell, index) => String(cell).padStart(widths[index] ?? 8)).join('  ');
}

export async function main(): Promise<void> {
  const fake = await startFakeAnthropic({
    script: { 'acme/services-a': SCRIPT, 'acme/services-b': [reply.text('Nothing to change.')] },
    apiKey: KEY,
    minCacheableTokens: MIN_CACHEABLE_TOKENS,
  });
  const repo = await makeCheckout(files());
  try {
    const client = createClaudeClient({ ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: fake.url });
    const system = buildSystemPrompt(JOB);
    const started = Date.now();
    for (const repository of ['acme/services-a', 'acme/services-b']) {
      const session = new AgentSession({
        client,
        model: MODEL,
        system,
        checkoutDir: repo.checkout,
        limits: { ...DEFAULT_AGENT_LIMITS, deadline: Date.now() + 60_000 },
        hooks: recordingHooks(),
      });
      const result = await session.run(firstUserMessage(repository));
      if (!result.ok) throw new Error(`${repository}: ${result.code}: ${result.message}`);
    }
    const elapsed = Date.now() - started;

    const widths = [19, 11, 11, 13, 13, 8, 10, 10];
    console.log(
      `Agent loop prompt caching (${MODEL}; tokens estimated as bytes / 4; cache minimum ${MIN_CACHEABLE_TOKENS} tokens)\n`,
    );
    console.log(
      row(
        ['request', 'body bytes', 'est tokens', 'cached bytes', 'cached tokens', 'cached', 'new bytes', 'written'],
        widths,
      ),
    );
    const print = (label: string, record: FakeRequestRecord) => {
      const cache = record.cache!;
      const share = cache.totalBytes === 0 ? 0 : (100 * cache.cachedBytes) / cache.totalBytes;
      const fresh = cache.totalBytes - cache.cachedBytes;
      console.log(
        row(
          [
            label,
            cache.bodyBytes,
            cache.totalTokens,
            cache.cachedBytes,
            cache.cachedTokens,
            `${share.toFixed(1)}%`,
            fresh,
            cache.writtenTokens,
          ],
          widths,
        ),
      );
      return share;
    };
    const shares = fake.requestsOf('acme/services-a').map((record, index) => print(`A turn ${index + 1}`, record));
    const second = fake.requestsOf('acme/services-b')[0]!;
    const secondShare = print('B turn 1 (2nd repo)', second);

    const all = fake.requests.map((record) => record.usage!);
    const sum = (key: keyof (typeof all)[number]) => all.reduce((total, usage) => total + usage[key], 0);
    const tokens = {
      inputTokens: sum('input_tokens'),
      outputTokens: sum('output_tokens'),
      cacheReadTokens: sum('cache_read_input_tokens'),
      cacheWriteTokens: sum('cache_creation_input_tokens'),
    };
    const cached = estimateCostUsd(MODEL, tokens);
    const uncached = estimateCostUsd(MODEL, {
      inputTokens: tokens.inputTokens + tokens.cacheReadTokens + tokens.cacheWriteTokens,
      outputTokens: tokens.outputTokens,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    });
    const fromTurn2 = shares.slice(1);
    console.log('');
    console.log(
      `turns 2-10 of repository A: ${Math.min(...fromTurn2).toFixed(1)}% to ${Math.max(...fromTurn2).toFixed(1)}% of input from cache (mean ${(fromTurn2.reduce((a, b) => a + b, 0) / fromTurn2.length).toFixed(1)}%; aim > 80%)`,
    );
    console.log(
      "(a turn's new bytes are the previous reply and its tool results; a large tool result, like the search of turn 1, lowers the next turn's share)",
    );
    console.log(
      `first turn of repository B: ${secondShare.toFixed(1)}% from cache (the job's tools and system prompt)`,
    );
    console.log(
      `input tokens: ${tokens.inputTokens} uncached, ${tokens.cacheReadTokens} cache reads, ${tokens.cacheWriteTokens} cache writes; ${tokens.outputTokens} output`,
    );
    console.log(
      `estimated cost: $${cached.toFixed(4)} with caching vs $${uncached.toFixed(4)} without (baseline), ratio ${(cached / uncached).toFixed(2)}`,
    );
    console.log(`wall time for ${fake.requests.length} requests through the SDK and tools: ${elapsed} ms`);
  } finally {
    await fake.close();
    await repo.dispose();
  }
  await commandsAndInstructions();
}

/** A session that works with bash: look around, run the tests, edit, run them again. */
const BASH_SCRIPT = [
  reply.tools({ text: 'Let me look at the project and run the tests first.' }, bash.run('ls && cat package.json')),
  reply.tools(bash.run('npm test')),
  reply.tools(searchFiles({ pattern: 'oldFunction\\(', glob: '*.ts' })),
  reply.tools(replaceCall('src/services/service0.ts', 0), replaceCall('src/services/service0.ts', 4)),
  reply.tools(bash.run('npm test')),
  reply.tools(bash.run('git diff --stat')),
  reply.text('Replaced the calls in service0; npm test passes.'),
];

/** A CLAUDE.md of the size repositories commonly have (about 4 KB). */
const CLAUDE_MD = [
  '# Working in this repository',
  '',
  ...Array.from(
    { length: 40 },
    (_, index) =>
      `- Rule ${index + 1}: keep services small, test every exported function, and run \`npm test\` before you finish.`,
  ),
].join('\n');

interface SessionFigures {
  shares: number[];
  costUsd: number;
}

async function bashSession(repository: string, withInstructions: boolean): Promise<SessionFigures> {
  const fake = await startFakeAnthropic({
    script: { [repository]: BASH_SCRIPT },
    apiKey: KEY,
    minCacheableTokens: MIN_CACHEABLE_TOKENS,
  });
  const repo = await makeCheckout({
    ...files(),
    'package.json': '{\n  "name": "services",\n  "scripts": { "test": "echo 20 suites, 240 tests passed" }\n}\n',
    ...(withInstructions ? { 'CLAUDE.md': CLAUDE_MD } : {}),
  });
  const shell = new ShellSession({
    cwd: repo.checkout,
    env: commandEnvironment(process.env),
    runMarker: newRunMarker(),
  });
  try {
    const client = createClaudeClient({ ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: fake.url });
    const instructions = await readRepositoryInstructions(repo.checkout);
    const session = new AgentSession({
      client,
      model: MODEL,
      system: buildSystemPrompt({ ...JOB, allowCommands: true }),
      checkoutDir: repo.checkout,
      limits: { ...DEFAULT_AGENT_LIMITS, deadline: Date.now() + 60_000 },
      hooks: recordingHooks(),
      shell,
      instructionFiles: instructions.files,
    });
    const result = await session.run(firstUserMessage(repository, { instructions: instructions.text }));
    if (!result.ok) throw new Error(`${repository}: ${result.code}: ${result.message}`);
    const shares = fake.requests.map((record) => {
      const cache = record.cache!;
      return cache.totalBytes === 0 ? 0 : (100 * cache.cachedBytes) / cache.totalBytes;
    });
    return { shares, costUsd: session.usage.costUsd };
  } finally {
    await shell.dispose();
    await fake.close();
    await repo.dispose();
  }
}

/** `npm run bench -- agent`, second part: a session that uses bash, and what the instructions block costs. */
async function commandsAndInstructions(): Promise<void> {
  const plain = await bashSession('acme/services-c', false);
  const instructed = await bashSession('acme/services-d', true);
  const later = instructed.shares.slice(1);
  console.log('');
  console.log(`Session with bash (allowCommands; ${BASH_SCRIPT.length} turns, commands run in a real shell):`);
  console.log(`  cached share per turn: ${instructed.shares.map((share) => `${share.toFixed(1)}%`).join(', ')}`);
  console.log(
    `  turns 2-${instructed.shares.length}: ${Math.min(...later).toFixed(1)}% to ${Math.max(...later).toFixed(1)}% of input from cache (mean ${(later.reduce((a, b) => a + b, 0) / later.length).toFixed(1)}%)`,
  );
  const block =
    firstUserMessage('x', { instructions: (await instructionsText()) ?? '' }).length - firstUserMessage('x').length;
  const extra = instructed.costUsd - plain.costUsd;
  console.log(
    `  instructions block: a ${CLAUDE_MD.length.toLocaleString('en-US')}-character CLAUDE.md adds ${block.toLocaleString('en-US')} characters (~${Math.ceil(block / 4)} tokens) to the first message;`,
  );
  console.log(
    `  it costs $${extra.toFixed(4)} per repository over this ${BASH_SCRIPT.length}-turn session ($${plain.costUsd.toFixed(4)} without it, $${instructed.costUsd.toFixed(4)} with it: written to the cache once, then read each turn)`,
  );
  const capTokens = Math.ceil((3 * 20_000) / 4);
  const capPerTurn = estimateCostUsd(MODEL, {
    inputTokens: 0,
    outputTokens: 0,
    cacheWriteTokens: 0,
    cacheReadTokens: capTokens,
  });
  const capFirst = estimateCostUsd(MODEL, {
    inputTokens: 0,
    outputTokens: 0,
    cacheWriteTokens: capTokens,
    cacheReadTokens: 0,
  });
  console.log(
    `  at the cap (three files of 20,000 characters, ~${capTokens.toLocaleString('en-US')} tokens): $${capFirst.toFixed(4)} on the first turn, $${capPerTurn.toFixed(4)} on each later one`,
  );
}

async function instructionsText(): Promise<string | undefined> {
  const repo = await makeCheckout({ 'CLAUDE.md': CLAUDE_MD });
  try {
    return (await readRepositoryInstructions(repo.checkout)).text;
  } finally {
    await repo.dispose();
  }
}
