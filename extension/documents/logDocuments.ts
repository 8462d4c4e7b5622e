import * as vscode from 'vscode';
import { z } from 'zod';
import type { Connection } from '../connection/connection';
import type { RepositoryRef } from '../../common/webviewProtocol';

// "View Repository Log": the worker's command, verify and git output as a read-only document.

export const LOG_SCHEME = 'cody-batch-log';
const LogQuery = z.object({ jobId: z.string(), repositoryName: z.string() });

export class LogDocuments implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly connection: Connection) {}

  async open(ref: RepositoryRef): Promise<void> {
    const uri = vscode.Uri.from({ scheme: LOG_SCHEME, path: `/${ref.repositoryName}.log`, query: JSON.stringify(ref) });
    // Re-read it: the run may have gone on since the document was last opened.
    this.changed.fire(uri);
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document, { preview: true });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const ref = LogQuery.parse(JSON.parse(uri.query));
    const log = await this.connection.client.getLog(ref.jobId, ref.repositoryName);
    return log || `(${ref.repositoryName} has no log yet)`;
  }
}
