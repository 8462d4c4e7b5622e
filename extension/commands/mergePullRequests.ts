import * as vscode from 'vscode';
import type { MergeMethod } from '../../common/schemas';
import { READY_WORDS, readyToMerge } from '../../common/pullRequestCounts';
import { countOf } from '../pullRequestTargets';
import { confirmWithBranches, pullRequestCommand, runPullRequestAction } from './pullRequestActions';

// Merge Ready Pull Requests…: the open pull requests whose checks pass (or have none) and that no
// one asked changes of, narrowed by the tree's filter; a modal names how many and which, then the
// method and whether to delete the branches. The server looks at each again and never forces.

export const METHODS: { label: string; method: MergeMethod; detail: string }[] = [
  { label: 'Merge commit', method: 'merge', detail: 'All commits, and a merge commit' },
  { label: 'Squash and merge', method: 'squash', detail: 'One commit on the base branch' },
  { label: 'Rebase and merge', method: 'rebase', detail: 'The commits replayed on the base branch' },
];

export const mergePullRequests = pullRequestCommand({
  id: 'codyBatch.mergePullRequests',
  doing: 'Merging pull requests',
  purpose: 'merge pull requests',
  choose: { take: readyToMerge, words: `ready: ${READY_WORDS}` },
  none: (job, description) =>
    `no pull request of "${job.name}" is ready to merge (${description}). Refresh Pull Requests reads their state again.`,
  async act(services, job, targets) {
    const method = await vscode.window.showQuickPick(METHODS, {
      title: `Cody Batch: merge ${countOf(targets.rows.length, 'pull request')} of "${job.name}"`,
      placeHolder: 'How to merge',
    });
    if (!method) return;
    const merge = `Merge ${countOf(targets.rows.length, 'pull request')}`;
    const question = `${merge} of "${job.name}" (${method.label.toLowerCase()})?`;
    const branches = await confirmWithBranches(question, merge, targets);
    if (!branches) return;
    await runPullRequestAction(
      services,
      job,
      targets,
      'merge',
      { method: method.method, ...branches },
      { title: `merging pull requests of "${job.name}"`, done: 'Merged' },
    );
  },
});
