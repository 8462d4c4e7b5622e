import * as vscode from 'vscode';
import { Redactor } from '../../common/redact';

/** The "Cody Batch" log channel. Everything written goes through the redactor first. */
export class Log implements vscode.Disposable {
  readonly redactor = new Redactor();
  private readonly channel = vscode.window.createOutputChannel('Cody Batch', { log: true });

  info(message: string): void {
    this.channel.info(this.redactor.text(message));
  }

  warn(message: string): void {
    this.channel.warn(this.redactor.text(message));
  }

  error(message: string, error?: unknown): void {
    const detail = error === undefined ? '' : `: ${describe(error)}`;
    this.channel.error(this.redactor.text(`${message}${detail}`));
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}${code ? ` ${String(code)}` : ''}: ${error.message}${error.stack ? `\n${error.stack.split('\n').slice(1, 6).join('\n')}` : ''}`;
  }
  return String(error);
}
