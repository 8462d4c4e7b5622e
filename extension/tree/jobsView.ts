import * as vscode from 'vscode';
import type { Job } from '../../common/schemas';
import type { Connection } from '../connection/connection';
import type { Log } from '../log/output';
import { userMessage } from '../userMessages';
import { JobsModel, type FinishedJob } from './model';
import { JobNode, LoadMoreNode, MessageNode, RepositoryNode, type TreeNode } from './nodes';
import { jobDescription, statusWord } from './present';

// The Jobs view: a TreeDataProvider over JobsModel. It polls only while the view is visible and
// some job is active, keeps a status-bar count of running jobs, and raises a notification when a
// job finishes.

export const JOBS_VIEW_ID = 'codyBatch.jobs';
const LOADED_CONTEXT = 'codyBatch.loaded';

export class JobsView implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private model: JobsModel | undefined;
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined | void>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly treeView: vscode.TreeView<TreeNode>;
  private readonly statusBar: vscode.StatusBarItem;
  private readonly jobNodes = new Map<string, JobNode>();
  private timer: NodeJS.Timeout | undefined;
  private loading: Promise<void> | undefined;
  private lastError: string | undefined;
  private checkedAt: Date | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly connection: Connection,
    private readonly log: Log,
  ) {
    this.treeView = vscode.window.createTreeView(JOBS_VIEW_ID, { treeDataProvider: this, showCollapseAll: true });
    this.statusBar = vscode.window.createStatusBarItem('codyBatch.running', vscode.StatusBarAlignment.Left, 50);
    this.statusBar.name = 'Cody Batch: running jobs';
    this.statusBar.command = `${JOBS_VIEW_ID}.focus`;
    this.disposables.push(
      this.treeView,
      this.statusBar,
      this.changed,
      // Shown again: what it shows may be stale, so look now (only while some job is active).
      this.treeView.onDidChangeVisibility((event) => this.schedule(event.visible ? 0 : undefined)),
      connection.onDidChange(() => this.reset()),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('codyBatch.refreshIntervalSeconds')) this.schedule();
      }),
    );
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
      if (node.jobId) await this.model.loadMoreRepositories(node.jobId);
      else await this.model.loadMoreJobs();
    } catch (error) {
      this.report(error, 'Loading more');
    }
    this.changed.fire();
  }

  /** Shows a job the user just created, cancelled or retried: updated, selected and expanded. */
  async showJob(job: Job): Promise<void> {
    if (!this.model) return;
    this.model.upsert(job);
    this.changed.fire();
    this.updateStatusBar();
    // Look again soon: a new or retried job starts running within seconds.
    this.schedule(1500);
    await this.reveal(job.jobId);
  }

  async reveal(jobId: string): Promise<void> {
    const job = this.model?.job(jobId);
    if (!job) return;
    const node = this.jobNodes.get(jobId) ?? new JobNode(job, false);
    try {
      await this.treeView.reveal(node, { select: true, focus: true, expand: true });
    } catch (error) {
      this.log.warn(`Could not reveal job ${jobId}: ${String(error)}`);
    }
  }

  job(jobId: string): Job | undefined {
    return this.model?.job(jobId);
  }

  /** The jobs loaded so far, newest first (for quick picks). */
  jobs(): Job[] {
    return this.model?.jobs() ?? [];
  }

  /** The node selected in the tree, if any. */
  selection(): TreeNode | undefined {
    return this.treeView.selection[0];
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    return node;
  }

  getParent(node: TreeNode): TreeNode | undefined {
    if (node instanceof RepositoryNode) return this.jobNodes.get(node.job.jobId) ?? new JobNode(node.job, false);
    if (node instanceof LoadMoreNode && node.jobId) {
      const job = this.model?.job(node.jobId);
      return job ? (this.jobNodes.get(job.jobId) ?? new JobNode(job, false)) : undefined;
    }
    return undefined;
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    const model = this.model;
    if (!model) return [];
    if (!node) {
      if (!model.isLoaded) await this.load(false);
      if (!model.isLoaded) {
        return [
          new MessageNode(this.lastError ?? 'Could not load jobs', 'error', {
            command: 'codyBatch.refresh',
            title: 'Refresh',
          }),
        ];
      }
      const nodes: TreeNode[] = model.jobs().map((job) => {
        const jobNode = new JobNode(job, false);
        this.jobNodes.set(job.jobId, jobNode);
        return jobNode;
      });
      if (model.hasMoreJobs()) nodes.push(new LoadMoreNode(undefined));
      return nodes;
    }
    if (node instanceof JobNode) {
      try {
        const list = await model.loadRepositories(node.job.jobId);
        const job = model.job(node.job.jobId) ?? node.job;
        const nodes: TreeNode[] = list.items.map((repository) => new RepositoryNode(job, repository));
        if (list.nextToken) nodes.push(new LoadMoreNode(job.jobId));
        return nodes;
      } catch (error) {
        const { message } = this.report(error, 'Loading repositories');
        return [new MessageNode(message, 'error', { command: 'codyBatch.refresh', title: 'Refresh' })];
      }
    }
    return [];
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const disposable of this.disposables) disposable.dispose();
  }

  private reset(): void {
    clearTimeout(this.timer);
    this.jobNodes.clear();
    this.lastError = undefined;
    this.treeView.message = undefined;
    this.model = this.connection.connected ? new JobsModel(this.connection.client) : undefined;
    void vscode.commands.executeCommand('setContext', LOADED_CONTEXT, false);
    this.updateStatusBar();
    this.changed.fire();
  }

  /** One refresh at a time; a second caller waits for the one in flight. */
  private load(notifyChange: boolean): Promise<void> {
    if (this.loading) return this.loading;
    const model = this.model!;
    this.loading = (async () => {
      try {
        const finished = await model.refresh();
        if (model !== this.model) return;
        this.lastError = undefined;
        this.treeView.message = undefined;
        this.checkedAt = new Date();
        this.notifyFinished(finished);
      } catch (error) {
        if (model !== this.model) return;
        this.report(error, 'Refreshing jobs');
        this.treeView.message = this.lastError;
      } finally {
        this.loading = undefined;
        if (model === this.model) {
          await vscode.commands.executeCommand('setContext', LOADED_CONTEXT, model.isLoaded);
          this.updateStatusBar();
          if (notifyChange) this.changed.fire();
          this.schedule();
        }
      }
    })();
    return this.loading;
  }

  /** Polls only while the view is visible and some job is active. */
  private schedule(delayMs?: number): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.model?.isLoaded || !this.treeView.visible || this.model.activeJobs().length === 0) return;
    const seconds = Math.max(
      2,
      vscode.workspace.getConfiguration('codyBatch').get<number>('refreshIntervalSeconds') ?? 5,
    );
    this.timer = setTimeout(() => void this.load(true), delayMs ?? seconds * 1000);
  }

  private updateStatusBar(): void {
    const running = this.model?.activeJobs() ?? [];
    if (running.length === 0) {
      this.statusBar.hide();
      return;
    }
    this.statusBar.text = `$(sync~spin) Cody Batch: ${running.length} running`;
    // The view polls only while it is shown, so say how fresh the count is; a click shows the view, which looks again.
    const checked = this.checkedAt
      ? `\n\nChecked at ${this.checkedAt.toLocaleTimeString()}; updates while the Jobs view is open.`
      : '';
    this.statusBar.tooltip = `${running.map((job) => `${job.name}: ${jobDescription(job)}`).join('\n')}${checked}`;
    this.statusBar.accessibilityInformation = {
      label: `Cody Batch: ${running.length} ${running.length === 1 ? 'job' : 'jobs'} running`,
    };
    this.statusBar.show();
  }

  private notifyFinished(finished: FinishedJob[]): void {
    for (const { job } of finished) {
      const text = `Cody Batch: "${job.name}" ${statusWord(job.status)} (${jobDescription(job)})`;
      const show =
        job.status === 'COMPLETED' || job.status === 'CANCELLED'
          ? vscode.window.showInformationMessage
          : vscode.window.showWarningMessage;
      void show(text, 'Show Job').then((choice) => {
        if (choice === 'Show Job') void this.reveal(job.jobId);
      });
    }
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
