import * as vscode from 'vscode';
import { draftFromJob } from '../../common/jobDraft';
import type { Job } from '../../common/schemas';
import { isFinalJobStatus } from '../../common/status';
import { verificationFailed } from '../../common/statusText';
import { jobCommand } from './command';

// Run Again… opens the Create Job form filled from a job, for editing; Run Again on Failed… fills it
// with only the repositories that failed, or whose verification failed.

export const runAgain = jobCommand(
  { id: 'codyBatch.runAgain', doing: 'Running the job again', accepts: () => true, purpose: 'run again' },
  async (services, job) => {
    // The names and notes live in the rows (a job item holds neither): read them all, in pages.
    services.panels.showCreateJob('', draftFromJob(job, await services.connection.client.allRepositories(job.jobId)));
  },
);

/** A job that ran (or sampled) and has repositories: one whose failures can be run again. */
function endedWithRows(job: Job): boolean {
  return (isFinalJobStatus(job.status) || job.status === 'SAMPLED') && job.counts.total > 0;
}

export const runAgainOnFailed = jobCommand(
  {
    id: 'codyBatch.runAgainOnFailed',
    doing: 'Running the job again on its failures',
    accepts: endedWithRows,
    purpose: 'run again on failed repositories',
  },
  async (services, job) => {
    const rows = await services.connection.client.allRepositories(job.jobId);
    const failed = rows
      .filter((row) => row.status === 'FAILED' || verificationFailed(row))
      .map((row) => row.repositoryName);
    if (failed.length === 0) {
      void vscode.window.showInformationMessage(`Cody Batch: nothing of "${job.name}" failed.`);
      return;
    }
    services.panels.showCreateJob('', draftFromJob(job, rows, failed));
  },
);
