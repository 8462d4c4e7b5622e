import {
  type AgentTool,
  BASH_DEFINITION,
  BASH_TOOL_NAME,
  COMMAND_TIME_LIMIT_MS,
  DELETE_DEFINITION,
  EDITOR_DEFINITION,
  LIST_DEFINITION,
  MOVE_DEFINITION,
  SEARCH_DEFINITION,
} from './definitions';
import { type CommandShell, runBash, showBashCall } from './bash';
import { runDeleteFile, runMoveFile } from './fileOps';
import { type Checkout, type OpenCheckout, ToolError } from './paths';
import { runListFiles, runSearchFiles } from './readOnly';
import { runTextEditor } from './textEditor';

// The tools Claude gets, one object each: what the API is sent, how a call runs, and how it reads
// in the log. Adding a tool means adding an entry here (and its row in docs/agent.md, which a test
// checks).

export interface ToolOutcome {
  content: string;
  isError: boolean;
}

/** What a call may use: the checkout, and the repository's shell when the job allows commands. */
export interface ToolCallContext {
  checkout: Checkout;
  /** How long one list_files or search_files call (or a folder's view) may run (default 20 s). */
  searchTimeLimitMs?: number;
  shell?: CommandShell;
  /** The most one bash call may run (default 5 min); the run's deadline may cut it shorter. */
  commandTimeLimitMs?: number;
  /** Epoch ms: the run's wall-time deadline. */
  deadline?: number;
  /** Aborts a running command (a cancel). */
  signal?: AbortSignal;
}

export interface AgentToolSpec {
  name: string;
  /** What the Messages API gets, in the order of the registry. */
  definition: AgentTool;
  /** Runs one call; a ToolError (or a file-system error) becomes an error result. */
  run(input: unknown, context: ToolCallContext): Promise<string | ToolOutcome>;
  /** One line for the log: the tool and what the call names (path, pattern, command). */
  show(input: unknown): string;
}

/** File tools hold the checkout open for the call only (paths.ts). */
function onCheckout(run: (open: OpenCheckout, input: unknown, context: ToolCallContext) => Promise<string>) {
  return async (input: unknown, context: ToolCallContext): Promise<string> => {
    const open = context.checkout.openForCall();
    try {
      return await run(open, input, context);
    } finally {
      // Every descriptor the call held; the names made from them are not used after this.
      open.close();
    }
  };
}

/** The tool's name and the named arguments of a call, each cut to 120 characters. */
function showArguments(name: string, keys: string[]) {
  return (input: unknown): string => {
    const record = (input ?? {}) as Record<string, unknown>;
    const parts = [name];
    for (const key of keys) {
      if (typeof record[key] === 'string')
        parts.push(`${key}=${JSON.stringify((record[key] as string).slice(0, 120))}`);
    }
    return parts.join(' ');
  };
}

/** A file tool: it runs on the open checkout, and its log line names the call's `shown` arguments. */
function fileTool(
  definition: AgentTool,
  run: (open: OpenCheckout, input: unknown, context: ToolCallContext) => Promise<string>,
  shown: string[],
): AgentToolSpec {
  return { name: definition.name, definition, run: onCheckout(run), show: showArguments(definition.name, shown) };
}

const FILE_TOOLS: AgentToolSpec[] = [
  fileTool(EDITOR_DEFINITION, (open, input, context) => runTextEditor(open, input, context.searchTimeLimitMs), [
    'command',
    'path',
  ]),
  fileTool(MOVE_DEFINITION, (open, input) => runMoveFile(open, input), ['source', 'destination']),
  fileTool(DELETE_DEFINITION, (open, input) => runDeleteFile(open, input), ['path']),
  fileTool(LIST_DEFINITION, (open, input, context) => runListFiles(open, input, context.searchTimeLimitMs), [
    'path',
    'glob',
  ]),
  fileTool(SEARCH_DEFINITION, (open, input, context) => runSearchFiles(open, input, context.searchTimeLimitMs), [
    'pattern',
    'path',
    'glob',
  ]),
];

const BASH_TOOL: AgentToolSpec = {
  name: BASH_TOOL_NAME,
  definition: BASH_DEFINITION,
  run: (input, context) => {
    if (!context.shell) throw new ToolError('Error: this job does not allow commands.');
    const limit = context.commandTimeLimitMs ?? COMMAND_TIME_LIMIT_MS;
    const left = context.deadline === undefined ? limit : Math.max(1_000, context.deadline - Date.now());
    return runBash(input, { shell: context.shell, timeoutMs: Math.min(limit, left), signal: context.signal });
  },
  show: showBashCall,
};

export interface ToolSetOptions {
  /** The job's `allowCommands`: adds the bash tool. */
  allowCommands?: boolean;
}

/** The tools of a job, in the order sent; the loop puts the cache breakpoint on the last one. */
export function agentToolSet(options: ToolSetOptions = {}): AgentToolSpec[] {
  return options.allowCommands ? [...FILE_TOOLS, BASH_TOOL] : [...FILE_TOOLS];
}

/** The definitions the API gets. */
export function agentTools(options: ToolSetOptions = {}): AgentTool[] {
  return agentToolSet(options).map((tool) => tool.definition);
}

/** Runs one call of one of `tools`. Never throws: every failure becomes an error result the model can read. */
export async function runToolCall(
  tools: readonly AgentToolSpec[],
  name: string,
  input: unknown,
  context: ToolCallContext,
): Promise<ToolOutcome> {
  const tool = tools.find((candidate) => candidate.name === name);
  if (!tool) {
    const names = tools.map((candidate) => candidate.name);
    const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)}` : names.join('');
    return { content: `Error: there is no tool named "${name}". Use ${list}.`, isError: true };
  }
  try {
    const result = await tool.run(input, context);
    return typeof result === 'string' ? { content: result, isError: false } : result;
  } catch (error) {
    if (error instanceof ToolError) return { content: error.message, isError: true };
    return { content: describeFileSystemError(error), isError: true };
  }
}

/** How a call reads in the log, by its tool's own `show`. */
export function showCall(tools: readonly AgentToolSpec[], name: string, input: unknown): string {
  return tools.find((tool) => tool.name === name)?.show(input) ?? name;
}

/** File-system failures in the documented style, without our folder names. */
function describeFileSystemError(error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return 'Error: File not found';
    case 'EACCES':
    case 'EPERM':
      return 'Error: Permission denied. Cannot write to file.';
    case 'ELOOP':
      return 'Error: the path is a symbolic link, which the tools do not follow.';
    case 'EISDIR':
      return 'Error: the path is a folder, not a file.';
    case 'ENXIO':
      return 'Error: the path is not a regular file.';
    case 'ENOSPC':
      return 'Error: no space left on the device.';
    default:
      return `Error: the tool failed (${(error as NodeJS.ErrnoException).code ?? 'unexpected error'}).`;
  }
}
