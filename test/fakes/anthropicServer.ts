/**
 * A loopback stand-in for the Anthropic Messages API, driven through the real `@anthropic-ai/sdk`.
 *
 *   const fake = await startFakeAnthropic({
 *     apiKey: 'sk-ant-test-…',   // optional: then other keys get a 401 (x-api-key or Authorization: Bearer)
 *     script: {
 *       'acme/widgets': [
 *         reply.tools(edit.view('src/a.ts')),       // call 0: a tool_use turn
 *         reply.tools(edit.strReplace('src/a.ts', 'old', 'new')),
 *         reply.text('Replaced old with new.'),    // end_turn: the summary
 *       ],
 *     },
 *   });
 *   const client = new Anthropic({ apiKey: 'sk-ant-test-…', baseURL: fake.url, maxRetries: 2 });
 *   …
 *   fake.requests;   // every request in arrival order: repository, call index, body, cache report
 *   await fake.close();
 *
 * - `POST /v1/messages` answers the Messages wire format: `{id, type: 'message', role, model,
 *   content, stop_reason, stop_sequence, usage}` with `usage` holding input, output, cache read and
 *   cache write tokens. Errors are `{type: 'error', error: {type, message}}` with their HTTP status
 *   (429 and 529 carry a short `retry-after`, so the SDK's own retries run fast).
 * - Conversations are keyed by the first line of the first user message, `Repository: owner/name`,
 *   so concurrent conversations stay apart. `script` is one of:
 *     - a function `(conversation) => reply` (may be async), given the repository, the call index
 *       within that conversation (0-based, retries included) and the request;
 *     - an array of replies (or functions) used by every conversation, indexed by call;
 *     - a record of such arrays or functions per repository.
 *   A conversation that runs past its array gets a 400, so a test notices.
 * - Requests are checked as the API would: at most 4 cache_control breakpoints, every tool_use
 *   answered by a tool_result in the next message and every tool_result answering one, no empty
 *   message but the last. A failed check is a 400 `invalid_request_error`.
 * - Prompt caching is simulated. Each request is seen as a list of blocks (tools, system blocks,
 *   message blocks, in the API's caching order). A prefix ending at a cache_control breakpoint is
 *   written to the cache; a later request reads from the cache the longest prefix that was written
 *   before and ends at most 20 blocks before one of its own breakpoints (the API's lookback).
 *   Tokens are estimated as bytes / 4. `fake.requests[i].cache` has the figures.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// ----- Replies ------------------------------------------------------------------------------------

export interface FakeToolCall {
  name: string;
  input: unknown;
  id?: string;
}

export interface FakeMessageReply {
  content: Array<Record<string, unknown> & { type: string }>;
  stop_reason: string | null;
  /** Overrides of the usage the fake computes. */
  usage?: Partial<FakeUsage>;
  /** Waits this long before answering (to test cancellation and deadlines). */
  delayMs?: number;
}

export interface FakeErrorReply {
  error: { status: number; type: string; message: string; retryAfterSeconds?: number };
  delayMs?: number;
}

export type FakeReply = FakeMessageReply | FakeErrorReply;

let toolIds = 0;
const toolUseId = () => `toolu_fake_${(++toolIds).toString().padStart(6, '0')}_${randomBytes(3).toString('hex')}`;

const toolUseBlock = (call: FakeToolCall) => ({
  type: 'tool_use',
  id: call.id ?? toolUseId(),
  name: call.name,
  input: call.input,
});

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

