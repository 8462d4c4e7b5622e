import * as vscode from 'vscode';
import { isFinalJobStatus, RETRYABLE_REPOSITORY_STATUSES } from '../../common/status';
import { resolveJob } from '../pick';
import { RepositoryNode } from '../tree/nodes';
import type { Command } from './command';

/** Re-runs a job's failed and cancelled repositories; on a repository row, only that one. */
export const retryFailed: Command = {
  id: 'codyBatch.retryFailed',
  doing: 'Retrying',
  async run(services, arg) {
    const only =
      arg instanceof RepositoryNode && RETRYABLE_REPOSITORY_STATUSES.includes(arg.repository.status)
        ? [arg.repository.repositoryName]
        : undefined;
    const job = await resolveJob(
      services,
      arg,
      (candidate) => isFinalJobStatus(candidate.status) && candidate.counts.failed + candidate.counts.cancelled > 0,
      'retry',
    );
    if (!job) return;
    const what = only
      ? only[0]
      : `${job.counts.failed + job.counts.cancelled} failed or cancelled repositories of "${job.name}"`;
    const retried = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Cody Batch: retrying ${what}…` },
      () => services.connection.client.retryJob(job.jobId, only),
    );
    services.log.info(`Retried job ${job.jobId} (${only ? only.join(', ') : 'all failed'}): now ${retried.status}`);
    await services.jobs.showJob(retried);
  },
};
