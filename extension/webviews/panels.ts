import * as vscode from 'vscode';
import {
  CreateJobPanelState,
  createJobProtocol,
  DiffPanelState,
  diffProtocol,
  ThreadPanelState,
  threadProtocol,
  type Handlers,
  type ProtocolSpec,
  type RepositoryRef,
} from '../../common/webviewProtocol';
import type { Services } from '../services';
import { createJobHandlers, offerPrompt } from './createJobPanel';
import { diffHandlers } from './diffPanel';
import { renderHtml, serveProtocol, webviewOptions, type WebviewScript } from './html';
import { threadHandlers } from './threadPanel';

// Opens, reveals and restores the webview panels: one diff and one thread panel per repository,
// one Create Job form. Panels come back after a reload through WebviewPanelSerializers, from the
// state each page keeps with setState.

export const VIEW_TYPES = {
  diff: 'codyBatch.diff',
  thread: 'codyBatch.thread',
  createJob: 'codyBatch.createJob',
} as const;

interface PanelKind<S extends ProtocolSpec, State> {
  viewType: string;
  script: WebviewScript;
  spec: S;
  state: { safeParse(value: unknown): { success: true; data: State } | { success: false } };
  title(state: State): string;
  /** One panel per key: showing the same thing again reveals it. */
  key(state: State): string;
  handlers(services: Services, state: State, panel: vscode.WebviewPanel): Handlers<S>;
  /** Showing an open panel again, with what the command was run with this time. */
  showAgain?(panel: vscode.WebviewPanel, state: State): void;
}

const DIFF: PanelKind<typeof diffProtocol, DiffPanelState> = {
  viewType: VIEW_TYPES.diff,
  script: 'diff',
  spec: diffProtocol,
  state: DiffPanelState,
  title: (state) => `Diff: ${state.repositoryName}`,
  key: (state) => `diff:${state.jobId}:${state.repositoryName}`,
  handlers: (services, state) => diffHandlers(services, state),
};

const THREAD: PanelKind<typeof threadProtocol, ThreadPanelState> = {
  viewType: VIEW_TYPES.thread,
  script: 'thread',
  spec: threadProtocol,
  state: ThreadPanelState,
  title: (state) => `Claude: ${state.repositoryName}`,
  key: (state) => `thread:${state.jobId}:${state.repositoryName}`,
  handlers: (services, state) => threadHandlers(services, state),
};

const CREATE_JOB: PanelKind<typeof createJobProtocol, CreateJobPanelState & { prompt?: string }> = {
  viewType: VIEW_TYPES.createJob,
  script: 'createJob',
  spec: createJobProtocol,
  state: CreateJobPanelState,
  title: () => 'Cody Batch: Create Job',
  key: () => 'createJob',
  handlers: (services, state, panel) => createJobHandlers(services, state.prompt ?? '', panel),
  showAgain: (panel, state) => offerPrompt(panel, state.prompt ?? ''),
};

export class Panels implements vscode.Disposable {
  private readonly open = new Map<string, vscode.WebviewPanel>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly services: () => Services) {
    for (const kind of [DIFF, THREAD, CREATE_JOB] as PanelKind<ProtocolSpec, unknown>[]) {
      this.disposables.push(
        vscode.window.registerWebviewPanelSerializer(kind.viewType, {
          deserializeWebviewPanel: async (panel, state) => {
            const parsed = kind.state.safeParse(state ?? {});
            if (!parsed.success) {
              // Nothing says what the panel showed (the page never saved its state): close it.
              this.services().log.warn(
                `Could not restore a ${kind.script} panel: its saved state is ${JSON.stringify(state)}`,
              );
              panel.dispose();
              return;
            }
            this.attach(kind, panel, parsed.data);
          },
        }),
      );
    }
  }

  showDiff(ref: RepositoryRef): void {
    this.show(DIFF, { ...ref, layout: 'side-by-side' });
  }

  showThread(ref: RepositoryRef): void {
    this.show(THREAD, ref);
  }

  showCreateJob(prompt: string): void {
    this.show(CREATE_JOB, { prompt });
  }

  dispose(): void {
    for (const panel of this.open.values()) panel.dispose();
    for (const disposable of this.disposables) disposable.dispose();
  }

  private show<S extends ProtocolSpec, State>(kind: PanelKind<S, State>, state: State): void {
    const existing = this.open.get(kind.key(state));
    if (existing) {
      // Revealing a hidden panel rebuilds its page, which asks for an offered prompt as it starts.
      existing.reveal();
      kind.showAgain?.(existing, state);
      return;
    }
    const extensionUri = this.services().context.extensionUri;
    const panel = vscode.window.createWebviewPanel(
      kind.viewType,
      kind.title(state),
      vscode.ViewColumn.Active,
      webviewOptions(extensionUri),
    );
    this.attach(kind, panel, state);
  }

  private attach<S extends ProtocolSpec, State>(
    kind: PanelKind<S, State>,
    panel: vscode.WebviewPanel,
    state: State,
  ): void {
    const services = this.services();
    const panelKey = kind.key(state);
    this.open.set(panelKey, panel);
    panel.title = kind.title(state);
    panel.iconPath = vscode.Uri.joinPath(services.context.extensionUri, 'media', 'cody-batch.svg');
    panel.webview.options = webviewOptions(services.context.extensionUri);
    panel.webview.html = renderHtml(panel.webview, services.context.extensionUri, kind.script, kind.title(state));
    const subscription = serveProtocol(
      panel.webview,
      kind.spec,
      kind.handlers(services, state, panel),
      services.log,
      kind.script,
    );
    panel.onDidDispose(() => {
      subscription.dispose();
      if (this.open.get(panelKey) === panel) this.open.delete(panelKey);
    });
  }
}
