import { escapeInvisible } from '../common/invisibleCharacters';

// Text from repositories (files Claude viewed, command output in error messages) reaches the
// user's terminal. Escape sequences in it would be obeyed there (clear the screen, rewrite lines,
// set the clipboard with OSC 52), so control characters other than newline and tab are shown as
// `\xNN` instead. Bidirectional controls and invisible characters would reorder or hide what is
// shown, so they are shown as `\u202e`. Patches are never passed through this: `cody-batch diff`
// must stay byte-exact.

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function forTerminal(text: string): string {
  return escapeInvisible(text.replace(CONTROL, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

/** A line of progress on stderr (stdout keeps what a script reads). */
export function stderrLine(line: string): void {
  process.stderr.write(`${forTerminal(line)}\n`);
}
