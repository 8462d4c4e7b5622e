import * as vscode from 'vscode';
import type { Job } from '../../common/schemas';
import type { Connection } from '../connection/connection';
import type { Log } from '../log/output';
import { userMessage } from '../userMessages';
import { GROUP_SETTING, groupingEnabled, JobsTree } from './jobsTree';
import { JobsModel } from './model';
import type { LoadMoreNode, TreeNode } from './nodes';
import { FinishNotifier } from './notifier';
import { Poller } from './poller';
import type { VerificationSummary } from '../../common/repositoryStates';
import { isEmptyFilter, type RepositoryFilter } from './repositoryFilter';
import { RunningStatusBar } from './statusBar';

// The Jobs view: one JobsModel, drawn by JobsTree, looked at again by a Poller (fast while the view
// shows, slow in the background while a job runs, not at all otherwise), counted in a
// RunningStatusBar, and announced by a FinishNotifier. This class only wires them together.

export const JOBS_VIEW_ID = 'codyBatch.jobs';
const LOADED_CONTEXT = 'codyBatch.loaded';

export class JobsView implements vscode.Disposable {
  private model: JobsModel | undefined;
  readonly tree: JobsTree;
  readonly treeView: vscode.TreeView<TreeNode>;
  private readonly statusBar = new RunningStatusBar(`${JOBS_VIEW_ID}.focus`);
  private readonly poller: Poller;
  private readonly notifier: FinishNotifier;
  private loading: Promise<void> | undefined;
  private lastError: string | undefined;
  private checkedAt: Date | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly filters = new Map<string, RepositoryFilter>();
  private readonly loaded = new vscode.EventEmitter<void>();
  /** After each look at the jobs (a poll, a refresh): open views re-read what they show. */
  readonly onDidLoad = this.loaded.event;