/** Builders for scripted replies. */
export const reply = {
  /** Ends the turn with this text (stop_reason end_turn). */
  text(text: string): FakeMessageReply {
    return { content: [{ type: 'text', text }], stop_reason: 'end_turn' };
  },
  /** One or more tool calls in one reply (stop_reason tool_use); `options.text` goes before them. */
  tools(...calls: Array<FakeToolCall | { text: string }>): FakeMessageReply {
    const content = calls.map((call) =>
      'text' in call && !('name' in call) ? { type: 'text', text: call.text } : toolUseBlock(call as FakeToolCall),
    );
    return { content, stop_reason: 'tool_use' };
  },
  /** A reply cut off by max_tokens: partial text, optionally ending in a cut-off tool call. */
  maxTokens(text: string, cutOffCall?: FakeToolCall): FakeMessageReply {
    const content: FakeMessageReply['content'] = text ? [{ type: 'text', text }] : [];
    if (cutOffCall) content.push(toolUseBlock(cutOffCall));
    return { content, stop_reason: 'max_tokens' };
  },
  pauseTurn(text = 'Working on it…'): FakeMessageReply {
    return { content: [{ type: 'text', text }], stop_reason: 'pause_turn' };
  },
  refusal(text = ''): FakeMessageReply {
    return { content: text ? [{ type: 'text', text }] : [], stop_reason: 'refusal' };
  },
  /** Any stop_reason with any content. */
  stop(stopReason: string | null, content: FakeMessageReply['content'] = []): FakeMessageReply {
    return { content, stop_reason: stopReason };
  },
  /** An API error; 429 and 529 default to a 10 ms `retry-after`. */
  error(status: number, options: { type?: string; message?: string; retryAfterSeconds?: number } = {}): FakeErrorReply {
    const type = options.type ?? ERROR_TYPES[status] ?? 'api_error';
    const retryAfterSeconds = options.retryAfterSeconds ?? (status === 429 || status === 529 ? 0.01 : undefined);
    return {
      error: {
        status,
        type,
        message: options.message ?? `fake ${type}`,
        ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
      },
    };
  },
  /** The same reply, answered after `ms`. */
  slow<T extends FakeReply>(ms: number, value: T): T {
    return { ...value, delayMs: ms };
  },
};

const EDITOR = 'str_replace_based_edit_tool';

/** Text editor tool calls. */
export const edit = {
  view: (path: string, viewRange?: [number, number]): FakeToolCall => ({
    name: EDITOR,
    input: viewRange ? { command: 'view', path, view_range: viewRange } : { command: 'view', path },
  }),
  create: (path: string, fileText: string): FakeToolCall => ({
    name: EDITOR,
    input: { command: 'create', path, file_text: fileText },
  }),
  strReplace: (path: string, oldStr: string, newStr: string): FakeToolCall => ({
    name: EDITOR,
    input: { command: 'str_replace', path, old_str: oldStr, new_str: newStr },
  }),
  insert: (path: string, insertLine: number, newStr: string): FakeToolCall => ({
    name: EDITOR,
    input: { command: 'insert', path, insert_line: insertLine, new_str: newStr },
  }),
};

/** Bash tool calls (`bash_20250124`). */
export const bash = {
  run: (command: string): FakeToolCall => ({ name: 'bash', input: { command } }),
  restart: (): FakeToolCall => ({ name: 'bash', input: { restart: true } }),
};

export const deleteFile = (input: { path: string; recursive?: boolean }): FakeToolCall => ({
  name: 'delete_file',
  input,
});
export const moveFile = (input: { source: string; destination: string; overwrite?: boolean }): FakeToolCall => ({
  name: 'move_file',
  input,
});
export const listFiles = (input: { path?: string; glob?: string } = {}): FakeToolCall => ({
  name: 'list_files',
  input,
});
export const searchFiles = (input: {
  pattern: string;
  path?: string;
  glob?: string;
  case_insensitive?: boolean;
}): FakeToolCall => ({
  name: 'search_files',
  input,
});

// ----- Conversations and scripts --------------------------------------------------------------------

type Json = Record<string, unknown>;
type Block = Json & { type: string };
interface RequestMessage {
  role: string;
  content: string | Block[];
}
export interface FakeRequestBody extends Json {
  model: string;
  max_tokens: number;
  messages: RequestMessage[];
  system?: string | Block[];
  tools?: Json[];
}

export interface FakeConversation {
  /** `owner/name` from the first user message's first line, or '' when it has none. */
  repository: string;
  /** How many requests this conversation made before this one (retries included). */
  call: number;
  request: FakeRequestBody;
  /** The tool_result blocks of the last user message. */
  toolResults(): Array<{ tool_use_id: string; content: string; is_error?: boolean }>;
  /** The text blocks of the last user message, joined. */
  lastUserText(): string;
}

