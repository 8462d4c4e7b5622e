import * as vscode from 'vscode';
import { bulkProgress } from '../../common/actionResults';
import { runJobAction } from '../jobAction';
import { resolveJob } from '../pick';
import { openPullRequest } from '../../common/pullRequestCounts';
import { countOf, namesList, mayHavePullRequests, targetsOf } from '../pullRequestTargets';
import type { Command } from './command';

/** Closes the job's open (and draft) pull requests, those the tree shows; a modal names how many. */
export const closePullRequests: Command = {
  id: 'codyBatch.closePullRequests',
  doing: 'Closing pull requests',
  async run(services, arg) {
    const job = await resolveJob(services, arg, mayHavePullRequests, 'close pull requests');
    if (!job) return;
    const rows = await services.connection.client.allRepositories(job.jobId);
    const targets = targetsOf(rows, openPullRequest, 'open or draft', services.jobs.filter(job.jobId));
    if (targets.rows.length === 0) {
      void vscode.window.showInformationMessage(`Cody Batch: "${job.name}" has no open pull request to close.`);
      return;
    }
    const close = `Close ${countOf(targets.rows.length, 'pull request')}`;
    const closeAndDelete = `${close} and Delete Branches`;
    const choice = await vscode.window.showWarningMessage(
      `${close} of "${job.name}"?`,
      {
        modal: true,
        detail: `Chosen: ${targets.description}.\n\n${namesList(targets.rows)}`,
      },
      close,
      closeAndDelete,
    );
    if (!choice) return;
    const client = services.connection.client;
    await runJobAction(
      services,
      job,
      `closing pull requests of "${job.name}"`,
      { done: 'Closed', things: 'pull requests' },
      targets.rows.length,
      (progress) =>
        client.pullRequestActionAll(
          job.jobId,
          'close',
          {
            repositories: targets.rows.map((row) => row.repositoryName),
            ...(choice === closeAndDelete ? { deleteBranch: true } : {}),
          },
          { onProgress: bulkProgress(progress) },
        ),
    );
  },
};
