import type Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';

// The tools Claude gets: Anthropic's text editor (schema built into the model) and two read-only
// tools of ours. Their inputs are validated with the zod schemas below; the JSON schemas sent to
// the API are generated from them, so the two never drift apart.

export const EDITOR_TOOL_NAME = 'str_replace_based_edit_tool';
export const LIST_TOOL_NAME = 'list_files';
export const SEARCH_TOOL_NAME = 'search_files';

/** What one `view` returns at most; the API tells the model about the cut through `max_characters`. */
export const MAX_VIEW_CHARACTERS = 40_000;

const RelativePath = z.string().describe('A path relative to the repository root; "." is the root.');

export const EditorInput = z.discriminatedUnion('command', [
  z.object({
    command: z.literal('view'),
    path: RelativePath,
    view_range: z.tuple([z.number().int(), z.number().int()]).optional(),
  }),
  z.object({ command: z.literal('str_replace'), path: RelativePath, old_str: z.string(), new_str: z.string().default('') }),
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
    .describe('Only files matching this glob, relative to `path` (e.g. "**/*.ts", "*.json"); a glob without "/" matches file names at any depth.'),
});
export type ListFilesInput = z.infer<typeof ListFilesInput>;

export const SearchFilesInput = z.strictObject({
  pattern: z.string().min(1).max(1000).describe('A JavaScript regular expression, matched against each line.'),
  path: RelativePath.default('.').describe('Folder or file to search, relative to the repository root. Default: the root.'),
  glob: z.string().max(500).optional().describe('Only search files matching this glob (e.g. "**/*.{ts,tsx}", "*.py").'),
  case_insensitive: z.boolean().default(false),
});
export type SearchFilesInput = z.infer<typeof SearchFilesInput>;

function inputSchema(schema: z.ZodType): Anthropic.Tool.InputSchema {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  return json as Anthropic.Tool.InputSchema;
}

export type AgentTool = Anthropic.ToolTextEditor20250728 | Anthropic.Tool;

/** The tools in the order sent; the loop puts the cache breakpoint on the last one. */
export function agentTools(): AgentTool[] {
  return [
    { type: 'text_editor_20250728', name: EDITOR_TOOL_NAME, max_characters: MAX_VIEW_CHARACTERS },
    {
      name: LIST_TOOL_NAME,
      description:
        'List the files of the repository (or of one folder), one path per line, relative to the repository root. Honours .gitignore: ignored files (build output, dependencies) are not listed. The output is capped; narrow it with `path` or `glob`.',
      input_schema: inputSchema(ListFilesInput),
    },
    {
      name: SEARCH_TOOL_NAME,
      description:
        'Search file contents with a regular expression, like `grep -rn`. Answers one match per line as `path:line:text`. Honours .gitignore and skips binary files. The output is capped; narrow it with `path` or `glob`, or a more specific pattern.',
      input_schema: inputSchema(SearchFilesInput),
    },
  ];
}
