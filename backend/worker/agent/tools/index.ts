import { DELETE_TOOL_NAME, EDITOR_TOOL_NAME, LIST_TOOL_NAME, MOVE_TOOL_NAME, SEARCH_TOOL_NAME } from './definitions';
import { runDeleteFile, runMoveFile } from './fileOps';
import { ToolError, type Checkout } from './paths';
import { runListFiles, runSearchFiles } from './readOnly';
import { runTextEditor } from './textEditor';

export {
  agentTools,
  DELETE_TOOL_NAME,
  EDITOR_TOOL_NAME,
  LIST_TOOL_NAME,
  MOVE_TOOL_NAME,
  SEARCH_TOOL_NAME,
} from './definitions';
export { Checkout, ToolError } from './paths';

export interface ToolOutcome {
  content: string;
  isError: boolean;
}

export interface ToolOptions {
  /** How long one search_files call may run before its thread is stopped (default 20 s). */
  searchTimeLimitMs?: number;
}

/** Runs one tool call. Never throws: every failure becomes an error result the model can read. */
export async function runTool(
  checkout: Checkout,
  name: string,
  input: unknown,
  options: ToolOptions = {},
): Promise<ToolOutcome> {
  try {
    switch (name) {
      case EDITOR_TOOL_NAME:
        return { content: await runTextEditor(checkout, input), isError: false };
      case LIST_TOOL_NAME:
        return { content: await runListFiles(checkout, input), isError: false };
      case SEARCH_TOOL_NAME:
        return { content: await runSearchFiles(checkout, input, options.searchTimeLimitMs), isError: false };
      case MOVE_TOOL_NAME:
        return { content: await runMoveFile(checkout, input), isError: false };
      case DELETE_TOOL_NAME:
        return { content: await runDeleteFile(checkout, input), isError: false };
      default:
        return {
          content: `Error: there is no tool named "${name}". Use ${EDITOR_TOOL_NAME}, ${MOVE_TOOL_NAME}, ${DELETE_TOOL_NAME}, ${LIST_TOOL_NAME} or ${SEARCH_TOOL_NAME}.`,
          isError: true,
        };
    }
  } catch (error) {
    if (error instanceof ToolError) return { content: error.message, isError: true };
    return { content: describeFileSystemError(error), isError: true };
  }
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
    case 'ENOSPC':
      return 'Error: no space left on the device.';
    default:
      return `Error: the tool failed (${(error as NodeJS.ErrnoException).code ?? 'unexpected error'}).`;
  }
}
