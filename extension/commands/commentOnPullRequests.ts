import * as vscode from 'vscode';
import { bulkProgressText } from '../../common/actionResults';
import { runJobAction } from '../jobAction';
import { resolveJob } from '../pick';
import { countOf, mayHavePullRequests, openPullRequest, targetsOf } from '../pullRequestTargets';
import type { Command } from './command';

/** Posts one comment on each open (or draft) pull request of the job that the tree shows. */
export const commentOnPullRequests: Command = {
  id: 'codyBatch.commentOnPullRequests',
  doing: 'Commenting on pull requests',
  async run(services, arg) {
    const job = await resolveJob(services, arg, mayHavePullRequests, 'comment on pull requests');
    if (!job) return;
    const rows = await services.connection.client.allRepositories(job.jobId);
    const targets = targetsOf(rows, openPullRequest, 'open or draft', services.jobs.filter(job.jobId));
    if (targets.rows.length === 0) {
      void vscode.window.showInformationMessage(`Cody Batch: "${job.name}" has no open pull request to comment on.`);
      return;
    }
    const body = await vscode.window.showInputBox({
      title: `Cody Batch: comment on ${countOf(targets.rows.length, 'pull request')} of "${job.name}"`,
      prompt: `Markdown, posted as is on each (${targets.description}).`,
      placeHolder: 'The comment',
      validateInput: (text) =>
        text.trim() ? (text.length > 60_000 ? 'must be at most 60000 characters' : undefined) : 'must not be empty',
    });
    if (body === undefined) return;
    const client = services.connection.client;
    await runJobAction(
      services,
      job,
      `commenting on pull requests of "${job.name}"`,
      { done: 'Commented on', things: 'pull requests' },
      (report) =>
        client.pullRequestActionAll(
          job.jobId,
          'comment',
          { repositories: targets.rows.map((row) => row.repositoryName), body },
          { onProgress: (progress) => report(bulkProgressText(progress)) },
        ),
    );
  },
};
