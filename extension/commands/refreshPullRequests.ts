import * as vscode from 'vscode';
import { resolveJob } from '../pick';
import { mayHavePullRequests } from '../pullRequestTargets';
import { jobReviewWords } from '../tree/present';
import type { Command } from './command';

/** Asks the code host about the job's pull requests now (rows, counts and burndown). */
export const refreshPullRequests: Command = {
  id: 'codyBatch.refreshPullRequests',
  doing: 'Refreshing pull requests',
  async run(services, arg) {
    const job = await resolveJob(services, arg, mayHavePullRequests, 'refresh pull requests');
    if (!job) return;
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
};
