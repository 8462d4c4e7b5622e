import type Anthropic from '@anthropic-ai/sdk';
import { Redactor } from '../../../common/redact';
import { hostRedaction } from '../../hosts';
import { addUsage, emptyUsage, type Thread, type ThreadMessage, type Usage } from '../../../common/schemas';
import { isAbort, stopForApiError } from './apiErrors';
import { clientSecret } from './client';
import { estimateCostUsd, unknownModelNote } from './pricing';
import { buildRequest } from './request';
import { agentToolSet, BASH_TOOL_NAME, Checkout, runToolCall, showCall } from './tools';
import type { AgentOptions, AgentResult, AgentStop } from './types';

// One repository's conversation with Claude: sends the messages, runs the tools Claude asks for in
// the checkout, and stops on the end of Claude's turn, a limit, a stop from the worker, or an error.

/** Replies in a row cut off by max_tokens before the run gives up (each one is asked to continue). */
const MAX_CUT_OFF_REPLIES = 3;

type Block = Record<string, unknown> & { type: string };
type ToolUse = Block & { type: 'tool_use'; id: string; name: string; input: unknown };
type ToolResult = { type: 'tool_result'; tool_use_id: string; content: string; is_error?: boolean };

export class AgentSession {
  readonly thread: Thread;
  private readonly tools;
  private readonly redactor: Redactor;
  private checkout: Checkout | undefined;
  private calls = 0;
  private running = false;

  constructor(private readonly options: AgentOptions) {
    this.thread = { messages: [], usage: emptyUsage(), model: options.model, system: options.system };
    if (options.instructionFiles) this.thread.instructionFiles = options.instructionFiles;
    if (options.shell && options.sandbox) this.thread.sandbox = options.sandbox;
    this.tools = agentToolSet({ allowCommands: options.shell !== undefined });
    // Tokens and exact secrets only: the thread holds source code the model edits, and hiding a
    // fixture's `postgres://app:app@db` from it would break its edits. The worker's own redactor
    // applies the header and URL patterns to what it stores.
    this.redactor = new Redactor([...(options.secrets ?? []), clientSecret(options.client)], {
      ...hostRedaction(),
      headersAndUrls: false,
    });
  }

  get usage(): Usage {
    return this.thread.usage;
  }

  /** Model calls made so far, across every `run` of this session. */
  get turns(): number {
    return this.calls;
  }

  async run(userMessage: string): Promise<AgentResult> {
    if (this.running) throw new Error('AgentSession.run is already running');
    this.running = true;
    try {
      return await this.loop(userMessage);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return this.fail({ code: 'INTERNAL', message: `The agent loop failed: ${message}` });
    } finally {
      this.running = false;
    }
  }

