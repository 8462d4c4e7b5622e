import * as vscode from 'vscode';
import { type Handlers, type TextEntryRequest, textEntryProtocol } from '../../common/webviewProtocol';
import type { Services } from '../services';
import { renderHtml, serveProtocol, webviewOptions } from './html';

// Asks for one multi-line text in a tab of its own (webviews/textEntry/): a follow-up's
// instruction, or any other text an action sends to many repositories. Resolves with the text once
// it is sent (`accept` may refuse it with a message, and the tab stays), or undefined when the tab
// is closed or cancelled. Not restored after a reload: it belongs to the command that opened it.

export const TEXT_ENTRY_VIEW_TYPE = 'codyBatch.textEntry';

export function askForText(
  services: Services,
  request: TextEntryRequest,
  accept: (text: string) => Promise<string | undefined> = async () => undefined,
): Promise<string | undefined> {
  const extensionUri = services.context.extensionUri;
  const panel = vscode.window.createWebviewPanel(TEXT_ENTRY_VIEW_TYPE, request.title, vscode.ViewColumn.Active, {
    ...webviewOptions(extensionUri),
    retainContextWhenHidden: true,
  });
  panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'cody-batch.svg');
  return new Promise((resolve) => {
    let answered = false;
    const finish = (text: string | undefined) => {
      if (answered) return;
      answered = true;
      resolve(text);
      setTimeout(() => panel.dispose(), 0);
    };
    const handlers: Handlers<typeof textEntryProtocol> = {
      load: () => request,
      submit: async ({ text }) => {
        if (!text.trim()) return { done: false, message: 'It must not be empty.' };
        if (text.length > request.maxLength)
          return { done: false, message: `It must be at most ${request.maxLength} characters.` };
        const refusal = await accept(text);
        if (refusal) return { done: false, message: refusal };
        finish(text);
        return { done: true };
      },
      cancel: () => {
        finish(undefined);
        return { done: true };
      },
    };
    const subscription = serveProtocol(panel.webview, textEntryProtocol, handlers, services.log, 'textEntry');
    panel.onDidDispose(() => {
      subscription.dispose();
      if (!answered) {
        answered = true;
        resolve(undefined);
      }
    });
    panel.webview.html = renderHtml(panel.webview, extensionUri, 'textEntry', request.title);
  });
}
