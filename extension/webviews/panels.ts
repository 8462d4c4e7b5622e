import * as vscode from 'vscode';
import {
  type CreateJobDraft,
  CreateJobPanelState,
  createJobProtocol,
  DiffPanelState,
  diffProtocol,
  eventMessage,
  OverviewPanelState,
  overviewProtocol,
  ThreadPanelState,
  threadProtocol,
  type Handlers,
  type ProtocolSpec,
  type RepositoryRef,
} from '../../common/webviewProtocol';
import type { ActiveDiff, Panels, Services, ShowOptions } from '../services';
import { createJobHandlers, offerDraft, offerPrompt } from './createJobPanel';
import { diffHandlers } from './diffPanel';
import { renderHtml, serveProtocol, webviewOptions, type WebviewScript } from './html';
import { overviewHandlers } from './overviewPanel';
import { PanelTarget } from './panelTarget';
import { startedEarly } from './startedEarly';
import { threadHandlers } from './threadPanel';

// Opens, reveals and restores the webview panels. A diff or thread panel is reused the way VS
// Code's preview editors are: showing another repository takes over the unpinned panel of its kind
// (titled with the repository and its job, so two jobs' tabs can be told apart); a pinned panel
// keeps what it shows. One Create Job form. Panels come back after a reload through
// WebviewPanelSerializers, from the state each page keeps with setState.

export const VIEW_TYPES = {
  diff: 'codyBatch.diff',
  thread: 'codyBatch.thread',
  createJob: 'codyBatch.createJob',
  overview: 'codyBatch.overview',
} as const;

interface PanelKind<S extends ProtocolSpec, State> {
  viewType: string;
  script: WebviewScript;
  spec: S;
  state: { safeParse(value: unknown): { success: true; data: State } | { success: false } };
  title(state: State): string;
  /** One panel per key: showing the same thing again reveals it. */
  key(state: State): string;
  handlers(services: Services, target: PanelTarget<State>, panel: vscode.WebviewPanel): Handlers<S>;
  /** Showing an open panel again, with what the command was run with this time. */
  showAgain?(panel: vscode.WebviewPanel, state: State): void;
  /** Another key may take over an unpinned panel of this kind (preview style); its page reloads on `show`. */
  reusable?: boolean;
  /** Whether a panel showing `shown` may be taken over to show `next` (default: yes). */
  canTakeOver?(shown: State, next: State): boolean;
  /**
   * A request without parameters that the page makes first whenever it loads: it is started as the
   * page is given (or pointed elsewhere), and its first request is answered with that, so the API
   * calls run while the webview starts instead of after its script has asked.
   */
  early?: keyof S['requests'] & string;
}

/** `acme/billing, attempt 1 (Update API calls)`. */
function repositoryTitle(state: RepositoryRef & { jobName?: string }): string {
  const attempt = state.attempt ? `, attempt ${state.attempt}` : '';
  return `${state.repositoryName}${attempt}${state.jobName ? ` (${state.jobName})` : ''}`;
}

function repositoryKey(kind: string, state: RepositoryRef): string {
  return `${kind}:${state.jobId}:${state.repositoryName}${state.attempt ? `#${state.attempt}` : ''}`;
}

/** A diff panel shows one repository's patch (a revision of it), or a change group. */
function diffKey(state: DiffPanelState): string {
  if (state.group) return `diff:${state.jobId}:group:${state.group}`;
  return `${repositoryKey('diff', state)}${state.revision !== undefined ? `@${state.revision}` : ''}`;
}

const DIFF: PanelKind<typeof diffProtocol, DiffPanelState> = {
  viewType: VIEW_TYPES.diff,
  script: 'diff',
  spec: diffProtocol,
  state: DiffPanelState,
  // A group's own words ("5 repositories · the same change") replace this once its page has loaded.
  title: (state) =>
    state.group
      ? `Change group${state.jobName ? ` (${state.jobName})` : ''}`
      : `Diff: ${repositoryTitle(state)}${state.revision !== undefined ? `, revision ${state.revision}` : ''}`,
  key: diffKey,
  handlers: (services, target, panel) => diffHandlers(services, target, panel),
  reusable: true,
  early: 'load',
  // One group tab and one repository tab: a group opens in the group tab, a member's diff beside it.
  canTakeOver: (shown, next) => !shown.group === !next.group,
};

const DIFF_KIND = DIFF as unknown as PanelKind<ProtocolSpec, unknown>;

const THREAD: PanelKind<typeof threadProtocol, ThreadPanelState> = {
  viewType: VIEW_TYPES.thread,
  script: 'thread',
  spec: threadProtocol,
  state: ThreadPanelState,
  title: (state) => `Claude: ${repositoryTitle(state)}`,
  key: (state) => repositoryKey('thread', state),
  handlers: (services, target) => threadHandlers(services, target),
  reusable: true,
};

