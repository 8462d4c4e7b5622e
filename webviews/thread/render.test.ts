import assert from 'node:assert/strict';
import type { Thread } from '../../common/schemas';
import { makeDom } from '../../test/helpers/dom';
import { renderMarkdown, renderThreadView } from './render';

const usage = (inputTokens: number, outputTokens: number, costUsd: number) => ({
  inputTokens,
  outputTokens,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  costUsd,
});

const THREAD: Thread = {
  model: 'claude-sonnet-4-5',
  usage: { inputTokens: 3000, outputTokens: 400, cacheReadTokens: 1200, cacheWriteTokens: 0, costUsd: 0.0231 },
  messages: [
    {
      role: 'user',
      content: 'Repository acme/widgets.\n\nReplace every `oldFunction(x)` with `newFunction(x, { version: 2 })`',
    },
    {
      role: 'assistant',
      usage: usage(1000, 150, 0.008),
      stopReason: 'tool_use',
      at: '2026-01-01T10:00:01.000Z',
      content: [
        {
          type: 'text',
          text: 'I will look for calls. <script>window.pwned = true</script> <img src=x onerror="window.pwned=1">',
        },
        {
          type: 'tool_use',
          id: 'toolu_1',
          name: 'str_replace_based_edit_tool',
          input: { command: 'view', path: 'src/api.ts' },
        },
      ],
    },
    {
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: 'toolu_1',
          is_error: true,
          content: [{ type: 'text', text: 'File not found: src/api.ts' }],
        },
      ],
    },
    {
      role: 'assistant',
      usage: usage(2000, 250, 0.0151),
      stopReason: 'end_turn',
      content: [
        {
          type: 'text',
          text: '## Summary\n\nReplaced **2** calls. See [the docs](https://example.com/docs) and [x](javascript:alert(1)).',
        },
      ],
    },
  ],
};

/** The thread view's job and repository, as the extension names them, its run finished. */
const WIDGETS = { jobId: 'j', repositoryName: 'acme/widgets', jobName: 'Update', status: 'COMPLETED' };
/** The view's actions where no test follows a link. */
const NO_LINKS = { openLink: () => undefined };

