import * as vscode from 'vscode';
import { afterOperation } from '../../common/operationProgress';
import { isFinalJobStatus, RETRYABLE_REPOSITORY_STATUSES } from '../../common/status';
import { resolveJob } from '../pick';
import { ErrorCodeNode, GroupNode, RepositoryNode } from '../tree/nodes';
import type { Command } from './command';

/** Re-runs a job's failed and cancelled repositories; on a repository row or a group, only those. */
export const retryFailed: Command = {
  id: 'codyBatch.retryFailed',
  doing: 'Retrying',
  async run(services, arg) {
    const rows =
      arg instanceof RepositoryNode
        ? [arg.repository]
        : arg instanceof GroupNode || arg instanceof ErrorCodeNode
          ? arg.repositories
          : undefined;
    const only = rows
      ?.filter((row) => RETRYABLE_REPOSITORY_STATUSES.includes(row.status))
      .map((row) => row.repositoryName);
    const job = await resolveJob(
      services,
      arg,
      (candidate) => isFinalJobStatus(candidate.status) && candidate.counts.failed + candidate.counts.cancelled > 0,
      'retry',
    );
    if (!job) return;
    const what = only
      ? only.length === 1
        ? only[0]
        : `${only.length} repositories of "${job.name}"`
      : `${job.counts.failed + job.counts.cancelled} failed or cancelled repositories of "${job.name}"`;
    const client = services.connection.client;
    // A large job answers while its rows still go back to PENDING: the notification shows the
    // server's operation until its workers start.
    const retried = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Cody Batch: retrying ${what}…` },
      async (progress) =>
        afterOperation(
          client,
          await client.retryJob(job.jobId, only && only.length > 0 ? only : undefined),
          (message) => progress.report({ message }),
        ),
    );
    services.log.info(`Retried job ${job.jobId} (${only ? only.join(', ') : 'all failed'}): now ${retried.status}`);
    await services.jobs.showJob(retried);
  },
};