  private async loop(userMessage: string): Promise<AgentResult> {
    this.checkout ??= await Checkout.open(this.options.checkoutDir);
    if (this.calls === 0) {
      const note = unknownModelNote(this.options.model);
      if (note) this.log(note);
    }
    this.appendUser([{ type: 'text', text: this.redactor.text(userMessage) }]);
    await this.saveThread();

    let cutOffReplies = 0;
    for (;;) {
      const stop = await this.stopBeforeCall();
      if (stop) return this.fail(stop);

      const called = await this.call();
      if ('code' in called) return this.fail(called);
      const { message, usage } = called;
      const stopReason = message.stop_reason ?? 'null';
      this.log(
        `turn ${this.calls}: ${stopReason}; tokens in ${usage.inputTokens}, out ` +
          `${usage.outputTokens}, cache read ${usage.cacheReadTokens}, cache write ` +
          `${usage.cacheWriteTokens}; ~$${usage.costUsd.toFixed(4)}`,
      );

      let content = this.redactor.json(message.content as unknown as Block[]);
      let cutToolUse: ToolUse | undefined;
      if (stopReason === 'max_tokens' && content.at(-1)?.type === 'tool_use') {
        // The last tool call may be cut off mid-input: it is recorded, never run.
        cutToolUse = content.at(-1) as ToolUse;
        content = content.slice(0, -1);
      }
      const assistant: ThreadMessage = { role: 'assistant', content, usage, stopReason, at: new Date().toISOString() };
      if (cutToolUse) assistant.cutOffToolUse = { name: cutToolUse.name, input: cutToolUse.input };
      this.thread.messages.push(assistant);
      await this.saveThread();

      if (stopReason !== 'end_turn' && stopReason !== 'stop_sequence' && this.overTokenBudget()) {
        return this.fail(this.tokenLimitStop());
      }
      if (stopReason !== 'max_tokens') cutOffReplies = 0;

      switch (stopReason) {
        case 'end_turn':
        case 'stop_sequence':
          return { ok: true, summary: summaryOf(content) };
        case 'tool_use': {
          // A tool_use stop without a tool call has nothing to answer: the turn is over.
          if (toolUses(content).length === 0) return { ok: true, summary: summaryOf(content) };
          const results = await this.runTools(toolUses(content));
          this.appendUser(results.blocks);
          await this.saveThread();
          if (results.stop) return this.fail(results.stop);
          break;
        }
        case 'max_tokens': {
          cutOffReplies++;
          if (cutOffReplies > MAX_CUT_OFF_REPLIES) {
            return this.fail({
              code: 'TOKEN_LIMIT',
              message: `${cutOffReplies} replies in a row were cut off at the output limit of ${this.options.limits.maxOutputTokens} tokens.`,
            });
          }
          const results = await this.runTools(toolUses(content));
          const limit = this.options.limits.maxOutputTokens;
          const ask = cutToolUse
            ? `Your reply was cut off at the output limit of ${limit} tokens while you were writing a ` +
              `${cutToolUse.name} call, so that call was not run. Make it again in smaller pieces: for ` +
              `example create a large file in parts (create, then insert), or make several smaller ` +
              `str_replace edits.`
            : `Your reply was cut off at the output limit of ${limit} tokens. Continue exactly where you stopped.`;
          this.appendUser([...results.blocks, { type: 'text', text: ask }]);
          await this.saveThread();
          if (results.stop) return this.fail(results.stop);
          break;
        }
        case 'pause_turn':
          // A paused turn goes back as it is; the model resumes it.
          break;
        case 'refusal':
          return this.fail({
            code: 'CLAUDE_REFUSAL',
            message: `Claude declined to continue (stop_reason refusal)${quote(summaryOf(content, ''))}.`,
          });
        case 'model_context_window_exceeded':
          return this.fail({ code: 'TOKEN_LIMIT', message: "The conversation filled the model's context window." });
        default:
          return this.fail({
            code: 'CLAUDE_ERROR',
            message: `Claude stopped with an unexpected stop_reason "${stopReason}".`,
          });
      }
    }
  }

  /** The checks made before every model call: the worker's stop, wall time, turns, tokens. */
  private async stopBeforeCall(): Promise<AgentStop | undefined> {
    const stop = await this.options.hooks.checkpoint();
    if (stop) return stop;
    const { limits } = this.options;
    if (Date.now() >= limits.deadline) return this.timeLimitStop();
    if (this.calls >= limits.maxTurns) {
      return { code: 'TURN_LIMIT', message: `Claude did not finish within the limit of ${limits.maxTurns} turns.` };
    }
    if (this.overTokenBudget()) return this.tokenLimitStop();
    return undefined;
  }

  private async call(): Promise<{ message: Anthropic.Message; usage: Usage } | AgentStop> {
    const { client, model, limits, signal } = this.options;
    const request = buildRequest({
      model,
      system: this.options.system,
      tools: this.tools.map((tool) => tool.definition),
      messages: this.thread.messages,
      maxTokens: limits.maxOutputTokens,
    });
    const remaining = Math.max(1, limits.deadline - Date.now());
    const abort = signal ? AbortSignal.any([signal, AbortSignal.timeout(remaining)]) : AbortSignal.timeout(remaining);
    let message: Anthropic.Message;
    try {
      message = await client.messages.create(request, { signal: abort });
    } catch (error) {
      if (isAbort(error) || abort.aborted) {
        if (Date.now() >= limits.deadline) return this.timeLimitStop();
        return (
          (await this.options.hooks.checkpoint()) ?? { code: 'CANCELLED', message: 'The Claude call was cancelled.' }
        );
      }
      return stopForApiError(error);
    }
    this.calls++;
    const usage = usageOf(model, message.usage);
    addUsage(this.thread.usage, usage);
    await this.options.hooks.onUsage(usage);
    return { message, usage };
  }

