import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { answerRequest, type Handlers, type ProtocolSpec } from '../../common/webviewProtocol';
import type { Log } from '../log/output';

// What every Cody Batch webview shares: a strict CSP (nothing but our own files, scripts only by
// nonce), resources only from dist/webviews, and the request/reply protocol of common/.

export type WebviewScript = 'diff' | 'thread' | 'createJob' | 'overview' | 'compose';

export function webviewRoot(extensionUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'dist', 'webviews');
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [webviewRoot(extensionUri)],
    enableFindWidget: true,
    retainContextWhenHidden: false,
  };
}

export function renderHtml(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  script: WebviewScript,
  title: string,
): string {
  const nonce = randomBytes(18).toString('base64');
  const asset = (name: string) => webview.asWebviewUri(vscode.Uri.joinPath(webviewRoot(extensionUri), name)).toString();
  const source = webview.cspSource;
  const csp = [
    `default-src 'none'`,
    `style-src ${source}`,
    `font-src ${source}`,
    `img-src ${source} data:`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('codicons.css')}" id="vscode-codicon-stylesheet">
<link rel="stylesheet" href="${asset(`${script}.css`)}">
<title>${escapeHtml(title)}</title>
</head>
<body>
<main id="app" aria-busy="true"><p class="loading">Loading…</p></main>
<script nonce="${nonce}" src="${asset(`${script}.js`)}"></script>
</body>
</html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** Answers the page's requests with `handlers`, validating both ways. */
export function serveProtocol<S extends ProtocolSpec>(
  webview: vscode.Webview,
  spec: S,
  handlers: Handlers<S>,
  log: Log,
  name: string,
): vscode.Disposable {
  return webview.onDidReceiveMessage(async (message: unknown) => {
    const reply = await answerRequest(spec, handlers, message, (error, method) => {
      log.error(`${name} webview: ${method} failed`, error);
      return error instanceof Error ? error.message : String(error);
    });
    if (reply) await webview.postMessage(reply);
    else log.warn(`${name} webview sent a message that is not a request; ignored`);
  });
}
