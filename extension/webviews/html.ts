import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { answerRequest, type Handlers, type ProtocolSpec } from '../../common/webviewProtocol';
import type { Log } from '../log/output';
import { pageHtml, type WebviewScript } from './pageHtml';

// What every Cody Batch webview shares: a strict CSP (nothing but our own files, scripts and inline
// styles only by nonce), resources only from dist/webviews, and the request/reply protocol of common/.

export type { WebviewScript };

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

/** The page of `script`, its script and styles inline (pageHtml.ts), with a fresh nonce. */
export function renderHtml(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  script: WebviewScript,
  title: string,
): string {
  const root = webviewRoot(extensionUri);
  return pageHtml({
    script,
    title,
    nonce: randomBytes(18).toString('base64'),
    cspSource: webview.cspSource,
    asset: (name) => webview.asWebviewUri(vscode.Uri.joinPath(root, name)).toString(),
    read: (name) => distText(path.join(root.fsPath, name)),
  });
}

const read = new Map<string, { modified: number; text: string }>();

/** A file of dist/webviews, read once (and again only when a build has rewritten it). */
function distText(file: string): string {
  const modified = statSync(file).mtimeMs;
  const kept = read.get(file);
  if (kept?.modified === modified) return kept.text;
  const text = readFileSync(file, 'utf8');
  read.set(file, { modified, text });
  return text;
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
