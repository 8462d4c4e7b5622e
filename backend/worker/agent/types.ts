import type Anthropic from '@anthropic-ai/sdk';
import type { RepositoryErrorCode } from '../../../common/errors';
import type { InstructionFile, ThreadSandbox, Thread, Usage } from '../../../common/schemas';
import type { CommandShell } from './tools';

// The agent loop's contract with the worker: limits, hooks, options and result.

export interface AgentLimits {
  /** Model calls per repository (default 50). */
  maxTurns: number;
  /** `max_tokens` of each call. Kept under the SDK's non-streaming ceiling (about 21,000). */
  maxOutputTokens: number;
  /** All tokens one repository may use: input, output, cache reads and cache writes. */
  maxTotalTokens: number;
  /** Epoch ms: the repository's wall-time deadline (default 15 min after the start). */
  deadline: number;
  /** How long one search_files call may run before it is stopped with an error result (default 20 s). */
  searchTimeLimitMs?: number;
  /** How long one bash call may run before its session is killed (default 5 min). */
  commandTimeLimitMs?: number;
}

export const DEFAULT_AGENT_LIMITS: Omit<AgentLimits, 'deadline'> & { wallTimeMs: number } = {
  maxTurns: 50,
  maxOutputTokens: 16_000,
  maxTotalTokens: 5_000_000,
  wallTimeMs: 15 * 60 * 1000,
};

export type AgentStop = { code: RepositoryErrorCode; message: string };

export interface AgentHooks {
  /** Called before every model call and before every tool execution. Returning a stop ends the run
   *  (cancellation seen through the heartbeat, the job's maxCostUsd reached, the claim lost). */
  checkpoint(): Promise<AgentStop | undefined>;
  /** After every turn (an assistant reply, and after its tool results): the whole thread so far -> thread.json. */
  onThread(thread: Thread): Promise<void>;
  /** Each model call's usage, with its estimated cost. */
  onUsage(delta: Usage): Promise<void>;
  /** One line for log.txt (no secrets). */
  log(line: string): void;
  /** Command output for log.txt, as the thread has it (redacted). */
  output?(text: string): void;
}

/** What the loop needs of a client; `Anthropic` and `AnthropicBedrock` both fit (Bedrock's messages lack batches and countTokens). */
export type ClaudeClient = { messages: Pick<Anthropic['messages'], 'create'> };

export interface AgentOptions {
  client: ClaudeClient;
  model: string;
  system: string;
  checkoutDir: string;
  limits: AgentLimits;
  hooks: AgentHooks;
  /** Aborts an in-flight model call at once (e.g. on cancel); the run then ends with the checkpoint's stop, or CANCELLED. */
  signal?: AbortSignal;
  /** Values that must never reach the thread, the log or an error message (e.g. the GitHub token).
   *  The client's own API key is always included. */
  secrets?: string[];
  /** The repository's shell, when the job allows commands: adds the bash tool. The caller disposes of it. */
  shell?: CommandShell;
  /** The repository's instruction files the first message carries, for the thread view. */
  instructionFiles?: InstructionFile[];
  /** What holds around the shell's commands, for the thread view. */
  sandbox?: ThreadSandbox;
}

export type AgentResult = { ok: true; summary: string } | { ok: false; code: RepositoryErrorCode; message: string };
