import * as vscode from 'vscode';
import { isFinalJobStatus } from '../../common/status';
import { runJobAction } from '../jobAction';
import { countOf } from '../pullRequestTargets';
import { jobCommand } from './command';

/** Deletes a finished job, its rows and artifacts, after a modal; its open pull requests stay unless the user closes them. */
export const deleteJob = jobCommand(
  {
    id: 'codyBatch.deleteJob',
    doing: 'Deleting the job',
    accepts: (candidate) => isFinalJobStatus(candidate.status),
    purpose: 'delete',
  },
  async (services, job) => {
    const open = (job.pullRequestCounts?.open ?? 0) + (job.pullRequestCounts?.draft ?? 0);
    const remove = 'Delete Job';
    const removeAndClose = `Delete Job and Close ${countOf(open, 'pull request')}`;
    const choice = await vscode.window.showWarningMessage(
      `Delete "${job.name}"?`,
      {
        modal: true,
        detail: `Its ${countOf(job.counts.total, 'repository')}' results, diffs, threads and logs are deleted; this cannot be undone.${
          open > 0 ? ` Its ${countOf(open, 'pull request')} stay open unless you close them.` : ''
        }`,
      },
      ...(open > 0 ? [remove, removeAndClose] : [remove]),
    );
    if (!choice) return;
    const client = services.connection.client;
    let deleted = false;
    // Once deleted, the job leaves the tree before it is read again: its rows are gone.
    const gone = async () => {
      if (deleted) services.jobs.forget(job.jobId);
      await services.jobs.refresh();
    };
    if (choice === removeAndClose) {
      await runJobAction(
        services,
        job,
        `deleting "${job.name}" and closing its pull requests`,
        { done: 'Closed', things: 'pull requests' },
        open,
        async () => {
          const answer = await client.deleteJob(job.jobId, { closePullRequests: true });
          deleted = true;
          return answer.results ?? [];
        },
        gone,
      );
    } else {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Cody Batch: deleting "${job.name}"…` },
        () => client.deleteJob(job.jobId),
      );
      deleted = true;
      await gone();
      void vscode.window.showInformationMessage(`Cody Batch: deleted "${job.name}".`);
    }
    services.log.info(`Deleted job ${job.jobId}`);
  },
);
