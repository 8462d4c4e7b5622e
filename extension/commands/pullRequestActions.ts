import * as vscode from 'vscode';
import { bulkProgress } from '../../common/actionResults';
import type {
  BulkAction,
  BulkActionRequest,
  Job,
  RepositoryActionResult,
  RepositoryResult,
} from '../../common/schemas';
import { runJobAction } from '../jobAction';
import { resolveJob } from '../pick';
import { mayHavePullRequests, namesList, type Targets, targetsOf } from '../pullRequestTargets';
import type { Services } from '../services';
import type { Command } from './command';

// What the commands that act on a job's pull requests (merge, close, auto-merge, comment) share:
// the job and the pull requests they act on, the modal that offers to delete the branches too, and
// the run with the job action's progress.

export interface PullRequestCommand extends Omit<Command, 'run'> {
  /** For the pick of jobs: `"<job>" cannot be used to <purpose> now`. */
  purpose: string;
  /** Which pull requests it acts on (the tree's filter narrows them further), and those in words. */
  choose: { take: (row: RepositoryResult) => boolean; words: string };
  /** The message when none is left; `description` is what was chosen, in words. */
  none: (job: Job, description: string) => string;
  /** Asks what it must and acts on `targets`, never an empty list. */
  act: (services: Services, job: Job, targets: Targets) => Promise<unknown>;
}

/** A palette command on a job's pull requests: the job, then those `choose` takes, then `act`. */
export function pullRequestCommand({ purpose, choose, none, act, ...command }: PullRequestCommand): Command {
  return {
    ...command,
    async run(services, arg) {
      const job = await resolveJob(services, arg, mayHavePullRequests, purpose);
      if (!job) return;
      const rows = await services.connection.client.allRepositories(job.jobId);
      const targets = targetsOf(rows, choose.take, choose.words, services.jobs.filter(job.jobId));
      if (targets.rows.length > 0) return act(services, job, targets);
      void vscode.window.showInformationMessage(`Cody Batch: ${none(job, targets.description)}`);
    },
  };
}

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
