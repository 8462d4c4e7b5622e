import type { Redactor } from '../../common/redact';

// log.txt of one run: our own step lines and the output of the commands we ran, redacted whenever
// it leaves memory. A runaway command cannot fill the store: past the cap, the middle is dropped.

const HEAD_CHARS = 256 * 1024;
const TAIL_CHARS = 1024 * 1024;

export class RunLog {
  private head = '';
  private tail = '';
  private omitted = 0;
  private dirty = false;
  private saving: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redactor: Redactor,
    private readonly save: (text: string) => Promise<void>,
    /** Where step lines are echoed as they happen (the worker's console); already redacted. */
    private readonly echo: (line: string) => void = () => undefined,
  ) {}

  /** A step line, time-stamped, also echoed. */
  step(message: string): void {
    const line = `[${new Date().toISOString().slice(11, 23)}] ${message}`;
    this.append(`${line}\n`);
    this.echo(this.redactor.text(line));
  }

  /** Raw output of a command. */
  write(text: string): void {
    this.append(text);
  }

  /** Any text made safe to store or show, by the same rules as the log. */
  redact(text: string): string {
    return this.redactor.text(text);
  }

  /** True when the text holds one of the exact secrets the log hides. */
  containsSecret(text: string): boolean {
    return this.redactor.containsSecret(text);
  }

  /** The whole log as stored: redacted. */
  text(): string {
    const middle = this.omitted ? `\n[... ${this.omitted} characters omitted ...]\n` : '';
    return this.redactor.text(this.head + middle + this.tail);
  }

  /** Saves the log if it changed since the last save; saves never overlap. */
  flush(): Promise<void> {
    if (!this.dirty) return this.saving;
    this.dirty = false;
    const text = this.text();
    this.saving = this.saving.then(() => this.save(text)).catch(() => undefined);
    return this.saving;
  }

  /** Saves every `ms` while something may be printing (a long command). */
  autoFlush(ms: number): () => void {
    this.timer ??= setInterval(() => void this.flush(), ms);
    this.timer.unref();
    return () => {
      if (this.timer) clearInterval(this.timer);
      this.timer = undefined;
    };
  }

  private append(text: string): void {
    this.dirty = true;
    if (this.omitted === 0 && this.head.length + text.length <= HEAD_CHARS) {
      this.head += text;
      return;
    }
    this.tail += text;
    if (this.tail.length > 2 * TAIL_CHARS) {
      const drop = this.tail.length - TAIL_CHARS;
      this.omitted += drop;
      this.tail = this.tail.slice(drop);
    }
  }
}

/** The last `maxChars` of some output, starting at a line boundary where it can. */
export function tailOf(text: string, maxChars = 4000): string {
  if (text.length <= maxChars) return text;
  const cut = text.slice(-maxChars);
  const newline = cut.indexOf('\n');
  return newline >= 0 && newline < maxChars / 2 ? cut.slice(newline + 1) : cut;
}
