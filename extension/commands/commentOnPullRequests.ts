import * as vscode from 'vscode';
import { openPullRequest } from '../../common/pullRequestCounts';
import { countOf, namesList } from '../pullRequestTargets';
import { askForText, required } from '../webviews/composePanel';
import { pullRequestCommand, runPullRequestAction } from './pullRequestActions';

/** Posts one comment on each open (or draft) pull request of the job that the tree shows. */
export const commentOnPullRequests = pullRequestCommand({
  id: 'codyBatch.commentOnPullRequests',
  doing: 'Commenting on pull requests',
  purpose: 'comment on pull requests',
  choose: { take: openPullRequest, words: 'open or draft' },
  none: (job) => `"${job.name}" has no open pull request to comment on.`,
  async act(services, job, targets) {
    const count = countOf(targets.rows.length, 'pull request');
    const body = await askForText(services, {
      title: `Comment on ${count} of "${job.name}"`,
      prompt: `Posted as it is on each (${targets.description}). You are asked once more before anything is posted.`,
      sendLabel: 'Continue…',
      kind: 'Markdown',
      placeholder: 'The comment',
      validate: required(60_000),
    });
    if (body === undefined) return;
    // Posting cannot be taken back: a modal names how many, as Merge and Close do.
    const post = `Comment on ${count}`;
    const choice = await vscode.window.showWarningMessage(
      `${post} of "${job.name}"?`,
      { modal: true, detail: `Chosen: ${targets.description}.\n\n${namesList(targets.rows)}\n\n${body.slice(0, 500)}` },
      post,
    );
    if (choice !== post) return;
    await runPullRequestAction(
      services,
      job,
      targets,
      'comment',
      { body },
      { title: `commenting on pull requests of "${job.name}"`, done: 'Commented on' },
    );
  },
});
