import * as vscode from 'vscode';
import { resolveJob } from '../pick';
import { openPullRequest } from '../../common/pullRequestCounts';
import { countOf, mayHavePullRequests, targetsOf } from '../pullRequestTargets';
import type { Command } from './command';
import { confirmWithBranches, runPullRequestAction } from './pullRequestActions';

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
    const branches = await confirmWithBranches(`${close} of "${job.name}"?`, close, targets);
    if (!branches) return;
    await runPullRequestAction(services, job, targets, 'close', branches, {
      title: `closing pull requests of "${job.name}"`,
      done: 'Closed',
    });
  },
};
