// The Claude agent loop of the worker: one repository's conversation, its tools, prompts, client and prices.

export { DEFAULT_AGENT_LIMITS } from './types';
export type { AgentHooks, AgentLimits, AgentOptions, AgentResult, AgentStop, ClaudeClient } from './types';
export { AgentSession, totalTokens } from './session';
export { buildSystemPrompt, firstUserMessage, type FollowUpContext, followUpMessage } from './prompts';
export { INSTRUCTION_FILES, MAX_INSTRUCTION_CHARS, readRepositoryInstructions } from './instructions';
export { anthropicApiKey, claudeModel, claudeProvider, createClaudeClient, isClaudeConfigured } from './client';
export { estimateCostUsd, isKnownModel, MODEL_PRICES, PRICES_CHECKED_ON } from './pricing';
export { agentTools, BASH_TOOL_NAME } from './tools';
export type { CommandShell, ShellRunResult } from './tools';
