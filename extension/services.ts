import type * as vscode from 'vscode';
import type { Connection } from './connection/connection';
import type { DiffDocuments } from './documents/diffDocuments';
import type { LogDocuments } from './documents/logDocuments';
import type { Log } from './log/output';
import type { Panels } from './webviews/panels';
import type { PatchStore } from './patches';
import type { JobsView } from './tree/jobsView';

/** What commands and panels share: one of each, made in `activate`. */
export interface Services {
  context: vscode.ExtensionContext;
  log: Log;
  connection: Connection;
  jobs: JobsView;
  patches: PatchStore;
  diffDocuments: DiffDocuments;
  logDocuments: LogDocuments;
  panels: Panels;
}
