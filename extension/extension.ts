import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { Connection } from './connection/connection';
import { DIFF_SCHEME, DiffDocuments } from './documents/diffDocuments';
import { LOG_SCHEME, LogDocuments } from './documents/logDocuments';
import { Log } from './log/output';
import { PatchStore } from './patches';
import type { Services } from './services';
import { JobsView } from './tree/jobsView';
import { WebviewPanels } from './webviews/panels';

// The Cody Batch extension: the Jobs view, the commands, and the diff, thread and Create Job
// webviews, over one connection to the API.

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = new Log();
  const connection = new Connection(context, log);
  const patches = new PatchStore(connection);
  const diffDocuments = new DiffDocuments(patches);
  const logDocuments = new LogDocuments(connection);
  let services: Services | undefined;
  const panels = new WebviewPanels(() => services!);
  const jobs = new JobsView(connection, log);
  services = { context, log, connection, jobs, patches, diffDocuments, logDocuments, panels };

  context.subscriptions.push(
    log,
    connection,
    jobs,
    panels,
    vscode.workspace.registerTextDocumentContentProvider(DIFF_SCHEME, diffDocuments),
    vscode.workspace.registerTextDocumentContentProvider(LOG_SCHEME, logDocuments),
    connection.onDidChange(() => patches.clear()),
    ...registerCommands(services),
  );
  log.info(`Cody Batch ${String(context.extension.packageJSON.version)} activated`);
  await connection.restore();
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
