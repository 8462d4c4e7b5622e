import MarkdownIt from 'markdown-it';
import type {
  InstructionFile,
  RepositoryError,
  Thread,
  ThreadMessage,
  ThreadSandbox,
  Usage,
} from '../../common/schemas';
import { formatCost, formatCount } from '../../common/format';
import { append, h, icon, pageHeader } from '../shared/dom';
import { openKeys } from '../shared/viewMemory';
import type { AttemptChoice } from '../../common/webviewProtocol';
import { attemptLinks } from '../diff/attempts';

// The Claude thread view: each turn with its role and text, tool calls and results collapsible,
// errors marked, token usage per turn and in total. Markdown is rendered with HTML disabled, so
// any HTML in the model's text (or in a repository's files it quotes) shows as text.

export interface ThreadViewData {
  jobId: string;
  repositoryName: string;
  jobName: string;
  status: string;
  /** Why the run failed or was stopped, when it was. */
  error?: RepositoryError;
  thread: Thread;
  /** The attempt shown, and every attempt of the repository (oldest first). */
  attempt?: number;
  attempts?: AttemptChoice[];
}

export interface ThreadViewActions {
  openLink(url: string): void;
  /** Open another attempt's thread (absent: no attempt buttons). */
  showAttempt?(attempt: number): void;
}

const markdown = new MarkdownIt({ html: false, linkify: true, breaks: false });

/** Markdown to HTML with every HTML tag in the source escaped (markdown-it with `html: false`). */
export function renderMarkdown(text: string): string {
  return markdown.render(text);
}

type Block = { type: string; [key: string]: unknown };

export interface ThreadViewOptions {
  /** Sections (their data-key) to open, as they were when the page was last shown. */
  open?: readonly string[];
}