  /** Runs the calls in order. A stop between two calls answers the rest as not run, so the thread stays valid. */
  private async runTools(calls: ToolUse[]): Promise<{ blocks: ToolResult[]; stop?: AgentStop }> {
    const blocks: ToolResult[] = [];
    let stop: AgentStop | undefined;
    for (const call of calls) {
      stop ??= await this.options.hooks.checkpoint();
      if (!stop && Date.now() >= this.options.limits.deadline) stop = this.timeLimitStop();
      if (stop) {
        blocks.push({ type: 'tool_result', tool_use_id: call.id, content: `Not run: ${stop.message}`, is_error: true });
        continue;
      }
      const { limits, shell, signal } = this.options;
      const outcome = await runToolCall(this.tools, call.name, call.input, {
        checkout: this.checkout!,
        searchTimeLimitMs: limits.searchTimeLimitMs,
        shell,
        commandTimeLimitMs: limits.commandTimeLimitMs,
        deadline: limits.deadline,
        signal,
      });
      const content = this.redactor.text(outcome.content);
      const shown = showCall(this.tools, call.name, call.input);
      if (call.name === BASH_TOOL_NAME) {
        // Commands and their output go in the log whole (as the thread has them), not just a status.
        this.log(`tool ${shown}`);
        this.options.hooks.output?.(`${content}\n`);
      } else {
        this.log(`tool ${shown}: ${outcome.isError ? firstLine(outcome.content) : 'ok'}`);
      }
      const result: ToolResult = { type: 'tool_result', tool_use_id: call.id, content };
      if (outcome.isError) result.is_error = true;
      blocks.push(result);
    }
    return stop ? { blocks, stop } : { blocks };
  }

  /** Adds blocks to the conversation as a user message, joining a user message already at the end. */
  private appendUser(blocks: Block[] | ToolResult[]): void {
    const last = this.thread.messages.at(-1);
    if (last?.role === 'user') {
      const existing = typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : last.content;
      last.content = [...existing, ...blocks];
      last.at = new Date().toISOString();
      return;
    }
    this.thread.messages.push({ role: 'user', content: [...blocks], at: new Date().toISOString() });
  }

  private async saveThread(): Promise<void> {
    await this.options.hooks.onThread(this.thread);
  }

  private overTokenBudget(): boolean {
    return totalTokens(this.thread.usage) >= this.options.limits.maxTotalTokens;
  }

  private tokenLimitStop(): AgentStop {
    return {
      code: 'TOKEN_LIMIT',
      message: `The repository used ${totalTokens(this.thread.usage)} tokens, reaching its budget of ${this.options.limits.maxTotalTokens}.`,
    };
  }

  private timeLimitStop(): AgentStop {
    return { code: 'TIME_LIMIT', message: 'The repository reached its wall-time limit before Claude finished.' };
  }

  private fail(stop: AgentStop): AgentResult {
    const message = this.redactor.text(stop.message);
    this.log(`stopped: ${stop.code}: ${message}`);
    return { ok: false, code: stop.code, message };
  }

  private log(line: string): void {
    this.options.hooks.log(this.redactor.text(line));
  }
}

/** Every token the call processed: input, output, cache reads and cache writes. */
export function totalTokens(usage: Usage): number {
  return usage.inputTokens + usage.outputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
}

export function usageOf(model: string, usage: Anthropic.Usage): Usage {
  const tokens = {
    inputTokens: usage.input_tokens ?? 0,
    outputTokens: usage.output_tokens ?? 0,
    cacheReadTokens: usage.cache_read_input_tokens ?? 0,
    cacheWriteTokens: usage.cache_creation_input_tokens ?? 0,
  };
  return { ...tokens, costUsd: estimateCostUsd(model, tokens) };
}

function toolUses(content: Block[]): ToolUse[] {
  return content.filter((block): block is ToolUse => block.type === 'tool_use');
}

function summaryOf(content: Block[], fallback = 'Claude finished without a summary.'): string {
  const text = content
    .filter((block) => block.type === 'text' && typeof block.text === 'string')
    .map((block) => (block.text as string).trim())
    .filter(Boolean)
    .join('\n\n');
  return text || fallback;
}

function quote(text: string): string {
  return text ? `: "${text.length > 300 ? `${text.slice(0, 300)}…` : text}"` : '';
}

function firstLine(text: string): string {
  return text.split('\n')[0]?.slice(0, 200) ?? '';
}