/** One overview per job; showing it again reveals it (the page loads again then). */
const OVERVIEW: PanelKind<typeof overviewProtocol, OverviewPanelState> = {
  viewType: VIEW_TYPES.overview,
  script: 'overview',
  spec: overviewProtocol,
  state: OverviewPanelState,
  title: (state) => `Overview: ${state.jobName ?? state.jobId}`,
  key: (state) => `overview:${state.jobId}`,
  handlers: (services, target, panel) => overviewHandlers(services, target, panel),
  showAgain: (panel) => void panel.webview.postMessage(eventMessage(overviewProtocol, 'changed', {})),
};

type CreateJobState = CreateJobPanelState & { prompt?: string; fill?: Partial<CreateJobDraft> };

const CREATE_JOB: PanelKind<typeof createJobProtocol, CreateJobState> = {
  viewType: VIEW_TYPES.createJob,
  script: 'createJob',
  spec: createJobProtocol,
  state: CreateJobPanelState,
  title: () => 'Cody Batch: Create Job',
  key: () => 'createJob',
  handlers: (services, target, panel) =>
    createJobHandlers(services, target.state.prompt ?? '', panel, target.state.fill),
  showAgain: (panel, state) => {
    if (state.fill) offerDraft(panel, state.fill);
    else offerPrompt(panel, state.prompt ?? '');
  },
};

interface OpenPanel {
  panel: vscode.WebviewPanel;
  kind: PanelKind<ProtocolSpec, unknown>;
  target: PanelTarget<unknown>;
  handlers: Handlers<ProtocolSpec>;
}

/** True while a diff panel is the active editor: the diff view's keybindings apply. */
export const DIFF_ACTIVE_CONTEXT = 'codyBatch.diffActive';