export function renderThreadView(
  root: HTMLElement,
  data: ThreadViewData,
  actions: ThreadViewActions,
  options: ThreadViewOptions = {},
): void {
  const document = root.ownerDocument;
  // The view re-renders as a running thread grows: what the user opened stays open.
  const opened = new Set<string | null>([...openKeys(root, 'data-key'), ...(options.open ?? [])]);
  root.replaceChildren();
  root.removeAttribute('aria-busy');
  const { thread } = data;

  append(
    root,
    pageHeader(
      document,
      data.repositoryName,
      h(
        document,
        'div',
        { class: 'muted' },
        `${data.jobName} · ${data.status.toLowerCase().replace(/_/g, ' ')}${thread.model ? ` · ${thread.model}` : ''}`,
        data.attempts && data.attempts.length > 1 ? ` · attempt ${data.attempt} of ${data.attempts.length}` : '',
      ),
      actions.showAttempt
        ? attemptLinks(document, data, { showAttempt: (attempt) => actions.showAttempt?.(attempt) })
        : undefined,
      h(
        document,
        'div',
        { class: 'usage total', 'aria-label': 'Total usage' },
        icon(document, 'dashboard'),
        ` ${usageText(thread.usage)} · estimated cost ${formatCost(thread.usage.costUsd, 'turn')}`,
      ),
    ),
  );

  if (data.error) {
    append(
      root,
      h(
        document,
        'p',
        { class: 'notice error', role: 'alert' },
        icon(document, 'error'),
        ` ${data.error.code}: ${data.error.message}`,
      ),
    );
  }
  if (thread.system) {
    append(
      root,
      h(
        document,
        'details',
        { class: 'system', 'data-key': 'system' },
        h(document, 'summary', {}, icon(document, 'settings-gear'), ' System prompt'),
        markdownBlock(document, thread.system),
      ),
    );
  }
  if (thread.instructionFiles) append(root, instructionFilesLine(document, thread.instructionFiles));
  if (thread.sandbox) append(root, sandboxLine(document, thread.sandbox));
  if (thread.messages.length === 0) {
    append(
      root,
      h(
        document,
        'p',
        { class: 'notice' },
        data.status === 'PENDING' || data.status === 'RUNNING'
          ? 'Claude has not said anything yet.'
          : 'This run has no Claude thread.',
      ),
    );
  }

  const toolNames = new Map<string, string>();
  for (const [index, message] of thread.messages.entries())
    append(root, renderTurn(document, message, index, toolNames));
  root.querySelectorAll('details[data-key]').forEach((details) => {
    if (opened.has(details.getAttribute('data-key'))) (details as HTMLDetailsElement).open = true;
  });

  // Links in the model's text open in the browser through the extension, never in this frame.
  // One listener per root: the view re-renders while the run goes on, and a link opens once.
  if (!linkActions.has(root)) {
    root.addEventListener('click', (event) => {
      const anchor = (event.target as Element | null)?.closest?.('a[href]');
      if (!anchor || !root.contains(anchor)) return;
      event.preventDefault();
      const href = anchor.getAttribute('href') ?? '';
      if (/^https?:\/\//i.test(href)) linkActions.get(root)?.openLink(href);
    });
  }
  linkActions.set(root, actions);
}

/** The actions of each root's latest render, for its one click listener. */
const linkActions = new WeakMap<HTMLElement, ThreadViewActions>();

function renderTurn(
  document: Document,
  message: ThreadMessage,
  index: number,
  toolNames: Map<string, string>,
): HTMLElement {
  const role = message.role === 'assistant' ? 'Claude' : 'User';
  const blocks: Block[] =
    typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : (message.content as Block[]);
  const onlyToolResults = blocks.length > 0 && blocks.every((block) => block.type === 'tool_result');
  const stop = message.stopReason;
  const stopProblem = stop === 'max_tokens' || stop === 'refusal' || stop === 'error';
  const article = h(
    document,
    'article',
    {
      class: `turn role-${message.role}${onlyToolResults ? ' tool-results' : ''}${stopProblem ? ' has-error' : ''}`,
      'aria-label': `Turn ${index + 1}: ${role}`,
    },
    h(
      document,
      'div',
      { class: 'turn-header' },
      icon(document, message.role === 'assistant' ? 'sparkle' : onlyToolResults ? 'tools' : 'account'),
      h(document, 'span', { class: 'role' }, onlyToolResults ? 'Tool results' : role),
      message.at
        ? h(document, 'time', { datetime: message.at, class: 'muted' }, new Date(message.at).toLocaleTimeString())
        : undefined,
      h(document, 'span', { class: 'spacer' }),
      message.usage
        ? h(
            document,
            'span',
            { class: 'usage muted' },
            `${usageText(message.usage)} · ${formatCost(message.usage.costUsd, 'turn')}`,
          )
        : undefined,
    ),
  );
  blocks.forEach((block, blockIndex) => {
    const element = renderBlock(document, block, toolNames);
    if (element?.tagName === 'DETAILS') element.setAttribute('data-key', `${index}:${blockIndex}`);
    append(article, element);
  });
  if (stopProblem) {
    append(
      article,
      h(
        document,
        'p',
        { class: 'notice error', role: 'note' },
        icon(document, 'error'),
        ` Stopped: ${stop === 'max_tokens' ? 'the reply hit the token limit' : stop === 'refusal' ? 'Claude declined to continue' : String(stop)}`,
      ),
    );
  }
  return article;
}

function renderBlock(document: Document, block: Block, toolNames: Map<string, string>): HTMLElement | undefined {
  switch (block.type) {
    case 'text':
      return typeof block.text === 'string' && block.text.trim() ? markdownBlock(document, block.text) : undefined;
    case 'tool_use': {
      const name = String(block.name ?? 'tool');
      if (typeof block.id === 'string') toolNames.set(block.id, name);
      return h(
        document,
        'details',
        { class: 'tool-call' },
        h(
          document,
          'summary',
          {},
          icon(document, 'tools'),
          ' ',
          h(document, 'span', { class: 'tool-name' }, name),
          h(document, 'span', { class: 'muted' }, ` ${toolSummary(block.input)}`),
        ),
        h(document, 'pre', { class: 'tool-input' }, JSON.stringify(block.input ?? {}, null, 2)),
      );
    }
    case 'tool_result': {
      const isError = block.is_error === true;
      const name = typeof block.tool_use_id === 'string' ? toolNames.get(block.tool_use_id) : undefined;
      const text = resultText(block.content);
      const refused = sandboxRefusals(text);
      const details = h(
        document,
        'details',
        { class: `tool-result${isError ? ' error' : ''}` },
        h(
          document,
          'summary',
          {},
          icon(document, isError ? 'error' : 'output'),
          ` Result${name ? ` of ${name}` : ''}`,
          isError ? h(document, 'span', { class: 'badge error' }, 'error') : undefined,
          refused.length ? h(document, 'span', { class: 'badge refused' }, 'sandbox refused') : undefined,
          h(document, 'span', { class: 'muted' }, ` ${formatCount(text.split('\n').length)} lines`),
        ),
        h(document, 'pre', { class: 'tool-output' }, text),
      );
      if (refused.length === 0) return details;
      // What the sandbox refused shows without opening the result.
      return h(
        document,
        'div',
        {},
        details,
        h(
          document,
          'ul',
          { class: 'sandbox-refusals', 'aria-label': 'Refused by the sandbox' },
          ...refused.map((line) => h(document, 'li', {}, icon(document, 'shield'), ` Sandbox refused: ${line}`)),
        ),
      );
    }
    case 'thinking':
    case 'redacted_thinking':
      return h(
        document,
        'details',
        { class: 'thinking' },
        h(document, 'summary', {}, icon(document, 'lightbulb'), ' Thinking'),
        h(document, 'pre', {}, String(block.thinking ?? '(redacted)')),
      );
    case 'image':
      return h(document, 'p', { class: 'muted' }, icon(document, 'file-media'), ' (an image)');
    default:
      return h(
        document,
        'details',
        { class: 'other-block' },
        h(document, 'summary', {}, block.type),
        h(document, 'pre', {}, JSON.stringify(block, null, 2)),
      );
  }
}

/** Which of the repository's instruction files (CLAUDE.md, AGENTS.md, …) the first message carried. */
function instructionFilesLine(document: Document, files: InstructionFile[]): HTMLElement {
  const described = files.map((file) =>
    file.skipped
      ? `${file.path} (skipped: ${file.skipped})`
      : `${file.path} (${formatCount(file.characters)} characters${file.cut ? ', cut' : ''})`,
  );
  return h(
    document,
    'p',
    { class: 'instruction-files muted' },
    icon(document, 'book'),
    described.length === 0
      ? ' Repository instructions: none'
      : ` Repository instructions in the first message: ${described.join(' · ')}`,
  );
}

/** What held around Claude's commands in this run. */
function sandboxLine(document: Document, sandbox: ThreadSandbox): HTMLElement {
  const words: Record<ThreadSandbox['state'], string> = {
    on:
      'Commands ran in the sandbox: they could write only the checkout, could not read the ' +
      'stack’s home or your credentials, and nothing they started outlived the run.',
    off: 'Commands ran without the sandbox (CODY_BATCH_SANDBOX=off), with the rights of the user who started the stack.',
    unavailable:
      'Commands ran without the sandbox (it was unavailable), with the rights of the user who started the stack.',
    container: 'Commands ran in the worker’s container on AWS Batch, as its second, unprivileged user.',
  };
  const unguarded = sandbox.state === 'off' || sandbox.state === 'unavailable';
  const hosts = sandbox.allowedHosts ?? [];
  return h(
    document,
    'div',
    { class: `sandbox-state notice${unguarded ? ' error' : ''}` },
    icon(document, unguarded ? 'warning' : 'shield'),
    ` ${words[sandbox.state]}`,
    hosts.length
      ? h(
          document,
          'details',
          { class: 'sandbox-hosts', 'data-key': 'sandbox-hosts' },
          h(document, 'summary', {}, `The ${formatCount(hosts.length)} hosts they could reach`),
          h(document, 'p', { class: 'muted' }, hosts.join(' · ')),
        )
      : undefined,
  );
}

/** The lines of a tool result's `<sandbox_violations>` block (backend/worker/agent/tools/bash.ts). */
export function sandboxRefusals(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/<sandbox_violations>\n([\s\S]*?)\n?<\/sandbox_violations>/g)) {
    for (const line of match[1]!.split('\n')) {
      const shown = line.replace(/^deny network-outbound /, '').trim();
      if (shown) found.push(shown);
    }
  }
  return found;
}

