import { describeIssues } from '../../../../common/schemas';
import { EditorInput, MAX_VIEW_CHARACTERS, SEARCH_TIME_LIMIT_MS } from './definitions';
import {
  MAX_WHOLE_VIEW_BYTES,
  fileSize,
  formatBytes,
  numberLines,
  readTextFile,
  splitLines,
  writeTextFile,
  type TextFile,
} from './files';
import { scanCheckout, treeEntries } from './listing';
import { ToolError, type OpenCheckout, type ResolvedPath } from './paths';

// Anthropic's text editor tool (`text_editor_20250728`, `str_replace_based_edit_tool`), executed
// on the checkout with the result and error texts of Anthropic's documentation.

const COMMANDS = ['view', 'create', 'str_replace', 'insert'] as const;
const MAX_DIRECTORY_ENTRIES = 400;
/** Lines shown around an edit so the model can check it without another view. */
const SNIPPET_CONTEXT = 3;

/** `listTimeLimitMs` bounds the listing behind a folder's view, as it bounds list_files. */
export async function runTextEditor(
  checkout: OpenCheckout,
  raw: unknown,
  listTimeLimitMs = SEARCH_TIME_LIMIT_MS,
): Promise<string> {
  const command = (raw as { command?: unknown } | null)?.command;
  if (typeof command !== 'string' || !(COMMANDS as readonly string[]).includes(command)) {
    throw new ToolError(`Error: unknown command ${JSON.stringify(command)}. Use one of: ${COMMANDS.join(', ')}.`);
  }
  const parsed = EditorInput.safeParse(raw);
  if (!parsed.success) throw new ToolError(`Error: invalid input for ${command}: ${describeIssues(parsed.error)}`);
  const input = parsed.data;
  const target = checkout.resolve(input.path);
  switch (input.command) {
    case 'view':
      return target.kind === 'directory'
        ? viewDirectory(checkout, target, input.view_range, listTimeLimitMs)
        : viewFile(checkout, target, input.view_range);
    case 'create':
      return create(checkout, target, input.file_text);
    case 'str_replace':
      return strReplace(checkout, target, input.old_str, input.new_str);
    case 'insert':
      return insert(checkout, target, input.insert_line, input.new_str);
  }
}

function requireFile(target: ResolvedPath): void {
  if (target.kind === undefined) throw new ToolError('Error: File not found');
  if (target.kind === 'directory') throw new ToolError(`Error: ${target.display} is a folder, not a file.`);
  if (target.kind !== 'file') throw new ToolError(`Error: ${target.display} is not a regular file.`);
}

async function viewDirectory(
  checkout: OpenCheckout,
  target: ResolvedPath,
  range: unknown,
  timeLimitMs: number,
): Promise<string> {
  if (range !== undefined) throw new ToolError('Error: view_range applies to files, not folders.');
  const folder = checkout.relative(target.real);
  const listing = await scanCheckout(checkout, {
    target: folder,
    single: false,
    timeLimitMs,
    softLimitMs: timeLimitMs,
  });
  if (!listing) {
    throw new ToolError(
      `Error: listing ${folder === '.' ? 'the repository' : `${folder}/`} took too long; view a subfolder, or use list_files with a glob.`,
    );
  }
  const entries = treeEntries(listing.files, folder, 2);
  const shown = entries.slice(0, MAX_DIRECTORY_ENTRIES).map((entry) => (folder === '.' ? entry : `${folder}/${entry}`));
  const header =
    `Files and folders up to 2 levels deep in ` +
    `${folder === '.' ? 'the repository root' : `${folder}/`} (files ignored by .gitignore ` +
    `are left out):`;
  if (shown.length === 0) return `${header}\n(none)`;
  const more =
    entries.length > shown.length
      ? `\n[${entries.length - shown.length} more entries not shown; view a subfolder or use list_files with a glob.]`
      : '';
  return `${header}\n${shown.join('\n')}${more}`;
}

