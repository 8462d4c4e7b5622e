import type * as vscode from 'vscode';
import type {
  CreateJobDraft,
  DiffPanelState,
  diffProtocol,
  Handlers,
  Payload,
  RepositoryRef,
} from '../common/webviewProtocol';
import type { Connection } from './connection/connection';
import type { DiffDocuments } from './documents/diffDocuments';
import type { LogDocuments } from './documents/logDocuments';
import type { Log } from './log/output';
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

// The webview panels as commands and other panels use them. The interface lives here, with the
// services that hold it, so that the panels (webviews/panels.ts, which implements it) depend on the
// services and never the other way round.

/** How a panel is shown: keeping the keyboard where it is (a tree row's preview), beside the active editor. */
export interface ShowOptions {
  preserveFocus?: boolean;
  beside?: boolean;
}

/** The diff panel the user is in, for the commands that act on it from the keyboard. */
export interface ActiveDiff {
  state: DiffPanelState;
  handlers: Handlers<typeof diffProtocol>;
  send<E extends keyof (typeof diffProtocol)['events'] & string>(
    name: E,
    payload: Payload<typeof diffProtocol, E>,
  ): Thenable<boolean>;
}

export interface Panels {
  showDiff(ref: RepositoryRef, jobName?: string, options?: ShowOptions): void;
  /** A change group: its representative's diff (`ref.repositoryName`) with its members. */
  showGroup(ref: RepositoryRef & { group: string }, jobName?: string): void;
  showThread(ref: RepositoryRef, jobName?: string, options?: ShowOptions): void;
  /** Whether a visible panel shows this repository's diff or thread (a second click on its row goes there). */
  isShowing(ref: RepositoryRef, kind: 'diff' | 'thread'): boolean;
  /** A job's overview: counts, cost, failures and the burndown. */
  showOverview(jobId: string, jobName?: string): void;
  /** The form, its prompt from the editor selection, or filled from an earlier job (Run Again). */
  showCreateJob(prompt: string, fill?: Partial<CreateJobDraft>): void;
  /** The diff panel that is the active editor, if any. */
  activeDiff(): ActiveDiff | undefined;
  /** Diff panels showing this repository's own diff load it again (its review changed elsewhere). */
  reloadDiff(ref: { jobId: string; repositoryName: string }): void;
  /** The job's group views load again (a member's review changed). */
  reloadGroups(jobId: string): void;
}
