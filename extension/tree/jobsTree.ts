import * as vscode from 'vscode';
import type { JobsModel } from './model';
import { groupRows, jobContents } from './jobContents';
import { filterText, isEmptyFilter, type RepositoryFilter } from './repositoryFilter';
import {
  AttemptNode,
  ErrorCodeNode,
  GroupNode,
  JobNode,
  LoadMoreNode,
  MessageNode,
  RepositoryNode,
  type TreeNode,
} from './nodes';
import { type CountedGroup, groupRepositories, type RepositoryGroup } from '../../common/repositoryStates';

// The Jobs tree's rows over a JobsModel: jobs, then under a job its repositories grouped by state
// ("Failed (3)" split by error code, "Verify failed (1)", "Changed (30)", …) or, with
// codyBatch.groupRepositories off, one flat list; under a retried repository, its earlier attempts.
// A large job's groups are counted by the job item and page their rows (jobContents.ts): no split
// by error code there (each row's label carries its code), and no "Verify failed" group of its own.

export const GROUP_SETTING = 'groupRepositories';

export function groupingEnabled(): boolean {
  return vscode.workspace.getConfiguration('codyBatch').get<boolean>(GROUP_SETTING) ?? true;
}

/**
 * Groups that need attention open by themselves; so does a job's only group. A large job's groups
 * stay closed (but its only one): each open group reads its rows, and the first paint reads none.
 */
function startsExpanded(
  group: RepositoryGroup | CountedGroup,
  groups: readonly (RepositoryGroup | CountedGroup)[],
): boolean {
  if (groups.length === 1) return true;
  if ('status' in group) return false;
  return group.state === 'failed' || group.state === 'verifyFailed' || group.state === 'running';
}

export interface JobsTreeSource {
  model(): JobsModel | undefined;
  /** Loads the model's first page when it has not been (and reports a failure). */
  ensureLoaded(): Promise<void>;
  lastError(): string | undefined;
  report(error: unknown, doing: string): { message: string };
  /** What the tree shows of a job's repositories (Filter Repositories…), if not all. */
  filter(jobId: string): RepositoryFilter | undefined;
}

function noneMatch(filter: RepositoryFilter | undefined, node: JobNode): MessageNode {
  return new MessageNode(`No repository is ${filterText(filter)}`, 'filter', {
    command: 'codyBatch.clearRepositoryFilter',
    title: 'Clear Filter',
    arguments: [node],
  });
}

export class JobsTree implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined | void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly jobNodes = new Map<string, JobNode>();

  constructor(private readonly source: JobsTreeSource) {}

  /** Redraws everything. */
  refresh(): void {
    this.changed.fire();
  }

  clear(): void {
    this.jobNodes.clear();
    this.changed.fire();
  }

  /** The row of a job as last drawn (to reveal it), or a new one. */
  jobNode(jobId: string): JobNode | undefined {
    const job = this.source.model()?.job(jobId);
    if (!job) return undefined;
    return (
      this.jobNodes.get(jobId) ??
      new JobNode(job, false, this.source.model()?.verification(jobId), this.source.filter(jobId))
    );
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    return node;
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return node.parent;
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    const model = this.source.model();
    if (!model) return [];
    if (!node) {
      if (!model.isLoaded) await this.source.ensureLoaded();
      if (!model.isLoaded) {
        return [
          new MessageNode(this.source.lastError() ?? 'Could not load jobs', 'error', {
            command: 'codyBatch.refresh',
            title: 'Refresh',
          }),
        ];
      }
      const nodes: TreeNode[] = model.jobs().map((job) => {
        const jobNode = new JobNode(job, false, model.verification(job.jobId), this.source.filter(job.jobId));
        this.jobNodes.set(job.jobId, jobNode);
        return jobNode;
      });
      if (model.hasMoreJobs()) nodes.push(new LoadMoreNode(undefined));
      return nodes;
    }
    if (node instanceof JobNode) {
      try {
        const job = model.job(node.job.jobId) ?? node.job;
        const filter = this.source.filter(job.jobId);
        const contents = await jobContents(model, job, filter, groupingEnabled());
        if (contents.paged) {
          if (contents.groups.length === 0 && !isEmptyFilter(filter)) return [noneMatch(filter, node)];
          const groups: TreeNode[] = contents.groups.map(
            (group) => new GroupNode(job, group, node, startsExpanded(group, contents.groups)),
          );
          if (contents.loadedRowsOnly)
            groups.unshift(
              new MessageNode(
                `A large job: “${filterText(filter)}” looks at each group’s loaded rows (Load more… reads on)`,
                'info',
              ),
            );
          return groups;
        }
        const { list, rows: items } = contents;
        if (items.length === 0 && !isEmptyFilter(filter)) return [noneMatch(filter, node)];
        if (groupingEnabled()) {
          const groups = groupRepositories(items, job);
          return groups.map((group) => new GroupNode(job, group, node, startsExpanded(group, groups)));
        }
        const nodes: TreeNode[] = items.map((repository) => new RepositoryNode(job, repository, node));
        if (list.nextToken) nodes.push(new LoadMoreNode(job.jobId, node));
        return nodes;
      } catch (error) {
        const { message } = this.source.report(error, 'Loading repositories');
        return [new MessageNode(message, 'error', { command: 'codyBatch.refresh', title: 'Refresh' })];
      }
    }
    if (node instanceof GroupNode && node.paged) {
      try {
        const { rows, loaded, more } = await groupRows(
          model,
          node.job.jobId,
          node.paged,
          this.source.filter(node.job.jobId),
        );
        const nodes: TreeNode[] = rows.map((repository) => new RepositoryNode(node.job, repository, node));
        if (more) {
          const shown = `${loaded.toLocaleString('en-US')} of ${node.paged.count.toLocaleString('en-US')} loaded`;
          nodes.push(new LoadMoreNode(node.job.jobId, node, node.paged.status, shown));
        }
        return nodes;
      } catch (error) {
        const { message } = this.source.report(error, 'Loading repositories');
        return [new MessageNode(message, 'error', { command: 'codyBatch.refresh', title: 'Refresh' })];
      }
    }
    if (node instanceof GroupNode) {
      if (node.group.codes) return node.group.codes.map((codeGroup) => new ErrorCodeNode(node.job, codeGroup, node));
      return node.repositories.map((repository) => new RepositoryNode(node.job, repository, node));
    }
    if (node instanceof ErrorCodeNode)
      return node.repositories.map((repository) => new RepositoryNode(node.job, repository, node));
    if (node instanceof RepositoryNode) {
      // Newest first: the attempt before this one at the top.
      return [...(node.repository.previousAttempts ?? [])]
        .sort((a, b) => b.attempt - a.attempt)
        .map((attempt) => new AttemptNode(node.job, node.repository, attempt, node));
    }
    return [];
  }

  dispose(): void {
    this.changed.dispose();
  }
}
