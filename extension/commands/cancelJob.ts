import * as vscode from 'vscode';
import { afterOperation } from '../../common/operationProgress';
import type { Job } from '../../common/schemas';
import { jobStatusesBefore } from '../../common/status';
import { jobCommand } from './command';

const KEEP = 'Keep Running';
const STOP = 'Stop Job';

/** `3 running and 12 pending`: what a stop stops, for the confirmation. */
export function cancelQuestion(job: { name: string; counts: { running: number; pending: number } }): string {
  const { running, pending } = job.counts;
  const parts = [running > 0 ? `${running} running` : undefined, pending > 0 ? `${pending} pending` : undefined];
  const what = parts.filter(Boolean).join(' and ');
  return what
    ? `Stop "${job.name}"? This stops ${what} ${running + pending === 1 ? 'repository' : 'repositories'}; finished ones keep their results.`
    : `Stop "${job.name}"?`;
}

/** A job that has not yet been asked to stop. */
function stoppable(job: Job): boolean {
  return jobStatusesBefore('CANCELLING').includes(job.status);
}

export const cancelJob = jobCommand(
  { id: 'codyBatch.cancelJob', doing: 'Cancelling the job', accepts: stoppable, purpose: 'cancel' },
  async (services, job) => {
    // Asked every time: a stop cannot be undone (a retry starts the stopped ones over). The first
    // button is the one Enter presses: keeping the job running, never stopping it.
    const choice = await vscode.window.showWarningMessage(cancelQuestion(job), { modal: true }, KEEP, STOP);
    if (choice !== STOP) return;
    const client = services.connection.client;
    // A large job answers CANCELLING while its rows are marked: the server's operation shows until it ends.
    const cancelled = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Cody Batch: cancelling "${job.name}"…` },
      async (progress) =>
        afterOperation(client, await client.cancelJob(job.jobId), (message) => progress.report({ message })),
    );
    services.log.info(`Cancelled job ${job.jobId}: now ${cancelled.status}`);
    await services.jobs.showJob(cancelled);
    await services.jobs.refresh();
  },
);
