import * as vscode from 'vscode';
import { composeProtocol } from '../../common/webviewProtocol';
import type { Services } from '../services';
import { renderHtml, serveProtocol, webviewOptions } from './html';

// Multi-line text in a real editor: a revised prompt or command, a pull-request comment, a review
// note. A tab of its own with a box as wide as the editor, instead of a one-line input box; Send
// (or Ctrl+Enter) gives the text to the command that asked, which may refuse it with why (the tab
// stays, with the text); Cancel or closing the tab gives nothing.

export interface TextRequest {
  title: string;
  prompt: string;
  value?: string;
  sendLabel: string;
  /** "Markdown", "A shell command", "Plain words". */
  kind: string;
  placeholder?: string;
  /** Why the text cannot be taken (empty, too long), or undefined. */
  validate?(text: string): string | undefined;
}

export const COMPOSE_VIEW_TYPE = 'codyBatch.compose';

export function askForText(services: Services, request: TextRequest): Promise<string | undefined> {
  const extensionUri = services.context.extensionUri;
  const panel = vscode.window.createWebviewPanel(
    COMPOSE_VIEW_TYPE,
    request.title,
    { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
    webviewOptions(extensionUri),
  );
  panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'cody-batch.svg');
  panel.webview.html = renderHtml(panel.webview, extensionUri, 'compose', request.title);
  return new Promise((resolve) => {
    let answered = false;
    const finish = (text: string | undefined) => {
      if (answered) return;
      answered = true;
      resolve(text);
      subscription.dispose();
      panel.dispose();
    };
    const subscription = serveProtocol(
      panel.webview,
      composeProtocol,
      {
        load: () => ({
          title: request.title,
          prompt: request.prompt,
          value: request.value ?? '',
          sendLabel: request.sendLabel,
          kind: request.kind,
          placeholder: request.placeholder,
        }),
        submit: ({ text }) => {
          const refused = request.validate?.(text);
          if (refused) return { ok: false, message: refused };
          // After the reply: the page hears that it was taken before its tab goes.
          setTimeout(() => finish(text), 0);
          return { ok: true };
        },
        cancel: () => {
          setTimeout(() => finish(undefined), 0);
          return { done: true };
        },
      },
      services.log,
      'compose',
    );
    panel.onDidDispose(() => finish(undefined));
  });
}

/** The usual check: something to send, and not more than `max` characters. */
export function required(max: number): (text: string) => string | undefined {
  return (text) =>
    !text.trim() ? 'Write something first.' : text.length > max ? `At most ${max} characters, please.` : undefined;
}
