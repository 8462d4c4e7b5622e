import { agentToolSet, runToolCall, type ToolOutcome } from './registry';
import type { Checkout } from './paths';

export { BASH_TOOL_NAME } from './definitions';
export type { CommandShell, ShellRunResult } from './bash';
export { Checkout, ToolError } from './paths';
export {
  agentTools,
  agentToolSet,
  runToolCall,
  showCall,
  type AgentToolSpec,
  type ToolCallContext,
  type ToolOutcome,
  type ToolSetOptions,
} from './registry';

export interface ToolOptions {
  /** How long one list_files or search_files call (or a folder's view) may run before its thread is stopped (default 20 s). */
  searchTimeLimitMs?: number;
}

/** Runs one call of the file tools (no commands). Never throws: every failure becomes an error result. */
export function runTool(
  checkout: Checkout,
  name: string,
  input: unknown,
  options: ToolOptions = {},
): Promise<ToolOutcome> {
  return runToolCall(agentToolSet(), name, input, { checkout, searchTimeLimitMs: options.searchTimeLimitMs });
}