type ScriptStep = FakeReply | ((conversation: FakeConversation) => FakeReply | Promise<FakeReply>);
export type FakeScript =
  | ((conversation: FakeConversation) => FakeReply | Promise<FakeReply>)
  | ScriptStep[]
  | Record<string, ScriptStep[] | ((conversation: FakeConversation) => FakeReply | Promise<FakeReply>)>;

// ----- Usage and the cache simulation -------------------------------------------------------------

export interface FakeUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

export interface CacheReport {
  /** The request's blocks, in bytes and estimated tokens (bytes / 4). */
  totalBytes: number;
  totalTokens: number;
  /** The part served from the cache: at or before a breakpoint written by an earlier request. */
  cachedBytes: number;
  cachedTokens: number;
  /** The part written to the cache by this request. */
  writtenTokens: number;
  breakpoints: number;
  /** The raw request body's size. */
  bodyBytes: number;
}

export interface FakeRequestRecord {
  repository: string;
  call: number;
  body: FakeRequestBody;
  headers: IncomingHttpHeaders;
  status: number;
  cache?: CacheReport;
  usage?: FakeUsage;
}

const LOOKBACK_BLOCKS = 20;
const tokensOf = (bytes: number) => Math.ceil(bytes / 4);

/** The request as the cache sees it: one canonical string per block, cache_control left out. */
function cacheBlocks(body: FakeRequestBody): Array<{ text: string; breakpoint: boolean }> {
  const blocks: Array<{ text: string; breakpoint: boolean }> = [];
  const add = (prefix: unknown[], block: Json) => {
    const { cache_control: cacheControl, ...rest } = block;
    blocks.push({ text: JSON.stringify([...prefix, rest]), breakpoint: Boolean(cacheControl) });
  };
  for (const tool of body.tools ?? []) add(['tool'], tool);
  const system = typeof body.system === 'string' ? [{ type: 'text', text: body.system }] : (body.system ?? []);
  for (const block of system) add(['system'], block);
  body.messages.forEach((message, index) => {
    const content = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
    for (const block of content) add(['message', index, message.role], block);
  });
  return blocks;
}

class PromptCache {
  private readonly written = new Set<string>();

  /** Reads the longest cached prefix, then writes this request's breakpoint prefixes. */
  apply(model: string, blocks: Array<{ text: string; breakpoint: boolean }>, minCacheableTokens: number) {
    const hash = createHash('sha256').update(model);
    const prefixes: Array<{ key: string; bytes: number }> = [];
    let bytes = 0;
    for (const block of blocks) {
      hash.update(block.text);
      bytes += Buffer.byteLength(block.text);
      prefixes.push({ key: hash.copy().digest('hex'), bytes });
    }
    const breakpoints = blocks.flatMap((block, index) => (block.breakpoint ? [index] : []));
    let cachedBytes = 0;
    for (const point of breakpoints) {
      for (let index = point; index >= Math.max(0, point - LOOKBACK_BLOCKS); index--) {
        const prefix = prefixes[index]!;
        if (this.written.has(prefix.key)) {
          cachedBytes = Math.max(cachedBytes, prefix.bytes);
          break;
        }
      }
    }
    let writtenBytes = 0;
    for (const point of breakpoints) {
      const prefix = prefixes[point]!;
      if (tokensOf(prefix.bytes) < minCacheableTokens) continue;
      this.written.add(prefix.key);
      writtenBytes = Math.max(writtenBytes, prefix.bytes);
    }
    return {
      totalBytes: bytes,
      cachedBytes,
      writtenBytes: Math.max(0, writtenBytes - cachedBytes),
      breakpoints: breakpoints.length,
    };
  }
}

// ----- Request checks -----------------------------------------------------------------------------

