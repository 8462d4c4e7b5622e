import * as vscode from 'vscode';
import { reviewOf } from '../tree/reviewLook';
import { countOf, publishable } from '../pullRequestTargets';
import { matchesFilter } from '../tree/repositoryFilter';
import { jobCommand } from './command';
import { askDraft, publishAndFollow } from './publishApproved';

/** Opens pull requests for the completed repositories the user picks (all that have none, at first). */
export const publish = jobCommand(
  {
    id: 'codyBatch.publish',
    doing: 'Publishing',
    accepts: (candidate) => candidate.counts.completed > 0,
    purpose: 'publish',
  },
  async (services, job) => {
    const filter = services.jobs.filter(job.jobId);
    const rows = (await services.connection.client.allRepositories(job.jobId)).filter(publishable);
    if (rows.length === 0) {
      void vscode.window.showInformationMessage(
        `Cody Batch: no completed repository of "${job.name}" is without a pull request (rejected ones are left out).`,
      );
      return;
    }
    const picked = await vscode.window.showQuickPick(
      rows.map((row) => ({
        label: row.repositoryName,
        description: reviewOf(row),
        picked: matchesFilter(row, filter),
        row,
      })),
      {
        title: `Cody Batch: publish "${job.name}"`,
        placeHolder: 'The repositories to open pull requests for',
        canPickMany: true,
        matchOnDescription: true,
      },
    );
    if (!picked || picked.length === 0) return;
    const draft = await askDraft(
      job,
      `Open pull requests for ${countOf(picked.length, 'repository')} of "${job.name}"?`,
    );
    if (draft === undefined) return;
    await publishAndFollow(services, job, { repositories: picked.map((item) => item.row.repositoryName), ...draft });
  },
);