function markdownBlock(document: Document, text: string): HTMLElement {
  const container = h(document, 'div', { class: 'markdown' });
  // markdown-it with `html: false` escapes every tag in the text; see renderMarkdown.
  container.innerHTML = renderMarkdown(text);
  return container;
}

/** A short hint of what a tool call did: its path or command. */
function toolSummary(input: unknown): string {
  if (!input || typeof input !== 'object') return '';
  const record = input as Record<string, unknown>;
  const parts = ['command', 'path', 'pattern', 'query']
    .map((key) => record[key])
    .filter((value): value is string => typeof value === 'string')
    .slice(0, 2);
  const text = parts.join(' ');
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => {
        if (part && typeof part === 'object' && (part as Block).type === 'text')
          return String((part as Block).text ?? '');
        if (part && typeof part === 'object' && (part as Block).type === 'image') return '(an image)';
        return JSON.stringify(part);
      })
      .join('\n');
  }
  return content === undefined ? '' : JSON.stringify(content, null, 2);
}

function usageText(usage: Usage): string {
  const parts = [`in ${formatCount(usage.inputTokens)}`, `out ${formatCount(usage.outputTokens)}`];
  if (usage.cacheReadTokens) parts.push(`cache read ${formatCount(usage.cacheReadTokens)}`);
  if (usage.cacheWriteTokens) parts.push(`cache write ${formatCount(usage.cacheWriteTokens)}`);
  return `${parts.join(' · ')} tokens`;
}
