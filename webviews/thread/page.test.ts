import assert from 'node:assert/strict';
import type { Thread } from '../../common/schemas';
import { threadProtocol, type Handlers, type ThreadPanelState } from '../../common/webviewProtocol';
import { makeDom } from '../../test/helpers/dom';
import { webviewHost } from '../../test/helpers/webviewHost';
import { startThreadPage } from './page';

// The thread page against the extension's end of the protocol, as its panel is hidden (the page
// is destroyed: no retainContextWhenHidden) and shown again.

const usage = { inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.001 };
const THREAD: Thread = {
  model: 'claude-sonnet-4-5',
  usage,
  messages: [
    { role: 'user', content: 'Replace oldFunction' },
    ...[1, 2, 3].flatMap((n) => [
      {
        role: 'assistant' as const,
        usage,
        content: [
          {
            type: 'tool_use',
            id: `toolu_${n}`,
            name: 'str_replace_based_edit_tool',
            input: { command: 'view', path: `src/f${n}.ts` },
          },
        ],
      },
      {
        role: 'user' as const,
        content: [
          { type: 'tool_result', tool_use_id: `toolu_${n}`, content: [{ type: 'text', text: `contents of f${n}` }] },
        ],
      },
    ]),
  ],
};

function extension(status = 'COMPLETED') {
  const handlers: Handlers<typeof threadProtocol> = {
    load: () => ({ jobId: 'j', repositoryName: 'acme/widgets', jobName: 'Update', status, thread: THREAD }),
    refresh: () => ({ status, thread: THREAD }),
    openLink: () => ({ done: true }),
    showAttempt: () => ({ done: true }),
  };
  return handlers;
}

const kept = (state: unknown) => JSON.parse(JSON.stringify(state)) as ThreadPanelState;
const openSections = (root: HTMLElement) =>
  [...root.querySelectorAll('details[open]')].map((details) => details.getAttribute('data-key'));

describe('thread page (DOM)', () => {
  it('comes back after a tab switch with the same sections open and at the same scroll position', async () => {
    const first = makeDom();
    const one = webviewHost(threadProtocol, extension());
    const page = await startThreadPage(one.host, first.root);
    assert.deepEqual(openSections(first.root), [], 'tool calls and results start collapsed');
    const calls = [...first.root.querySelectorAll('details.tool-call')] as HTMLDetailsElement[];
    const results = [...first.root.querySelectorAll('details.tool-result')] as HTMLDetailsElement[];
    calls[1]!.open = true;
    results[2]!.open = true;
    first.window.scrollTo(0, 1200);
    first.window.dispatchEvent(new first.window.Event('scroll'));
    await new Promise((resolve) => setTimeout(resolve, 250));
    const saved = kept(one.state());
    assert.deepEqual(saved, {
      jobId: 'j',
      repositoryName: 'acme/widgets',
      jobName: 'Update',
      open: ['3:0', '6:0'],
      scrollY: 1200,
    });
    page.stop();
    await first.close();

    const again = makeDom();
    const restored = await startThreadPage(webviewHost(threadProtocol, extension(), saved).host, again.root);
    assert.deepEqual(openSections(again.root), ['3:0', '6:0']);
    assert.match(again.root.querySelector('details[open].tool-result')!.textContent!, /contents of f3/);
    assert.equal(again.window.scrollY, 1200);
    restored.stop();
    await again.close();
  });

  it('restores a panel saved before it remembered its place (only the repository in the state)', async () => {
    const dom = makeDom();
    const one = webviewHost(threadProtocol, extension(), { jobId: 'j', repositoryName: 'acme/widgets' });
    const page = await startThreadPage(one.host, dom.root);
    assert.equal(dom.root.querySelectorAll('article.turn').length, 7);
    assert.equal(dom.window.scrollY, 0);
    page.stop();
    await dom.close();
  });
});
