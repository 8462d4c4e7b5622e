import type Anthropic from '@anthropic-ai/sdk';
import * as z from 'zod';

// The tools Claude gets: Anthropic's text editor (schema built into the model), two tools of ours
// for what the editor cannot do (move, delete), and two read-only ones (list, search). Their
// inputs are validated with the zod schemas below; the JSON schemas sent to the API are generated
// from them, so the two never drift apart.

export const EDITOR_TOOL_NAME = 'str_replace_based_edit_tool';
export const LIST_TOOL_NAME = 'list_files';
export const SEARCH_TOOL_NAME = 'search_files';
export const DELETE_TOOL_NAME = 'delete_file';
export const MOVE_TOOL_NAME = 'move_file';

/** The most entries (files, folders, links) a folder may hold to be deleted or moved whole. */
export const MAX_FOLDER_ENTRIES = 10_000;

/**
 * list_files, search_files and a folder's view answer within this (their scan thread is stopped
 * then): partial results a little before, an error when a pattern or glob ran away.
 */
export const SEARCH_TIME_LIMIT_MS = 20_000;

/** What one `view` returns at most; the API tells the model about the cut through `max_characters`. */
export const MAX_VIEW_CHARACTERS = 40_000;

const RelativePath = z.string().describe('A path relative to the repository root; "." is the root.');

export const EditorInput = z.discriminatedUnion('command', [
  z.object({
    command: z.literal('view'),
    path: RelativePath,
    view_range: z.tuple([z.number().int(), z.number().int()]).optional(),
  }),
  z.object({
    command: z.literal('str_replace'),
    path: RelativePath,
    old_str: z.string(),
    new_str: z.string().default(''),
  }),
  z.object({ command: z.literal('create'), path: RelativePath, file_text: z.string() }),
  z.object({ command: z.literal('insert'), path: RelativePath, insert_line: z.number().int(), new_str: z.string() }),
]);
export type EditorInput = z.infer<typeof EditorInput>;

export const ListFilesInput = z.strictObject({
  path: RelativePath.default('.').describe('Folder to list, relative to the repository root. Default: the root.'),
  glob: z
    .string()
    .max(500)
    .optional()
    .describe(
      'Only files matching this glob, relative to `path` (e.g. "**/*.ts", "*.json"); a glob without "/" matches file names at any depth.',
    ),
});
export type ListFilesInput = z.infer<typeof ListFilesInput>;

export const SearchFilesInput = z.strictObject({
  pattern: z.string().min(1).max(1000).describe('A JavaScript regular expression, matched against each line.'),
  path: RelativePath.default('.').describe(
    'Folder or file to search, relative to the repository root. Default: the root.',
  ),
  glob: z.string().max(500).optional().describe('Only search files matching this glob (e.g. "**/*.{ts,tsx}", "*.py").'),
  case_insensitive: z.boolean().default(false),
});
export type SearchFilesInput = z.infer<typeof SearchFilesInput>;

export const DeleteFileInput = z.strictObject({
  path: RelativePath.describe('The file, symbolic link or folder to delete, relative to the repository root.'),
  recursive: z
    .boolean()
    .default(false)
    .describe(
      `Needed to delete a folder that is not empty: deletes it with everything in it (at most ${MAX_FOLDER_ENTRIES} entries).`,
    ),
});
export type DeleteFileInput = z.infer<typeof DeleteFileInput>;

export const MoveFileInput = z.strictObject({
  source: RelativePath.describe(
    'The file, symbolic link or folder to move or rename, relative to the repository root.',
  ),
  destination: RelativePath.describe(
    'Its new path, new name included (e.g. "src/util.js" to "src/lib/util.ts"). Missing folders are created.',
  ),
  overwrite: z.boolean().default(false).describe('Replace a file that already exists at `destination`.'),
});
export type MoveFileInput = z.infer<typeof MoveFileInput>;

function inputSchema(schema: z.ZodType): Anthropic.Tool.InputSchema {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  return json as Anthropic.Tool.InputSchema;
}

export type AgentTool = Anthropic.ToolTextEditor20250728 | Anthropic.ToolBash20250124 | Anthropic.Tool;

export const EDITOR_DEFINITION: AgentTool = {
  type: 'text_editor_20250728',
  name: EDITOR_TOOL_NAME,
  max_characters: MAX_VIEW_CHARACTERS,
};

export const MOVE_DEFINITION: AgentTool = {
  name: MOVE_TOOL_NAME,
  description:
    'Move or rename a file or folder inside the repository, like `git mv`: the diff shows a ' +
    'rename, plus any edits made to the file. `destination` is the full new path; missing ' +
    'folders are created; an existing file there is replaced only with `overwrite: true`. ' +
    'Symbolic links are moved as links.',
  input_schema: inputSchema(MoveFileInput),
};

export const DELETE_DEFINITION: AgentTool = {
  name: DELETE_TOOL_NAME,
  description:
    'Delete a file, a symbolic link (never what it points to) or a folder. A folder that is ' +
    'not empty is deleted only with `recursive: true`. The deletion shows in the diff.',
  input_schema: inputSchema(DeleteFileInput),
};

export const LIST_DEFINITION: AgentTool = {
  name: LIST_TOOL_NAME,
  description:
    'List the files of the repository (or of one folder), one path per line, relative to the ' +
    'repository root. Honours .gitignore: ignored files (build output, dependencies) are not ' +
    'listed. The output is capped; narrow it with `path` or `glob`.',
  input_schema: inputSchema(ListFilesInput),
};

export const SEARCH_DEFINITION: AgentTool = {
  name: SEARCH_TOOL_NAME,
  description:
    'Search file contents with a regular expression, like `grep -rn`. Answers one match per ' +
    'line as `path:line:text`. Honours .gitignore and skips binary files. The output is ' +
    'capped; narrow it with `path` or `glob`, or a more specific pattern.',
  input_schema: inputSchema(SearchFilesInput),
};

export const BASH_TOOL_NAME = 'bash';

/** Anthropic's bash tool: its schema is built into the model; our code runs the commands. */
export const BASH_DEFINITION: AgentTool = { type: 'bash_20250124', name: BASH_TOOL_NAME };

/** How long one bash call may run before its session is killed (the job's wall time may cut it shorter). */
export const COMMAND_TIME_LIMIT_MS = 5 * 60 * 1000;

/** What one bash call returns at most: the end of its output, with a note saying it was cut. */
export const MAX_COMMAND_OUTPUT_CHARS = 30_000;

export const BashInput = z.union([
  z.strictObject({ command: z.string().min(1).max(100_000), restart: z.literal(false).optional() }),
  z.strictObject({ restart: z.literal(true) }),
]);
export type BashInput = z.infer<typeof BashInput>;
