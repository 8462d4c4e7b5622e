import * as vscode from 'vscode';
import type { Job, PreviousAttempt, RepositoryResult } from '../../common/schemas';
import { diffStatsText } from '../../common/statusText';
import {
  attemptContextValue,
  CONTEXT,
  groupContextValue,
  jobAccessibilityLabel,
  jobContextValue,
  jobIcon,
  jobTooltip,
  jobTreeDescription,
  openCommandOf,
  repositoryAccessibilityLabel,
  repositoryContextValue,
  repositoryIcon,
  repositoryTooltip,
  repositoryTreeDescription,
  stateIcon,
  type OpenCommand,
} from './present';
import type { IconSpec } from './iconSpec';
import { filterText, type RepositoryFilter } from './repositoryFilter';
import { isFinalJobStatus, type RepositoryStatus } from '../../common/status';
import {
  type CountedGroup,
  type ErrorCodeGroup,
  type RepositoryGroup,
  repositoryLabel,
  repositoryState,
  stateWord,
  type VerificationSummary,
} from '../../common/repositoryStates';

// The Jobs tree's rows, one small class each. Their looks come from present.ts and states.ts.

export type TreeNode = JobNode | GroupNode | ErrorCodeNode | RepositoryNode | AttemptNode | LoadMoreNode | MessageNode;

const OPEN_TITLES: Record<OpenCommand, string> = {
  'codyBatch.viewDiff': 'View Diff',
  'codyBatch.viewThread': 'View Claude Thread',
  'codyBatch.viewLog': 'View Repository Log',
};

function themeIcon(spec: IconSpec): vscode.ThemeIcon {
  return new vscode.ThemeIcon(spec.id, spec.color ? new vscode.ThemeColor(spec.color) : undefined);
}

function collapsed(expanded: boolean): vscode.TreeItemCollapsibleState {
  return expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed;
}

export class JobNode extends vscode.TreeItem {
  readonly kind = 'job';
  readonly parent = undefined;

  constructor(
    readonly job: Job,
    expanded: boolean,
    readonly verification?: VerificationSummary,
    /** What the tree shows of its repositories (Filter Repositories…), if not all. */
    readonly filter?: RepositoryFilter,
  ) {
    super(job.name, collapsed(expanded));
    this.id = `job:${job.jobId}`;
    const shown = filterText(filter);
    const description = jobTreeDescription(job, verification);
    // The filter comes first: a narrow sidebar must not hide that rows are hidden.
    this.description = shown ? `filter: ${shown} · ${description}` : description;
    this.iconPath = themeIcon(jobIcon(job, verification));
    this.tooltip = shown
      ? `${jobTooltip(job, verification)}\n\nShowing only repositories that are: ${shown}`
      : jobTooltip(job, verification);
    this.contextValue = jobContextValue(job, verification, !!shown);
    this.accessibilityInformation = {
      label: `${jobAccessibilityLabel(job, verification)}${shown ? `, filtered to ${shown}` : ''}`,
    };
  }
}

/**
 * "Failed (3)", "Changed (30)": a job's repositories in one state. A large job's group (`paged`) is
 * counted by the job item and holds no rows: its children are read a page at a time.
 */
export class GroupNode extends vscode.TreeItem {
  readonly kind = 'group';
  readonly group: RepositoryGroup;

  constructor(
    readonly job: Job,
    group: RepositoryGroup | CountedGroup,
    readonly parent: JobNode,
    expanded: boolean,
  ) {
    super(group.label, collapsed(expanded));
    this.paged = 'status' in group ? group : undefined;
    this.group = 'status' in group ? { state: group.state, label: group.label, repositories: [] } : group;
    // A new id once the job stops: VS Code keeps a row's expansion by id, so a group the tree showed
    // collapsed beside a Running one mid-run would otherwise stay collapsed when it is all there is.
    const phase = isFinalJobStatus(job.status) || job.status === 'SAMPLED' ? 'ended' : 'running';
    this.id = `group:${job.jobId}:${group.state}:${phase}`;
    this.iconPath = themeIcon(stateIcon(group.state));
    this.contextValue = groupContextValue(job, this.group.repositories);
    this.accessibilityInformation = { label: `${group.label}, ${stateWord(group.state, job)} repositories` };
  }

  /** The counted group of a large job, whose rows are paged by run status. */
  readonly paged: CountedGroup | undefined;

  get repositories(): RepositoryResult[] {
    return this.group.repositories;
  }
}

/** "CLONE_FAILED (2)" inside "Failed". */
export class ErrorCodeNode extends vscode.TreeItem {
  readonly kind = 'errorCode';
  /** The failed rows with this code. */
  readonly repositories: RepositoryResult[];

