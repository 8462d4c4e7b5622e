import { escapeInvisible } from '../common/invisibleCharacters';

// Everything the CLI prints goes through this module (cli/terminal.test.ts checks that no other file
// of cli/ writes to stdout or stderr itself). Text from repositories (patches, files Claude viewed,
// file names), Claude, the code host and logs reaches the user's terminal, which obeys escape
// sequences in it (set the window title, clear the screen, rewrite lines, write the clipboard with
// OSC 52); bidirectional controls and invisible characters reorder or hide what is shown. So:
//
// - `say`, `sayError`: words for a person, always escaped: control characters other than newline
//   and tab as `\xNN`, invisible ones as `\u202e`. Piped to a file, they are still read by a person
//   (with `cat`), so they are escaped there too.
// - `printJson`: `--json`, for programs: the same JSON value, with DEL, C1 controls and invisible
//   characters written as `\u` escapes (JSON.stringify already escapes C0), so it is safe on a
//   terminal and equal once parsed.
// - `writeData`: a patch, for `git apply`: byte for byte when stdout is not a terminal; escaped as
//   `say` does when it is (unless `raw`: `cody-batch diff --raw`).

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
const JSON_CONTROL = /[\u007f-\u009f]/g;

const hex = (char: string, digits: number) => char.charCodeAt(0).toString(16).padStart(digits, '0');

/** `text` as it may reach a terminal: control characters but newline and tab as `\x1b`, invisible ones as `\u202e`. */
export function forTerminal(text: string): string {
  return escapeInvisible(text.replace(CONTROL, (char) => `\\x${hex(char, 2)}`));
}

/** A line (or lines) for a person on stdout. */
export function say(text = ''): void {
  process.stdout.write(`${forTerminal(text)}\n`);
}

/** A line (or lines) for a person on stderr: errors, progress, notes. */
export function sayError(text: string): void {
  process.stderr.write(`${forTerminal(text)}\n`);
}

/** `value` as JSON whose strings show no control or invisible character raw: the same value once parsed. */
export function jsonForTerminal(value: unknown): string {
  return escapeInvisible(
    JSON.stringify(value).replace(JSON_CONTROL, (char) => `\\u${hex(char, 4)}`),
    { json: true },
  );
}

/** One JSON value on its own line on stdout (`--json`; `watch --json` prints one per event). */
export function printJson(value: unknown, out: NodeJS.WritableStream = process.stdout): void {
  out.write(`${jsonForTerminal(value)}\n`);
}

/**
 * Data for a program (a patch): exactly `bytes` as received when stdout is a file or a pipe; on a
 * terminal, `text` (the bytes decoded) escaped like `say` unless `raw`.
 */
export function writeData(text: string, bytes: Uint8Array | undefined, options: { raw?: boolean } = {}): void {
  if (process.stdout.isTTY && !options.raw) process.stdout.write(forTerminal(text));
  else process.stdout.write(bytes ?? text);
}

/** One line at the bottom of a terminal that rewrites itself (the only escapes the CLI writes: CR, erase line). */
export interface StatusLine {
  show(text: string): void;
  clear(): void;
}

/** A status line on stdout; it shows nothing when stdout is not a terminal, or when not `enabled`. */
export function statusLine(enabled = true): StatusLine {
  const out = process.stdout;
  let shown = false;
  return {
    show(text) {
      if (!out.isTTY || !enabled) return;
      // Longer than the terminal, it would wrap and `\r` would no longer reach its start.
      const width = Math.max(20, (out.columns || 80) - 1);
      const line = forTerminal(text);
      out.write(`\r\u001b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
      shown = true;
    },
    clear() {
      if (shown) out.write('\r\u001b[2K');
      shown = false;
    },
  };
}

/** A line of progress on stderr (stdout keeps what a script reads). */
export function stderrLine(line: string): void {
  process.stderr.write(`${forTerminal(line)}\n`);
}
