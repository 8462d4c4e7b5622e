import { constants } from 'node:fs';
import { lstat, open, type FileHandle } from 'node:fs/promises';
import { ToolError } from './paths';

// Reading and writing text files for the tools: binary, oversized and non-UTF-8 files are refused
// with a message the model can act on, and CRLF files keep their line endings. Paths come from
// OpenCheckout (one name in a folder held open) and are opened without following a link, and
// without waiting: a FIFO put in the file's place would otherwise block the open for ever.

/** Files above this are refused by every editor command. */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;
/** Files above this are viewed in parts only (`view_range`). */
export const MAX_WHOLE_VIEW_BYTES = 256 * 1024;
/** How much of a file's start is checked for NUL bytes, as git does. */
export const BINARY_PROBE_BYTES = 8000;

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export function looksBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, BINARY_PROBE_BYTES).includes(0);
}

export interface TextFile {
  /** The text with `\n` line endings (CRLF files are converted back on write). */
  text: string;
  eol: '\n' | '\r\n';
  bytes: number;
  /** False when the bytes are not valid UTF-8 (shown with replacement characters; never written back). */
  utf8: boolean;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');

/** The size of the file at `target` (not followed). */
export async function fileSize(target: string): Promise<number> {
  return (await lstat(target)).size;
}

/** Opens a regular file, never through a link and never waiting (FIFOs); anything else is refused. */
async function openRegularFile(target: string, flags: number, shown: string): Promise<FileHandle> {
  const handle = await open(target, flags | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o644);
  try {
    if (!(await handle.stat()).isFile()) throw new ToolError(`Error: ${shown} is not a regular file.`);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}

/** Reads a text file; `shown` is the path as the model wrote it. */
export async function readTextFile(target: string, shown: string, maxBytes = MAX_FILE_BYTES): Promise<TextFile> {
  const handle = await openRegularFile(target, constants.O_RDONLY, shown);
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) {
      throw new ToolError(
        `Error: ${shown} is ${formatBytes(size)}, too large for the editor (limit ` +
          `${formatBytes(maxBytes)}). Find the lines you need with search_files; leave generated ` +
          `or data files alone.`,
      );
    }
    const buffer = await handle.readFile();
    if (looksBinary(buffer)) {
      throw new ToolError(
        `Error: ${shown} is a binary file (${formatBytes(size)}); the editor works on text files only.`,
      );
    }
    let text: string;
    let utf8 = true;
    try {
      text = strictUtf8.decode(buffer);
    } catch {
      text = lenientUtf8.decode(buffer);
      utf8 = false;
    }
    // Only a file whose every line ends in CRLF is treated as CRLF; mixed files are edited as they are.
    const lf = (text.match(/\n/g) ?? []).length;
    const crlf = (text.match(/\r\n/g) ?? []).length;
    const eol = lf > 0 && lf === crlf ? '\r\n' : '\n';
    return { text: eol === '\r\n' ? text.replace(/\r\n/g, '\n') : text, eol, bytes: size, utf8 };
  } finally {
    await handle.close();
  }
}

/** At most the first `maxBytes` of a regular file (never through a link, never waiting), and its whole size. */
export async function readFilePrefix(
  target: string,
  shown: string,
  maxBytes: number,
): Promise<{ bytes: Buffer; size: number }> {
  const handle = await openRegularFile(target, constants.O_RDONLY, shown);
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(Math.min(size, maxBytes));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return { bytes: buffer.subarray(0, bytesRead), size };
  } finally {
    await handle.close();
  }
}

/** Writes `text` (with `\n` endings) in the file's own line endings, never through a link. */
export async function writeTextFile(
  target: string,
  shown: string,
  text: string,
  eol: '\n' | '\r\n' = '\n',
): Promise<void> {
  const data = eol === '\r\n' ? text.replace(/\n/g, '\r\n') : text;
  if (Buffer.byteLength(data) > MAX_FILE_BYTES) {
    throw new ToolError(
      `Error: the new content is ${formatBytes(Buffer.byteLength(data))}, over the editor's limit of ${formatBytes(MAX_FILE_BYTES)}.`,
    );
  }
  // Truncated only once it is known to be a regular file.
  const handle = await openRegularFile(target, constants.O_WRONLY | constants.O_CREAT, shown);
  try {
    await handle.truncate(0);
    await handle.writeFile(data);
  } finally {
    await handle.close();
  }
}

/** Splits text into lines; a final newline does not start another line. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop();
  return lines;
}

/** `N: line`, the numbering Anthropic's text editor examples use. */
export function numberLines(lines: string[], firstLine: number): string {
  return lines.map((line, index) => `${firstLine + index}: ${line}`).join('\n');
}
