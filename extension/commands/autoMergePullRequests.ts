import * as vscode from 'vscode';
import { autoMergeable } from '../../common/pullRequestCounts';
import { countOf, namesList } from '../pullRequestTargets';
import { METHODS } from './mergePullRequests';
import { pullRequestCommand, runPullRequestAction } from './pullRequestActions';

// Turn On Auto-Merge…: the host merges each open pull request once its checks and reviews allow
// (GitHub's auto-merge), narrowed by the tree's filter; one with nothing left to wait for is merged
// now under Merge Ready's rules, and its result says so.

export const autoMergePullRequests = pullRequestCommand({
  id: 'codyBatch.autoMergePullRequests',
  doing: 'Turning on auto-merge',
  purpose: 'turn on auto-merge',
  choose: { take: autoMergeable, words: 'open, auto-merge not on yet' },
  none: (job, description) => `no pull request of "${job.name}" can take auto-merge (${description}).`,
  async act(services, job, targets) {
    const method = await vscode.window.showQuickPick(METHODS, {
      title: `Cody Batch: auto-merge ${countOf(targets.rows.length, 'pull request')} of "${job.name}"`,
      placeHolder: 'How the host merges each once it may',
    });
    if (!method) return;
    const turnOn = `Turn On for ${countOf(targets.rows.length, 'pull request')}`;
    const choice = await vscode.window.showWarningMessage(
      `Turn on auto-merge (${method.label.toLowerCase()}) for ${countOf(targets.rows.length, 'pull request')} of "${job.name}"?`,
      {
        modal: true,
        detail: `Chosen: ${targets.description}. One with nothing left to wait for is merged now.\n\n${namesList(targets.rows)}`,
      },
      turnOn,
    );
    if (choice !== turnOn) return;
    await runPullRequestAction(
      services,
      job,
      targets,
      'auto-merge',
      { method: method.method },
      { title: `turning on auto-merge for "${job.name}"`, done: 'Turned on auto-merge for' },
    );
  },
});