  constructor(
    private readonly connection: Connection,
    private readonly log: Log,
  ) {
    this.tree = new JobsTree({
      model: () => this.model,
      ensureLoaded: () => this.load(false),
      lastError: () => this.lastError,
      report: (error, doing) => this.report(error, doing),
      filter: (jobId) => this.filters.get(jobId),
    });
    this.treeView = vscode.window.createTreeView(JOBS_VIEW_ID, { treeDataProvider: this.tree, showCollapseAll: true });
    this.poller = new Poller(
      () => void this.load(true),
      () => vscode.workspace.getConfiguration('codyBatch').get<number>('refreshIntervalSeconds') ?? 5,
    );
    this.notifier = new FinishNotifier({
      reveal: (jobId) => void this.reveal(jobId),
      continueJob: (jobId) => void vscode.commands.executeCommand('codyBatch.continueJob', { jobId }),
    });
    this.disposables.push(
      this.treeView,
      this.tree,
      this.loaded,
      this.statusBar,
      { dispose: () => this.poller.dispose() },
      this.treeView.onDidChangeVisibility((event) => {
        this.poller.setVisible(event.visible);
        this.updateStatusBar();
      }),
      connection.onDidChange(() => this.reset()),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('codyBatch.refreshIntervalSeconds')) this.poller.schedule();
        if (event.affectsConfiguration(`codyBatch.${GROUP_SETTING}`)) this.tree.refresh();
      }),
    );
    this.poller.setVisible(this.treeView.visible);
    this.reset();
  }

  /** Re-reads everything now (the Refresh command, and after changes the user made). */
  async refresh(): Promise<void> {
    if (!this.model) return;
    await this.load(true);
  }

  async loadMore(node: LoadMoreNode): Promise<void> {
    if (!this.model) return;
    try {
      if (node.jobId && node.status) await this.model.loadRepositoriesInState(node.jobId, node.status, true);
      else if (node.jobId) await this.model.loadMoreRepositories(node.jobId);
      else await this.model.loadMoreJobs();
    } catch (error) {
      this.report(error, 'Loading more');
    }
    this.tree.refresh();
  }

  /** Shows a job the user just created, cancelled, continued or retried: updated, selected and expanded. */
  async showJob(job: Job): Promise<void> {
    if (!this.model) return;
    this.model.upsert(job);
    this.tree.refresh();
    this.updateStatusBar();
    // Look again soon: a new or retried job starts running within seconds.
    this.poller.setActive(true);
    this.poller.schedule(1500);
    await this.reveal(job.jobId);
  }

  async reveal(jobId: string): Promise<void> {
    const node = this.tree.jobNode(jobId);
    if (!node) return;
    try {
      await this.treeView.reveal(node, { select: true, focus: true, expand: true });
    } catch (error) {
      this.log.warn(`Could not reveal job ${jobId}: ${String(error)}`);
    }
  }

  /** After an action on a job's rows (publish, merge, delete…): its job and rows read again. */
  async jobChanged(jobId: string): Promise<void> {
    this.model?.forgetRepositories(jobId);
    await this.refresh();
  }

  /** A deleted job leaves the tree. */
  forget(jobId: string): void {
    this.model?.remove(jobId);
    this.filters.delete(jobId);
    this.tree.refresh();
    this.updateStatusBar();
  }

  /** Shows only the job's repositories that match (none or an empty filter: all of them). */
  setFilter(jobId: string, filter: RepositoryFilter | undefined): void {
    if (isEmptyFilter(filter)) this.filters.delete(jobId);
    else this.filters.set(jobId, filter!);
    this.tree.refresh();
  }

  filter(jobId: string): RepositoryFilter | undefined {
    return this.filters.get(jobId);
  }

  job(jobId: string): Job | undefined {
    return this.model?.job(jobId);
  }

  /** What a job's rows say about verification, once read. */
  verification(jobId: string): VerificationSummary | undefined {
    return this.model?.verification(jobId);
  }

  /** The jobs loaded so far, newest first (for quick picks). */
  jobs(): Job[] {
    return this.model?.jobs() ?? [];
  }

  /** The node selected in the tree, if any. */
  selection(): TreeNode | undefined {
    return this.treeView.selection[0];
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }

  private reset(): void {
    this.poller.setActive(false);
    this.lastError = undefined;
    this.treeView.message = undefined;
    this.filters.clear();
    this.model = this.connection.connected
      ? new JobsModel(this.connection.client, {
          allRepositories: groupingEnabled,
          onBackgroundRead: () => this.tree.refresh(),
        })
      : undefined;
    void vscode.commands.executeCommand('setContext', LOADED_CONTEXT, false);
    this.updateStatusBar();
    this.tree.clear();
  }

  /** One refresh at a time; a second caller waits for the one in flight. */
  private load(notifyChange: boolean): Promise<void> {
    if (this.loading) return this.loading;
    const model = this.model;
    if (!model) return Promise.resolve();
    this.loading = (async () => {
      try {
        const finished = await model.refresh();
        if (model !== this.model) return;
        this.lastError = undefined;
        this.treeView.message = undefined;
        this.checkedAt = new Date();
        this.notifier.notify(finished);
      } catch (error) {
        if (model !== this.model) return;
        this.report(error, 'Refreshing jobs');
        this.treeView.message = this.lastError;
      } finally {
        this.loading = undefined;
        if (model === this.model) {
          await vscode.commands.executeCommand('setContext', LOADED_CONTEXT, model.isLoaded);
          if (notifyChange) this.tree.refresh();
          this.loaded.fire();
          this.poller.setActive(model.isLoaded && model.activeJobs().length > 0);
          this.updateStatusBar();
        }
      }
    })();
    return this.loading;
  }

  private updateStatusBar(): void {
    this.statusBar.update(this.model?.activeJobs() ?? [], this.checkedAt, this.poller.mode === 'background');
  }

  private report(error: unknown, doing: string): { message: string } {
    const found = userMessage(error, doing, this.connection.describe());
    const described = { ...found, message: this.log.redactor.text(found.message) };
    this.log.error(doing, error);
    if (described.message !== this.lastError) {
      this.lastError = described.message;
      void vscode.window.showErrorMessage(described.message, 'Show Log').then((choice) => {
        if (choice === 'Show Log') this.log.show();
      });
    }
    return described;
  }
}
