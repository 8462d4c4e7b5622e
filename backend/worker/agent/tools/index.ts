import { DELETE_TOOL_NAME, EDITOR_TOOL_NAME, LIST_TOOL_NAME, MOVE_TOOL_NAME, SEARCH_TOOL_NAME } from './definitions';
import { runDeleteFile, runMoveFile } from './fileOps';
import { type Checkout, type OpenCheckout, ToolError } from './paths';
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
  /** How long one list_files or search_files call (or a folder's view) may run before its thread is stopped (default 20 s). */
  searchTimeLimitMs?: number;
}

/** Runs one tool call. Never throws: every failure becomes an error result the model can read. */
export async function runTool(
  checkout: Checkout,
  name: string,
  input: unknown,
  options: ToolOptions = {},
): Promise<ToolOutcome> {
  let open: OpenCheckout | undefined;
  try {
    open = checkout.openForCall();
    const limit = options.searchTimeLimitMs;
    switch (name) {
      case EDITOR_TOOL_NAME:
        return { content: await runTextEditor(open, input, limit), isError: false };
      case LIST_TOOL_NAME:
        return { content: await runListFiles(open, input, limit), isError: false };
      case SEARCH_TOOL_NAME:
        return { content: await runSearchFiles(open, input, limit), isError: false };
      case MOVE_TOOL_NAME:
        return { content: await runMoveFile(open, input), isError: false };
      case DELETE_TOOL_NAME:
        return { content: await runDeleteFile(open, input), isError: false };
      default:
        return {
          content: `Error: there is no tool named "${name}". Use ${EDITOR_TOOL_NAME}, ${MOVE_TOOL_NAME}, ${DELETE_TOOL_NAME}, ${LIST_TOOL_NAME} or ${SEARCH_TOOL_NAME}.`,
          isError: true,
        };
    }
  } catch (error) {
    if (error instanceof ToolError) return { content: error.message, isError: true };
    return { content: describeFileSystemError(error), isError: true };
  } finally {
    // Every descriptor the call held; the names made from them are not used after this.
    open?.close();
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
    case 'ENXIO':
      return 'Error: the path is not a regular file.';
    case 'ENOSPC':
      return 'Error: no space left on the device.';
    default:
      return `Error: the tool failed (${(error as NodeJS.ErrnoException).code ?? 'unexpected error'}).`;
  }
}