  constructor(
    readonly job: Job,
    readonly codeGroup: ErrorCodeGroup,
    readonly parent: GroupNode,
  ) {
    const count = codeGroup.repositories.length;
    super(`${codeGroup.code} (${count})`, vscode.TreeItemCollapsibleState.Expanded);
    this.repositories = codeGroup.repositories;
    this.id = `code:${job.jobId}:${codeGroup.code}`;
    this.iconPath = themeIcon(stateIcon('failed'));
    this.contextValue = groupContextValue(job, codeGroup.repositories);
    this.accessibilityInformation = { label: `${codeGroup.code} (${count}), ${count} failed` };
  }
}

export class RepositoryNode extends vscode.TreeItem {
  readonly kind = 'repository';

  constructor(
    readonly job: Job,
    readonly repository: RepositoryResult,
    readonly parent: JobNode | GroupNode | ErrorCodeNode,
  ) {
    // Earlier attempts stay readable: they are the row's children.
    const attempts = repository.previousAttempts?.length ?? 0;
    super(
      repositoryLabel(repository, job),
      attempts > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
    );
    this.id = `repository:${job.jobId}:${repository.repositoryName}`;
    this.description = repositoryTreeDescription(repository);
    this.iconPath = themeIcon(repositoryIcon(repository));
    this.tooltip = repositoryTooltip(repository);
    this.contextValue = repositoryContextValue(job, repository);
    this.accessibilityInformation = { label: repositoryAccessibilityLabel(repository, job) };
    // A click opens what there is to see: the diff when there are changes, else the thread or log.
    const open = openCommandOf(this.contextValue);
    if (open) this.command = { command: open, title: OPEN_TITLES[open], arguments: [this] };
  }
}

/** "Attempt 1 of 2 · failed · CLONE_FAILED": an earlier attempt, whose diff, thread and log stay readable. */
export class AttemptNode extends vscode.TreeItem {
  readonly kind = 'attempt';

  constructor(
    readonly job: Job,
    readonly repository: RepositoryResult,
    readonly attempt: PreviousAttempt,
    readonly parent: RepositoryNode,
  ) {
    const state = repositoryState({ ...repository, ...attempt, verification: undefined });
    const code = attempt.error?.code && attempt.status === 'FAILED' ? ` · ${attempt.error.code}` : '';
    super(
      `Attempt ${attempt.attempt} of ${repository.attempt} · ${stateWord(state)}${code}`,
      vscode.TreeItemCollapsibleState.None,
    );
    this.id = `attempt:${job.jobId}:${repository.repositoryName}:${attempt.attempt}`;
    this.description = [
      diffStatsText(attempt.diffStats),
      attempt.finishedAt && new Date(attempt.finishedAt).toLocaleString(),
    ]
      .filter(Boolean)
      .join(' · ');
    this.iconPath = new vscode.ThemeIcon('history');
    this.tooltip = [
      `${repository.repositoryName}, attempt ${attempt.attempt} of ${repository.attempt} (task revision ${attempt.taskRevision})`,
      attempt.error ? `${attempt.error.code}: ${attempt.error.message.slice(0, 600)}` : undefined,
      attempt.summary?.slice(0, 600),
    ]
      .filter(Boolean)
      .join('\n\n');
    this.contextValue = attemptContextValue(job, attempt);
    const open = openCommandOf(this.contextValue);
    if (open) this.command = { command: open, title: OPEN_TITLES[open], arguments: [this] };
  }

  /** What commands act on: this repository, at this attempt. */
  get ref(): { jobId: string; repositoryName: string; attempt: number } {
    return { jobId: this.job.jobId, repositoryName: this.repository.repositoryName, attempt: this.attempt.attempt };
  }
}

/** "Load more…" past the first page of jobs, of a job's repositories, or of a large job's group. */
export class LoadMoreNode extends vscode.TreeItem {
  readonly kind = 'loadMore';

  constructor(
    readonly jobId: string | undefined,
    readonly parent?: JobNode | GroupNode,
    /** The group's run status, when it is a large job's group that pages. */
    readonly status?: RepositoryStatus,
    /** "100 of 4,000 loaded". */
    description?: string,
  ) {
    super(jobId ? 'Load more repositories…' : 'Load more jobs…', vscode.TreeItemCollapsibleState.None);
    this.id = `more:${jobId ?? 'jobs'}${status ? `:${status}` : ''}`;
    if (description) this.description = description;
    this.iconPath = new vscode.ThemeIcon('ellipsis');
    this.contextValue = CONTEXT.loadMore;
    this.command = { command: 'codyBatch.loadMore', title: 'Load More', arguments: [this] };
  }
}

/** A row that says something went wrong (or is empty), with an action to try again. */
export class MessageNode extends vscode.TreeItem {
  readonly kind = 'message';
  readonly parent = undefined;

  constructor(message: string, icon = 'warning', command?: vscode.Command) {
    super(message, vscode.TreeItemCollapsibleState.None);
    this.iconPath = new vscode.ThemeIcon(icon);
    this.tooltip = message;
    if (command) this.command = command;
  }
}