/** The webview panels: services.ts's `Panels`, with the serializers that restore them after a reload. */
export class WebviewPanels implements Panels, vscode.Disposable {
  private readonly open = new Map<string, OpenPanel>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly services: () => Services) {
    for (const kind of [DIFF, THREAD, CREATE_JOB, OVERVIEW] as PanelKind<ProtocolSpec, unknown>[]) {
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

  showDiff(ref: RepositoryRef, jobName?: string, options?: ShowOptions): void {
    this.show(DIFF, { ...ref, jobName, layout: 'side-by-side' }, options);
  }

  /** A change group: its representative's diff (`ref.repositoryName`) with its members. */
  showGroup(ref: RepositoryRef & { group: string }, jobName?: string): void {
    this.show(DIFF, { ...ref, jobName, layout: 'side-by-side' });
  }

  showThread(ref: RepositoryRef, jobName?: string, options?: ShowOptions): void {
    this.show(THREAD, { ...ref, jobName }, options);
  }

  /** Whether a visible panel shows this repository's diff (a second click on its row goes there). */
  isShowing(ref: RepositoryRef, kind: 'diff' | 'thread'): boolean {
    const wanted = kind === 'diff' ? DIFF_KIND : (THREAD as unknown as PanelKind<ProtocolSpec, unknown>);
    return [...this.open.values()].some((open) => {
      const state = open.target.state as RepositoryRef & { group?: string };
      return (
        open.kind === wanted &&
        open.panel.visible &&
        !state.group &&
        state.jobId === ref.jobId &&
        state.repositoryName === ref.repositoryName &&
        state.attempt === ref.attempt
      );
    });
  }

  /** A job's overview: counts, cost, failures and the burndown. */
  showOverview(jobId: string, jobName?: string): void {
    this.show(OVERVIEW, { jobId, jobName });
  }

  /** The form, its prompt from the editor selection, or filled from an earlier job (Run Again). */
  showCreateJob(prompt: string, fill?: Partial<CreateJobDraft>): void {
    this.show(CREATE_JOB, { prompt, fill });
  }

  /** The diff panel that is the active editor, if any. */
  activeDiff(): ActiveDiff | undefined {
    const open = [...this.open.values()].find((entry) => entry.kind === DIFF_KIND && entry.panel.active);
    if (!open) return undefined;
    return {
      state: open.target.state as DiffPanelState,
      handlers: open.handlers as unknown as Handlers<typeof diffProtocol>,
      send: (name, payload) => open.panel.webview.postMessage(eventMessage(diffProtocol, name, payload)),
    };
  }

  /** Diff panels showing this repository's own diff load it again (its review changed elsewhere). */
  reloadDiff(ref: { jobId: string; repositoryName: string }): void {
    for (const open of [...this.open.values()]) {
      const state = open.target.state as DiffPanelState;
      if (
        open.kind === DIFF_KIND &&
        !state.group &&
        state.jobId === ref.jobId &&
        state.repositoryName === ref.repositoryName
      )
        open.target.set(state);
    }
  }

  /** The job's group views load again (a member's review changed). */
  reloadGroups(jobId: string): void {
    for (const open of [...this.open.values()]) {
      const state = open.target.state as DiffPanelState;
      if (open.kind === DIFF_KIND && state.group && state.jobId === jobId) open.target.set(state);
    }
  }

  dispose(): void {
    for (const { panel } of this.open.values()) panel.dispose();
    for (const disposable of this.disposables) disposable.dispose();
  }

  private show<S extends ProtocolSpec, State>(
    kind: PanelKind<S, State>,
    state: State,
    options: ShowOptions = {},
  ): void {
    const preserveFocus = options.preserveFocus ?? false;
    const existing = this.open.get(kind.key(state));
    if (existing) {
      // Revealing a hidden panel rebuilds its page, which asks for an offered prompt as it starts.
      existing.panel.reveal(undefined, preserveFocus);
      kind.showAgain?.(existing.panel, state);
      return;
    }
    const reusable = kind.reusable
      ? this.reusablePanel(kind as PanelKind<ProtocolSpec, unknown>, state as unknown)
      : undefined;
    if (reusable) {
      reusable.target.set(state);
      reusable.panel.reveal(undefined, preserveFocus);
      return;
    }
    const extensionUri = this.services().context.extensionUri;
    const panel = vscode.window.createWebviewPanel(
      kind.viewType,
      kind.title(state),
      { viewColumn: options.beside ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active, preserveFocus },
      webviewOptions(extensionUri),
    );
    this.attach(kind, panel, state);
  }

  private diffActive: boolean | undefined;

  private updateDiffContext(): void {
    const active = this.activeDiff() !== undefined;
    if (active === this.diffActive) return;
    this.diffActive = active;
    void vscode.commands.executeCommand('setContext', DIFF_ACTIVE_CONTEXT, active);
  }

  /** The open panel of this kind whose tab is not pinned, if any: it shows the next repository. */
  private reusablePanel(kind: PanelKind<ProtocolSpec, unknown>, next: unknown): OpenPanel | undefined {
    const pinned = new Set(
      vscode.window.tabGroups.all
        .flatMap((group) => group.tabs)
        .filter((tab) => tab.isPinned && tab.input instanceof vscode.TabInputWebview)
        .filter((tab) => (tab.input as vscode.TabInputWebview).viewType.endsWith(kind.viewType))
        .map((tab) => tab.label),
    );
    return [...this.open.values()].find(
      (open) =>
        open.kind === kind && !pinned.has(open.panel.title) && (kind.canTakeOver?.(open.target.state, next) ?? true),
    );
  }

  private attach<S extends ProtocolSpec, State>(
    kind: PanelKind<S, State>,
    panel: vscode.WebviewPanel,
    state: State,
  ): void {
    const services = this.services();
    let panelKey = kind.key(state);
    const target = new PanelTarget(state, (next, reload) => {
      // Pointed at another repository or attempt: the same panel, a new key and title, and its page loads again.
      if (this.open.get(panelKey)?.panel === panel) this.open.delete(panelKey);
      panelKey = kind.key(next);
      this.open.set(panelKey, entry);
      if (!reload) return;
      panel.title = kind.title(next);
      early.start();
      void panel.webview.postMessage(eventMessage(kind.spec, 'show', {} as never));
    });
    const handlers = kind.handlers(services, target, panel);
    const early = startedEarly(handlers, kind.early);
    const entry: OpenPanel = {
      panel,
      kind: kind as unknown as PanelKind<ProtocolSpec, unknown>,
      target: target as PanelTarget<unknown>,
      handlers: handlers as unknown as Handlers<ProtocolSpec>,
    };
    this.open.set(panelKey, entry);
    panel.title = kind.title(state);
    panel.iconPath = vscode.Uri.joinPath(services.context.extensionUri, 'media', 'cody-batch.svg');
    panel.webview.options = webviewOptions(services.context.extensionUri);
    panel.webview.html = renderHtml(panel.webview, services.context.extensionUri, kind.script, kind.title(state));
    early.start();
    const subscription = serveProtocol(panel.webview, kind.spec, early.handlers, services.log, kind.script);
    const viewState = panel.onDidChangeViewState(() => this.updateDiffContext());
    panel.onDidDispose(() => {
      subscription.dispose();
      viewState.dispose();
      if (this.open.get(panelKey)?.panel === panel) this.open.delete(panelKey);
      this.updateDiffContext();
    });
    this.updateDiffContext();
  }
}