async function viewFile(
  checkout: OpenCheckout,
  target: ResolvedPath,
  range: [number, number] | undefined,
): Promise<string> {
  requireFile(target);
  const fsPath = checkout.pathOf(target);
  if (!range) {
    const size = await fileSize(fsPath);
    if (size > MAX_WHOLE_VIEW_BYTES) {
      const file = await readTextFile(fsPath, target.display);
      const lines = splitLines(file.text).length;
      throw new ToolError(
        `Error: ${target.display} is ${formatBytes(size)} (${lines} lines), too large to view ` +
          `whole. View part of it with view_range, e.g. [1, 200], or find the lines you need with ` +
          `search_files.`,
      );
    }
  }
  const file = await readTextFile(fsPath, target.display);
  const lines = splitLines(file.text);
  const note = file.utf8
    ? ''
    : '[This file is not valid UTF-8; undecodable bytes are shown as \uFFFD and the file cannot be edited.]\n';
  if (lines.length === 0) return `${note}(${target.display} is empty)`;
  let first = 1;
  let last = lines.length;
  if (range) {
    const [start, end] = range;
    if (start < 1 || start > lines.length) {
      throw new ToolError(
        `Error: invalid view_range [${start}, ${end}]: ${target.display} has ${lines.length} lines; the first number must be from 1 to ${lines.length}.`,
      );
    }
    if (end !== -1 && end < start) {
      throw new ToolError(
        `Error: invalid view_range [${start}, ${end}]: the second number must be at least the first, or -1 for the end of the file.`,
      );
    }
    first = start;
    last = end === -1 ? lines.length : Math.min(end, lines.length);
  }
  const numbered = numberLines(lines.slice(first - 1, last), first);
  if (numbered.length <= MAX_VIEW_CHARACTERS) return note + numbered;
  const cut = numbered.slice(0, MAX_VIEW_CHARACTERS);
  const lastShown = first + cut.split('\n').length - 2;
  return (
    `${note}${cut.slice(0, cut.lastIndexOf('\n'))}\n[Output truncated at ` +
    `${MAX_VIEW_CHARACTERS} characters after line ${lastShown} of ${lines.length}. View the ` +
    `rest with view_range, e.g. [${lastShown + 1}, ` +
    `${Math.min(lines.length, lastShown + 400)}].]`
  );
}

async function create(checkout: OpenCheckout, target: ResolvedPath, text: string): Promise<string> {
  if (target.kind === 'directory') throw new ToolError(`Error: ${target.display} is a folder; give a file path.`);
  if (target.kind === 'other') throw new ToolError(`Error: ${target.display} is not a regular file.`);
  let eol: TextFile['eol'] = '\n';
  const fsPath = checkout.createFoldersFor(target);
  if (target.kind === 'file') {
    // Keep a CRLF file CRLF when it is rewritten whole; a binary or unreadable file is simply replaced.
    eol = await readTextFile(fsPath, target.display).then(
      (file) => file.eol,
      () => '\n' as const,
    );
  }
  await writeTextFile(fsPath, target.display, text.replace(/\r\n/g, '\n'), eol);
  return target.kind === 'file'
    ? `File overwritten successfully at: ${target.display}`
    : `File created successfully at: ${target.display}`;
}

/** The file str_replace and insert edit in place: an existing file of UTF-8 text, and where it is. */
async function editableFile(checkout: OpenCheckout, target: ResolvedPath): Promise<{ fsPath: string; file: TextFile }> {
  requireFile(target);
  const fsPath = checkout.pathOf(target);
  const file = await readTextFile(fsPath, target.display);
  if (!file.utf8) {
    throw new ToolError(
      `Error: ${target.display} is not valid UTF-8 text; editing it here would corrupt it. Leave it, or rewrite it whole with create if the task requires.`,
    );
  }
  return { fsPath, file };
}

