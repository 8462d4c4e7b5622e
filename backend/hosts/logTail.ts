import { LOG_TAIL_CHARS, LOG_TAIL_LINES } from './codeHost';

// The end of a CI job's log, as a follow-up round hands it to Claude: every host's logs (GitHub
// Actions' jobs, GitLab's job traces) are cut the same way, to the same caps.

/** The last LOG_TAIL_LINES lines, at most LOG_TAIL_CHARS characters, without timestamps or terminal escapes. */
export function tailOf(log: string): string {
  const lines = log
    .replace(/\r\n?/g, '\n')
    // Terminal escapes (colours, cursor moves) mean nothing to Claude and must not reach a terminal.
    .replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '')
    .replace(/\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g, '')
    .split('\n')
    .map((line) => line.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?/, ''));
  while (lines.length && lines.at(-1) === '') lines.pop();
  const tail = lines.slice(-LOG_TAIL_LINES).join('\n');
  return tail.length > LOG_TAIL_CHARS ? tail.slice(tail.length - LOG_TAIL_CHARS) : tail;
}
