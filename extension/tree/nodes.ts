import * as vscode from 'vscode';
import type { Job, RepositoryResult } from '../../common/schemas';
import {
  CONTEXT,
  jobAccessibilityLabel,
  jobContextValue,
  jobDescription,
  jobIcon,
  jobTooltip,
  repositoryAccessibilityLabel,
  repositoryContextValue,
  repositoryDescription,
  repositoryIcon,
  repositoryOpenCommand,
  repositoryTooltip,
  type IconSpec,
} from './present';

// The Jobs tree's rows, one small class each. Their looks come from present.ts.

export type TreeNode = JobNode | RepositoryNode | LoadMoreNode | MessageNode;

const OPEN_TITLES = {
  'codyBatch.viewDiff': 'View Diff',
  'codyBatch.viewThread': 'View Claude Thread',
  'codyBatch.viewLog': 'View Repository Log',
} as const;

function themeIcon(spec: IconSpec): vscode.ThemeIcon {
  return new vscode.ThemeIcon(spec.id, spec.color ? new vscode.ThemeColor(spec.color) : undefined);
}

function markdown(text: string): vscode.MarkdownString {
  const value = new vscode.MarkdownString(text);
  value.supportHtml = false;
  value.isTrusted = false;
  return value;
}

export class JobNode extends vscode.TreeItem {
  readonly kind = 'job';

  constructor(
    readonly job: Job,
    expanded: boolean,
  ) {
    super(job.name, expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
    this.id = `job:${job.jobId}`;
    this.description = jobDescription(job);
    this.iconPath = themeIcon(jobIcon(job));
    this.tooltip = markdown(jobTooltip(job));
    this.contextValue = jobContextValue(job);
    this.accessibilityInformation = { label: jobAccessibilityLabel(job) };
  }
}

export class RepositoryNode extends vscode.TreeItem {
  readonly kind = 'repository';

  constructor(
    readonly job: Job,
    readonly repository: RepositoryResult,
  ) {
    super(repository.repositoryName, vscode.TreeItemCollapsibleState.None);
    this.id = `repository:${job.jobId}:${repository.repositoryName}`;
    this.description = repositoryDescription(repository);
    this.iconPath = themeIcon(repositoryIcon(repository));
    this.tooltip = markdown(repositoryTooltip(repository));
    this.contextValue = repositoryContextValue(job, repository);
    this.accessibilityInformation = { label: repositoryAccessibilityLabel(repository) };
    // A click opens what there is to see: the diff when there are changes, else the thread or log.
    const open = repositoryOpenCommand(job, repository);
    if (open) this.command = { command: open, title: OPEN_TITLES[open], arguments: [this] };
  }
}

/** "Load more…" past the first page of jobs, or of a job's repositories. */
export class LoadMoreNode extends vscode.TreeItem {
  readonly kind = 'loadMore';

  constructor(readonly jobId: string | undefined) {
    super(jobId ? 'Load more repositories…' : 'Load more jobs…', vscode.TreeItemCollapsibleState.None);
    this.id = `more:${jobId ?? 'jobs'}`;
    this.iconPath = new vscode.ThemeIcon('ellipsis');
    this.contextValue = CONTEXT.loadMore;
    this.command = { command: 'codyBatch.loadMore', title: 'Load More', arguments: [this] };
  }
}

/** A row that says something went wrong (or is empty), with an action to try again. */
export class MessageNode extends vscode.TreeItem {
  readonly kind = 'message';

  constructor(message: string, icon = 'warning', command?: vscode.Command) {
    super(message, vscode.TreeItemCollapsibleState.None);
    this.iconPath = new vscode.ThemeIcon(icon);
    this.tooltip = message;
    if (command) this.command = command;
  }
}