async function strReplace(
  checkout: OpenCheckout,
  target: ResolvedPath,
  oldStr: string,
  newStr: string,
): Promise<string> {
  const { fsPath, file } = await editableFile(checkout, target);
  const wanted = oldStr.replace(/\r\n/g, '\n');
  const replacement = newStr.replace(/\r\n/g, '\n');
  if (wanted === '') throw new ToolError('Error: old_str must not be empty. To add text, use insert.');
  const count = countOccurrences(file.text, wanted);
  if (count === 0) {
    throw new ToolError(
      `Error: No match found for replacement. Please check your text and try again.${nearMissHint(file.text, wanted)}`,
    );
  }
  if (count > 1) {
    throw new ToolError(
      `Error: Found ${count} matches for replacement text. Please provide more context to make a unique match.`,
    );
  }
  if (wanted === replacement) throw new ToolError('Error: old_str and new_str are identical; nothing would change.');
  const at = file.text.indexOf(wanted);
  const updated = file.text.slice(0, at) + replacement + file.text.slice(at + wanted.length);
  await writeTextFile(fsPath, target.display, updated, file.eol);
  const firstLine = file.text.slice(0, at).split('\n').length;
  const editedLines = replacement === '' ? 0 : splitLines(replacement).length;
  return `Successfully replaced text at exactly one location.\n\n${snippet(updated, firstLine, firstLine + Math.max(editedLines, 1) - 1, target.display)}`;
}

async function insert(
  checkout: OpenCheckout,
  target: ResolvedPath,
  insertLine: number,
  newStr: string,
): Promise<string> {
  const { fsPath, file } = await editableFile(checkout, target);
  const lines = splitLines(file.text);
  if (insertLine < 0 || insertLine > lines.length) {
    throw new ToolError(
      `Error: insert_line ${insertLine} is out of range: ${target.display} has ${lines.length} lines, so use 0 (the beginning) to ${lines.length} (the end).`,
    );
  }
  const added = splitLines(newStr.replace(/\r\n/g, '\n'));
  if (added.length === 0) added.push('');
  const endsWithNewline = file.text === '' || file.text.endsWith('\n');
  const result = [...lines.slice(0, insertLine), ...added, ...lines.slice(insertLine)];
  const updated = result.join('\n') + (endsWithNewline ? '\n' : '');
  await writeTextFile(fsPath, target.display, updated, file.eol);
  const where = insertLine === 0 ? 'at the beginning of the file' : `after line ${insertLine}`;
  return (
    `Successfully inserted ${added.length} line${added.length === 1 ? '' : 's'} ` +
    `${where}.\n\n${snippet(updated, insertLine + 1, insertLine + added.length, target.display)}`
  );
}

function countOccurrences(text: string, wanted: string): number {
  let count = 0;
  for (let at = text.indexOf(wanted); at !== -1; at = text.indexOf(wanted, at + wanted.length)) count++;
  return count;
}

/** The edited lines with a little context, numbered, so the model sees the result. */
function snippet(text: string, firstEdited: number, lastEdited: number, shown: string): string {
  const lines = splitLines(text);
  const from = Math.max(1, firstEdited - SNIPPET_CONTEXT);
  const to = Math.min(lines.length, lastEdited + SNIPPET_CONTEXT);
  if (to - from > 60) return `${shown} now has ${lines.length} lines; lines ${firstEdited}-${lastEdited} changed.`;
  return `Lines ${from}-${to} of ${shown} now read:\n${numberLines(lines.slice(from - 1, to), from)}`;
}

/** Says where old_str would match if indentation or trailing spaces were ignored. */
function nearMissHint(text: string, wanted: string): string {
  const squash = (value: string) =>
    value
      .split('\n')
      .map((line) => line.trim())
      .join('\n')
      .trim();
  const target = squash(wanted);
  if (target === '') return '';
  const lines = text.split('\n');
  const span = wanted.trim().split('\n').length;
  for (let index = 0; index + span <= lines.length; index++) {
    if (squash(lines.slice(index, index + span).join('\n')) === target) {
      return ` (Text matching old_str except for whitespace or indentation starts at line ${index + 1}; copy it exactly from a view.)`;
    }
  }
  return '';
}