describe('thread view (DOM)', () => {
  it("escapes HTML in the model's text: a <script> shows as text and never becomes an element", async () => {
    const dom = makeDom();
    renderThreadView(dom.root, { ...WIDGETS, thread: THREAD }, NO_LINKS);
    assert.equal(dom.root.querySelectorAll('script').length, 0);
    assert.equal(dom.root.querySelectorAll('img').length, 0);
    assert.match(dom.root.textContent!, /<script>window\.pwned = true<\/script>/, 'the text is shown as typed');
    assert.equal((dom.window as unknown as { pwned?: unknown }).pwned, undefined);
    assert.equal(renderMarkdown('<script>x</script>').includes('<script>'), false);
    await dom.close();
  });

  it('shows each turn with its role, tool calls and results collapsible, errors marked, and usage', async () => {
    const dom = makeDom();
    renderThreadView(dom.root, { ...WIDGETS, thread: THREAD }, NO_LINKS);
    const turns = [...dom.root.querySelectorAll('article.turn')];
    assert.deepEqual(
      turns.map((turn) => turn.querySelector('.role')!.textContent),
      ['User', 'Claude', 'Tool results', 'Claude'],
    );
    const call = dom.root.querySelector('details.tool-call')!;
    assert.equal(call.querySelector('.tool-name')!.textContent, 'str_replace_based_edit_tool');
    assert.match(call.querySelector('pre')!.textContent!, /"path": "src\/api.ts"/);
    assert.equal((call as HTMLDetailsElement).open, false, 'collapsed at first');
    const result = dom.root.querySelector('details.tool-result')!;
    assert.ok(result.classList.contains('error'));
    assert.match(result.querySelector('summary')!.textContent!, /Result of str_replace_based_edit_tool.*error/);
    assert.match(result.textContent!, /File not found/);
    assert.match(turns[1]!.querySelector('.usage')!.textContent!, /in 1,000 · out 150 tokens · \$0\.0080/);
    assert.match(
      dom.root.querySelector('.usage.total')!.textContent!,
      /in 3,000 · out 400 · cache read 1,200 tokens · estimated cost \$0\.023/,
    );
    assert.equal(dom.root.querySelector('.markdown h2')!.textContent, 'Summary');
    assert.equal(dom.root.querySelector('.markdown strong')!.textContent, '2');
    await dom.close();
  });

  it("names the repository's instruction files the first message carried, and those skipped", async () => {
    const dom = makeDom();
    const thread: Thread = {
      ...THREAD,
      instructionFiles: [
        { path: 'CLAUDE.md', characters: 1234, cut: false },
        { path: 'AGENTS.md', characters: 20_000, cut: true },
        { path: '.github/copilot-instructions.md', characters: 0, cut: false, skipped: 'a binary file' },
      ],
    };
    const data = WIDGETS;
    renderThreadView(dom.root, { ...data, thread }, NO_LINKS);
    assert.equal(
      dom.root.querySelector('.instruction-files')!.textContent,
      ' Repository instructions in the first message: CLAUDE.md (1,234 characters) · AGENTS.md (20,000 characters, cut) · .github/copilot-instructions.md (skipped: a binary file)',
    );
    renderThreadView(dom.root, { ...data, thread: { ...THREAD, instructionFiles: [] } }, NO_LINKS);
    assert.equal(dom.root.querySelector('.instruction-files')!.textContent, ' Repository instructions: none');
    renderThreadView(dom.root, { ...data, thread: THREAD }, NO_LINKS);
    assert.equal(dom.root.querySelector('.instruction-files'), null, 'threads from before say nothing');
    await dom.close();
  });

  it('says what held around Claude’s commands, and shows what the sandbox refused without opening the result', async () => {
    const dom = makeDom();
    const data = WIDGETS;
    const refusedResult = {
      role: 'user' as const,
      content: [
        {
          type: 'tool_result',
          tool_use_id: 'toolu_2',
          content:
            'curl: (56) CONNECT tunnel failed, response 403\nexit code: 56\n<sandbox_violations>\ndeny network-outbound example.com:443 (host is not on the allow list)\n</sandbox_violations>',
        },
      ],
    };
    const thread: Thread = {
      ...THREAD,
      sandbox: { state: 'on', allowedHosts: ['registry.npmjs.org:443', 'github.com:443'] },
      messages: [...THREAD.messages, refusedResult],
    };
    renderThreadView(dom.root, { ...data, thread }, NO_LINKS);
    const state = dom.root.querySelector('.sandbox-state')!;
    assert.match(state.textContent!, /Commands ran in the sandbox: they could write only the checkout/);
    assert.match(state.textContent!, /The 2 hosts they could reach.*registry\.npmjs\.org:443 · github\.com:443/);
    assert.ok(!state.classList.contains('error'));
    const refusals = [...dom.root.querySelectorAll('ul.sandbox-refusals li')].map((item) => item.textContent);
    assert.deepEqual(refusals, [' Sandbox refused: example.com:443 (host is not on the allow list)']);
    assert.equal(refusals.length, 1);
    assert.match(dom.root.querySelectorAll('details.tool-result summary')[1]!.textContent!, /sandbox refused/);

    renderThreadView(dom.root, { ...data, thread: { ...THREAD, sandbox: { state: 'unavailable' } } }, NO_LINKS);
    assert.match(dom.root.querySelector('.sandbox-state')!.textContent!, /without the sandbox \(it was unavailable\)/);
    assert.ok(dom.root.querySelector('.sandbox-state')!.classList.contains('error'));
    renderThreadView(dom.root, { ...data, thread: THREAD }, NO_LINKS);
    assert.equal(dom.root.querySelector('.sandbox-state'), null, 'a thread without commands says nothing');
    assert.equal(dom.root.querySelector('.sandbox-refusals'), null);
    await dom.close();
  });

  it('opens web links through the extension, and never javascript: links', async () => {
    const dom = makeDom();
    const opened: string[] = [];
    renderThreadView(dom.root, { ...WIDGETS, thread: THREAD }, { openLink: (url) => opened.push(url) });
    const links = [...dom.root.querySelectorAll('.markdown a')] as HTMLAnchorElement[];
    assert.deepEqual(
      links.map((link) => link.getAttribute('href')),
      ['https://example.com/docs'],
      'markdown-it drops the javascript: link',
    );
    links[0]!.click();
    assert.deepEqual(opened, ['https://example.com/docs']);
    await dom.close();
  });

  it('says why a failed run stopped', async () => {
    const dom = makeDom();
    const error = { code: 'MAX_COST_EXCEEDED', message: "The run cost $1.02, over the job's limit of $1.00 <b>" };
    renderThreadView(dom.root, { ...WIDGETS, status: 'FAILED', error, thread: THREAD }, NO_LINKS);
    const notice = dom.root.querySelector('[role="alert"]')!;
    assert.match(notice.textContent!, /MAX_COST_EXCEEDED: The run cost \$1\.02, over the job's limit of \$1\.00 <b>/);
    assert.equal(dom.root.querySelectorAll('b').length, 0);
    await dom.close();
  });

  it('keeps the sections the user opened when the running thread grows', async () => {
    const dom = makeDom();
    const data = { ...WIDGETS, status: 'RUNNING', thread: { ...THREAD, messages: THREAD.messages.slice(0, 3) } };
    renderThreadView(dom.root, data, NO_LINKS);
    (dom.root.querySelector('details.tool-result') as HTMLDetailsElement).open = true;
    renderThreadView(dom.root, { ...data, thread: THREAD }, NO_LINKS);
    assert.equal((dom.root.querySelector('details.tool-result') as HTMLDetailsElement).open, true);
    assert.equal((dom.root.querySelector('details.tool-call') as HTMLDetailsElement).open, false);
    await dom.close();
  });

  it('opens a link once, however often the view re-rendered while the run went on', async () => {
    const dom = makeDom();
    const opened: string[] = [];
    const data = { ...WIDGETS, status: 'RUNNING', thread: THREAD };
    for (let i = 0; i < 3; i++) renderThreadView(dom.root, data, { openLink: (url) => opened.push(url) });
    (dom.root.querySelector('.markdown a') as HTMLAnchorElement).click();
    assert.deepEqual(opened, ['https://example.com/docs']);
    await dom.close();
  });
});
