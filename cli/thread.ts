import type { ThreadMessage } from '../common/schemas';
import { connect, type Connection } from './connect';
import { printJson, say, sayError } from './terminal';

/** `cody-batch thread <jobId> <owner/name>`: Claude's conversation for one repository, as text. */
export async function thread(args: string[], connection: Connection): Promise<number> {
  const json = args.includes('--json');
  const [jobId, repository] = args.filter((arg) => arg !== '--json');
  if (!jobId || !repository) {
    sayError('Usage: cody-batch thread <jobId> <owner/name> [--json]');
    return 2;
  }
  const conversation = await (await connect(connection)).getThread(jobId, repository);
  if (json) {
    printJson(conversation);
    return 0;
  }
  if (!conversation.messages.length) {
    say(`No Claude conversation for ${repository} (a command job, or not started yet).`);
    return 0;
  }
  for (const message of conversation.messages) say(`${describe(message)}\n`);
  const usage = conversation.usage;
  say(
    `usage: ${usage.inputTokens} input, ${usage.outputTokens} output, ` +
      `${usage.cacheReadTokens} cache read, ${usage.cacheWriteTokens} cache write tokens; ` +
      `$${usage.costUsd.toFixed(4)}`,
  );
  return 0;
}

function describe(message: ThreadMessage): string {
  const header = `── ${message.role}${message.stopReason ? ` (${message.stopReason})` : ''}`;
  const blocks = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
  const parts = blocks.map((block) => {
    const value = block as Record<string, unknown>;
    if (block.type === 'text') return String(value.text);
    if (block.type === 'tool_use') return `[tool ${String(value.name)}] ${JSON.stringify(value.input)}`;
    if (block.type === 'tool_result') {
      const content = typeof value.content === 'string' ? value.content : JSON.stringify(value.content);
      return `[result${value.is_error ? ', error' : ''}] ${content.length > 2_000 ? `${content.slice(0, 2_000)}…` : content}`;
    }
    return `[${block.type}]`;
  });
  return [header, ...parts].join('\n');
}
