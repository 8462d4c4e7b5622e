import * as vscode from 'vscode';
import { mayHavePullRequests } from '../pullRequestTargets';
import { jobReviewWords } from '../tree/present';
import { jobCommand } from './command';

/** Asks the code host about the job's pull requests now (rows, counts and burndown). */
export const refreshPullRequests = jobCommand(
  {
    id: 'codyBatch.refreshPullRequests',
    doing: 'Refreshing pull requests',
    accepts: mayHavePullRequests,
    purpose: 'refresh pull requests',
  },
  async (services, job) => {
    const refreshed = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Cody Batch: reading the pull requests of "${job.name}"…`,
      },
      () => services.connection.client.refreshPullRequests(job.jobId),
    );
    await services.jobs.jobChanged(job.jobId);
    const words = jobReviewWords(refreshed);
    services.log.info(`Refreshed the pull requests of job ${job.jobId}: ${words.join(', ') || 'none'}`);
    // Said where the question was asked, not only in the status bar.
    void vscode.window.showInformationMessage(
      `Cody Batch: read the pull requests of "${job.name}" again: ${words.join(' · ') || 'it has none'}.`,
    );
  },
);