function invalidReason(body: FakeRequestBody): string | undefined {
  if (typeof body.model !== 'string' || body.model === '') return 'model: Field required';
  if (typeof body.max_tokens !== 'number' || body.max_tokens < 1) return 'max_tokens: Field required';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: at least one message is required';
  if (body.messages[0]?.role !== 'user') return 'messages: the first message must use the "user" role';
  const breakpoints = cacheBlocks(body).filter((block) => block.breakpoint).length;
  if (breakpoints > 4) return `A maximum of 4 blocks with cache_control may be provided. Found ${breakpoints}.`;
  const blocksOf = (message: RequestMessage): Block[] =>
    typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
  for (let index = 0; index < body.messages.length; index++) {
    const message = body.messages[index]!;
    const blocks = blocksOf(message);
    const isFinalAssistant = index === body.messages.length - 1 && message.role === 'assistant';
    if (blocks.length === 0 && !isFinalAssistant)
      return `messages.${index}: all messages must have non-empty content except for the optional final assistant message`;
    const uses = blocks.filter((block) => block.type === 'tool_use').map((block) => String(block.id));
    const next = body.messages[index + 1];
    if (message.role === 'assistant' && uses.length > 0 && next) {
      const answered = new Set(
        blocksOf(next)
          .filter((block) => block.type === 'tool_result')
          .map((block) => String(block.tool_use_id)),
      );
      const missing = uses.filter((id) => !answered.has(id));
      if (missing.length > 0) {
        return `messages.${index + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
      }
    }
    if (message.role === 'user') {
      const previous = body.messages[index - 1];
      const offered = new Set(
        previous
          ? blocksOf(previous)
              .filter((block) => block.type === 'tool_use')
              .map((block) => String(block.id))
          : [],
      );
      for (const block of blocks.filter((b) => b.type === 'tool_result')) {
        if (!offered.has(String(block.tool_use_id))) {
          return `messages.${index}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(block.tool_use_id)}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
        }
      }
    }
  }
  return undefined;
}

// ----- The server ---------------------------------------------------------------------------------

export interface FakeAnthropicOptions {
  script: FakeScript;
  /** When set, requests must carry this `x-api-key`. */
  apiKey?: string;
  /** Prefixes shorter than this are not cached (the API's minimum is 1024+ tokens depending on the model). Default 0. */
  minCacheableTokens?: number;
}

export interface FakeAnthropic {
  /** The base URL for the SDK (`baseURL`). */
  url: string;
  requests: FakeRequestRecord[];
  /** Requests of one conversation, in order. */
  requestsOf(repository: string): FakeRequestRecord[];
  close(): Promise<void>;
}

/** The key arrives as `x-api-key` (older SDKs) or `Authorization: Bearer` (SDK 1.x). */
function authenticated(headers: IncomingHttpHeaders, apiKey: string): boolean {
  return headers['x-api-key'] === apiKey || headers.authorization === `Bearer ${apiKey}`;
}

const REPOSITORY_LINE = /^Repository: (\S+)\s*$/m;

function repositoryOf(body: FakeRequestBody): string {
  const first = body.messages?.[0];
  if (!first) return '';
  const text =
    typeof first.content === 'string'
      ? first.content
      : first.content
          .filter((b) => b.type === 'text')
          .map((b) => String(b.text))
          .join('\n');
  const firstLine = text.split('\n')[0] ?? '';
  return REPOSITORY_LINE.exec(firstLine)?.[1] ?? '';
}

function conversationOf(repository: string, call: number, request: FakeRequestBody): FakeConversation {
  const lastUser = [...request.messages].reverse().find((message) => message.role === 'user');
  const blocks: Block[] = !lastUser
    ? []
    : typeof lastUser.content === 'string'
      ? [{ type: 'text', text: lastUser.content }]
      : lastUser.content;
  return {
    repository,
    call,
    request,
    toolResults: () =>
      blocks
        .filter((block) => block.type === 'tool_result')
        .map((block) => ({
          tool_use_id: String(block.tool_use_id),
          content: typeof block.content === 'string' ? block.content : JSON.stringify(block.content),
          ...(block.is_error ? { is_error: true } : {}),
        })),
    lastUserText: () =>
      blocks
        .filter((block) => block.type === 'text')
        .map((block) => String(block.text))
        .join('\n'),
  };
}

async function nextReply(script: FakeScript, conversation: FakeConversation): Promise<FakeReply> {
  let steps: FakeScript = script;
  if (!Array.isArray(steps) && typeof steps === 'object') {
    const own = steps[conversation.repository];
    if (!own)
      return reply.error(400, {
        message: `fake script has no conversation for repository "${conversation.repository}"`,
      });
    steps = own;
  }
  if (typeof steps === 'function') return steps(conversation);
  const step = steps[conversation.call];
  if (step === undefined) {
    return reply.error(400, {
      message: `fake script for "${conversation.repository}" has no reply for call ${conversation.call}`,
    });
  }
  return typeof step === 'function' ? step(conversation) : step;
}

