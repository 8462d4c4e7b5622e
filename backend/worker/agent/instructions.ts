import type { InstructionFile } from '../../../common/schemas';
import { looksBinary, readFilePrefix } from './tools/files';
import { Checkout, ToolError } from './tools/paths';

// The repository's own instructions for coding agents, for its first message: each file read from
// the checkout through the tools' path guard (a link out of the checkout, or into .git/, is
// refused; nothing is followed at open), capped, and marked as the repository's words, which the
// task and the system prompt outrank.

/** Where repositories keep instructions for agents, in the order they are given. */
export const INSTRUCTION_FILES = ['CLAUDE.md', 'AGENTS.md', '.github/copilot-instructions.md'] as const;
export const MAX_INSTRUCTION_CHARS = 20_000;
/** Enough bytes for MAX_INSTRUCTION_CHARS characters of UTF-8, and one more to know the file is longer. */
const MAX_INSTRUCTION_BYTES = MAX_INSTRUCTION_CHARS * 4 + 4;

export interface RepositoryInstructions {
  /** What was found: included (maybe cut), or skipped and why. Files that do not exist are not listed. */
  files: InstructionFile[];
  /** The blocks for the first message, one per included file ('' when none). */
  text: string;
}

const utf8 = new TextDecoder('utf-8');

export async function readRepositoryInstructions(checkoutDir: string): Promise<RepositoryInstructions> {
  const checkout = await Checkout.open(checkoutDir);
  const files: InstructionFile[] = [];
  const blocks: string[] = [];
  for (const name of INSTRUCTION_FILES) {
    const open = checkout.openForCall();
    try {
      let target: ReturnType<typeof open.resolve>;
      try {
        target = open.resolve(name);
      } catch (error) {
        if (!(error instanceof ToolError)) throw error;
        files.push({ path: name, characters: 0, cut: false, skipped: reasonOf(error.message) });
        continue;
      }
      if (target.kind === undefined) continue;
      if (target.kind !== 'file') {
        files.push({ path: name, characters: 0, cut: false, skipped: 'not a regular file' });
        continue;
      }
      const { bytes, size } = await readFilePrefix(open.pathOf(target), name, MAX_INSTRUCTION_BYTES);
      if (looksBinary(bytes)) {
        files.push({ path: name, characters: 0, cut: false, skipped: 'a binary file' });
        continue;
      }
      let text = utf8.decode(bytes);
      // A character cut in two at the end of what was read decodes as U+FFFD: drop it.
      if (size > bytes.length) text = text.replace(/\uFFFD+$/, '');
      const cut = text.length > MAX_INSTRUCTION_CHARS || size > bytes.length;
      if (text.length > MAX_INSTRUCTION_CHARS) text = text.slice(0, MAX_INSTRUCTION_CHARS);
      files.push({ path: name, characters: text.length, cut });
      blocks.push(instructionBlock(name, text, cut));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      files.push({ path: name, characters: 0, cut: false, skipped: code ? `unreadable (${code})` : 'unreadable' });
    } finally {
      open.close();
    }
  }
  return { files, text: blocks.join('\n\n') };
}

function instructionBlock(name: string, text: string, cut: boolean): string {
  const note = cut ? ` note="cut at ${MAX_INSTRUCTION_CHARS.toLocaleString('en-US')} characters"` : '';
  return `<repository_instructions file="${name}"${note}>\n${escapeClosing(text, 'repository_instructions')}\n</repository_instructions>`;
}

/** The job's note for one repository, as a block of the first message. */
export function jobNoteBlock(note: string): string {
  return `<job_note_for_this_repository>\n${escapeClosing(note, 'job_note_for_this_repository')}\n</job_note_for_this_repository>`;
}

/** Text that would close its block early is defused, so the block's end is ours. */
export function escapeClosing(text: string, tag: string): string {
  return text.replace(new RegExp(`</(${tag})`, 'gi'), '<\\/$1');
}

function reasonOf(message: string): string {
  if (/outside the repository/.test(message)) return 'a symbolic link out of the repository';
  if (/does not exist/.test(message)) return 'a symbolic link to nothing';
  if (/\.git\//.test(message)) return 'inside .git/';
  return message.replace(/^Error: /, '');
}
