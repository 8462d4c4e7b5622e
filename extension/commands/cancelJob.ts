import * as vscode from 'vscode';
import { jobStatusesBefore } from '../../common/status';
import { resolveJob } from '../pick';
import type { Command } from './command';

export const cancelJob: Command = {
  id: 'codyBatch.cancelJob',
  doing: 'Cancelling the job',
  async run(services, arg) {
    const job = await resolveJob(
      services,
      arg,
      (candidate) => jobStatusesBefore('CANCELLING').includes(candidate.status),
      'cancel',
    );
    if (!job) return;
    const cancelled = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Cody Batch: cancelling "${job.name}"…` },
      () => services.connection.client.cancelJob(job.jobId),
    );
    services.log.info(`Cancelled job ${job.jobId}: now ${cancelled.status}`);
    await services.jobs.showJob(cancelled);
    await services.jobs.refresh();
  },
};
