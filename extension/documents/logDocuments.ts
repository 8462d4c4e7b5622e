import * as vscode from 'vscode';
import * as z from 'zod';
import { LOG_LANGUAGE } from '../../common/names';
import type { Connection } from '../connection/connection';
import type { RepositoryRef } from '../../common/webviewProtocol';

// "View Repository Log": the worker's command, verify and git output as a read-only document, of
// the current attempt or an earlier one. Its language (LOG_LANGUAGE) has word wrap on by default
// (package.json's configurationDefaults), so a long error line wraps instead of running off.

export const LOG_SCHEME = 'cody-batch-log';
const LogQuery = z.object({ jobId: z.string(), repositoryName: z.string(), attempt: z.number().int().optional() });

export class LogDocuments implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly connection: Connection) {}

  private uri(ref: RepositoryRef): vscode.Uri {
    const name = `${ref.repositoryName}${ref.attempt ? `-attempt-${ref.attempt}` : ''}.log`;
    return vscode.Uri.from({ scheme: LOG_SCHEME, path: `/${name}`, query: JSON.stringify(ref) });
  }

  /** Whether an editor in view shows this log (a second click on its row goes there). */
  isShowing(ref: RepositoryRef): boolean {
    const uri = this.uri(ref).toString();
    return vscode.window.visibleTextEditors.some((editor) => editor.document.uri.toString() === uri);
  }

  async open(ref: RepositoryRef, options: { preserveFocus?: boolean } = {}): Promise<void> {
    const uri = this.uri(ref);
    // Re-read it: the run may have gone on since the document was last opened.
    this.changed.fire(uri);
    let document = await vscode.workspace.openTextDocument(uri);
    if (document.languageId !== LOG_LANGUAGE)
      document = await vscode.languages.setTextDocumentLanguage(document, LOG_LANGUAGE);
    await vscode.window.showTextDocument(document, { preview: true, preserveFocus: options.preserveFocus });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const ref = LogQuery.parse(JSON.parse(uri.query));
    const log = await this.connection.client.getLog(ref.jobId, ref.repositoryName, { attempt: ref.attempt });
    return log || `(${ref.repositoryName} has no log yet)`;
  }
}
