import type Anthropic from '@anthropic-ai/sdk';
import type { ThreadMessage } from '../../../common/schemas';
import type { AgentTool } from './tools/definitions';

// Builds each Messages API request from the thread, with prompt-caching breakpoints:
//  1. the last tool and 2. the system prompt: the job's shared prefix, cached across repositories;
//  3. the last block of the latest message: a breakpoint that moves forward every turn;
//  4. the last block of the user message before it: where the previous request's moving breakpoint
//     was, so the previous turn's cache entry is found even when a turn added more than the API's
//     20-block lookback.
// That is the API's maximum of four. The thread itself never carries cache_control.

export const EPHEMERAL: Anthropic.CacheControlEphemeral = { type: 'ephemeral' };
export const MAX_CACHE_BREAKPOINTS = 4;

/** Blocks the API accepts cache_control on (thinking blocks, for one, are cached with their turn). */
const CACHEABLE = new Set(['text', 'tool_use', 'tool_result', 'image', 'document', 'search_result']);

type Block = Record<string, unknown> & { type: string };

export interface RequestInput {
  model: string;
  system: string;
  tools: AgentTool[];
  messages: ThreadMessage[];
  maxTokens: number;
}

export function buildRequest(input: RequestInput): Anthropic.MessageCreateParamsNonStreaming {
  const tools = input.tools.map((tool, index) =>
    index === input.tools.length - 1 ? { ...tool, cache_control: EPHEMERAL } : { ...tool },
  ) as Anthropic.ToolUnion[];
  const messages = input.messages.map((message) => ({ role: message.role, content: apiContent(message) }));

  const last = messages.length - 1;
  markLastCacheableBlock(messages[last]?.content);
  for (let index = last - 1; index >= 0; index--) {
    if (messages[index]?.role === 'user') {
      markLastCacheableBlock(messages[index]?.content);
      break;
    }
  }
  return {
    model: input.model,
    max_tokens: input.maxTokens,
    system: [{ type: 'text', text: input.system, cache_control: EPHEMERAL }],
    tools,
    messages: messages as unknown as Anthropic.MessageParam[],
  };
}

/** A copy of the message's content as blocks, without our bookkeeping and never empty. */
function apiContent(message: ThreadMessage): Block[] {
  if (typeof message.content === 'string') return [{ type: 'text', text: message.content }];
  const blocks = message.content.map((block) => ({ ...block }) as Block);
  // An assistant reply can be empty (end_turn with no text); the API refuses empty messages before the last.
  return blocks.length > 0 ? blocks : [{ type: 'text', text: '(empty reply)' }];
}

function markLastCacheableBlock(content: Block[] | undefined): void {
  if (!content) return;
  for (let index = content.length - 1; index >= 0; index--) {
    const block = content[index];
    if (block && CACHEABLE.has(block.type) && !(block.type === 'text' && block.text === '')) {
      block.cache_control = EPHEMERAL;
      return;
    }
  }
}

/** How many cache_control breakpoints a request carries (the API allows four). */
export function countCacheBreakpoints(request: { system?: unknown; tools?: unknown; messages?: unknown }): number {
  let count = 0;
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (key === 'cache_control' && child) count++;
        else visit(child);
      }
    }
  };
  visit(request.tools);
  visit(request.system);
  visit(request.messages);
  return count;
}
