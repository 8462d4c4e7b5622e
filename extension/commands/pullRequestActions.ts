import * as vscode from 'vscode';
import { bulkProgress } from '../../common/actionResults';
import type { BulkAction, BulkActionRequest, Job, RepositoryActionResult } from '../../common/schemas';
import { runJobAction } from '../jobAction';
import { namesList, type Targets } from '../pullRequestTargets';
import type { Services } from '../services';

// What the commands that act on a job's pull requests (merge, close, auto-merge, comment) share:
// the modal that offers to delete the branches too, and the run with the job action's progress.

/**
 * Asks `question` in a modal that names the chosen pull requests, with `button` and `button` and
 * Delete Branches. Answers the request's branch field, or undefined when the user chose neither.
 */
export async function confirmWithBranches(
  question: string,
  button: string,
  targets: Targets,
): Promise<{ deleteBranch?: true } | undefined> {
  const andDelete = `${button} and Delete Branches`;
  const choice = await vscode.window.showWarningMessage(
    question,
    { modal: true, detail: `Chosen: ${targets.description}.\n\n${namesList(targets.rows)}` },
    button,
    andDelete,
  );
  if (!choice) return undefined;
  return choice === andDelete ? { deleteBranch: true } : {};
}

/** Runs `action` on the chosen pull requests, `title` and `done` as the job action shows them. */
export async function runPullRequestAction(
  services: Services,
  job: Job,
  targets: Targets,
  action: BulkAction,
  fields: Omit<BulkActionRequest, 'repositories' | 'filter'>,
  words: { title: string; done: string },
): Promise<RepositoryActionResult[]> {
  const client = services.connection.client;
  return runJobAction(
    services,
    job,
    words.title,
    { done: words.done, things: 'pull requests' },
    targets.rows.length,
    (progress) =>
      client.pullRequestActionAll(
        job.jobId,
        action,
        { repositories: targets.rows.map((row) => row.repositoryName), ...fields },
        { onProgress: bulkProgress(progress) },
      ),
  );
}