export async function startFakeAnthropic(options: FakeAnthropicOptions): Promise<FakeAnthropic> {
  const requests: FakeRequestRecord[] = [];
  const calls = new Map<string, number>();
  const cache = new PromptCache();
  let messageIds = 0;

  const sendError = (
    response: ServerResponse,
    status: number,
    type: string,
    message: string,
    retryAfterSeconds?: number,
  ) => {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'request-id': `req_fake_${++messageIds}`,
    };
    if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
    response.writeHead(status, headers).end(JSON.stringify({ type: 'error', error: { type, message } }));
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    if (request.method !== 'POST' || !request.url?.startsWith('/v1/messages')) {
      return sendError(response, 404, 'not_found_error', `${request.method} ${request.url} is not served by the fake`);
    }
    let body: FakeRequestBody;
    try {
      body = JSON.parse(raw.toString('utf8')) as FakeRequestBody;
    } catch {
      return sendError(response, 400, 'invalid_request_error', 'the body is not valid JSON');
    }
    const repository = repositoryOf(body);
    const call = calls.get(repository) ?? 0;
    calls.set(repository, call + 1);
    const record: FakeRequestRecord = { repository, call, body, headers: request.headers, status: 0 };
    requests.push(record);

    if (options.apiKey !== undefined && !authenticated(request.headers, options.apiKey)) {
      record.status = 401;
      return sendError(response, 401, 'authentication_error', 'invalid x-api-key');
    }
    const invalid = invalidReason(body);
    if (invalid) {
      record.status = 400;
      return sendError(response, 400, 'invalid_request_error', invalid);
    }

    const scripted = await nextReply(options.script, conversationOf(repository, call, body));
    if (scripted.delayMs) {
      // Ends early when the client hangs up, so an aborted slow call leaves no timer behind.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, scripted.delayMs);
        response.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    // The client gave up while the reply was delayed (an aborted call).
    if (response.destroyed || !response.socket || response.socket.destroyed) return;
    if ('error' in scripted) {
      record.status = scripted.error.status;
      return sendError(
        response,
        scripted.error.status,
        scripted.error.type,
        scripted.error.message,
        scripted.error.retryAfterSeconds,
      );
    }

    const blocks = cacheBlocks(body);
    const applied = cache.apply(body.model, blocks, options.minCacheableTokens ?? 0);
    const totalTokens = tokensOf(applied.totalBytes);
    const cachedTokens = tokensOf(applied.cachedBytes);
    const writtenTokens = tokensOf(applied.writtenBytes);
    record.cache = {
      totalBytes: applied.totalBytes,
      totalTokens,
      cachedBytes: applied.cachedBytes,
      cachedTokens,
      writtenTokens,
      breakpoints: applied.breakpoints,
      bodyBytes: raw.length,
    };
    const usage: FakeUsage = {
      input_tokens: Math.max(0, totalTokens - cachedTokens - writtenTokens),
      output_tokens: Math.max(1, tokensOf(Buffer.byteLength(JSON.stringify(scripted.content)))),
      cache_creation_input_tokens: writtenTokens,
      cache_read_input_tokens: cachedTokens,
      ...scripted.usage,
    };
    record.usage = usage;
    record.status = 200;
    response.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_fake_${++messageIds}` }).end(
      JSON.stringify({
        id: `msg_fake_${messageIds}`,
        type: 'message',
        role: 'assistant',
        model: body.model,
        content: scripted.content,
        stop_reason: scripted.stop_reason,
        stop_sequence: null,
        usage: {
          ...usage,
          cache_creation: {
            ephemeral_5m_input_tokens: usage.cache_creation_input_tokens,
            ephemeral_1h_input_tokens: 0,
          },
          service_tier: 'standard',
        },
      }),
    );
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent)
        sendError(response, 500, 'api_error', `fake server failure: ${(error as Error).message}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    requestsOf: (repository) => requests.filter((record) => record.repository === repository),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
