import * as vscode from 'vscode';
import { publishFollowed } from '../../common/publication';
import type { Job, PublishRequest } from '../../common/schemas';
import { runJobAction } from '../jobAction';
import { currentRound } from '../../common/followUps';
import { approvedUnpublished, countOf } from '../pullRequestTargets';
import type { Services } from '../services';
import { jobCommand } from './command';

/** Opens pull requests for the job's approved repositories that have none: exactly the diffs reviewed. */
export const publishApproved = jobCommand(
  {
    id: 'codyBatch.publishApproved',
    doing: 'Publishing the approved repositories',
    accepts: (candidate) => (candidate.reviewCounts?.approved ?? 0) > 0,
    purpose: 'publish',
  },
  async (services, job) => {
    const approved = (await services.connection.client.allRepositories(job.jobId)).filter(approvedUnpublished);
    if (approved.length === 0) {
      void vscode.window.showInformationMessage(
        `Cody Batch: every approved repository of "${job.name}" has a pull request already.`,
      );
      return;
    }
    const rounds = approved.filter((row) => currentRound(row) !== undefined).length;
    const opened = approved.length - rounds;
    const question =
      rounds === 0
        ? `Open pull requests for ${countOf(approved.length, 'repository')} approved in "${job.name}"?`
        : opened === 0
          ? `Push ${rounds === 1 ? 'the approved follow-up' : `${rounds} approved follow-ups`} of ` +
            `"${job.name}" onto ${rounds === 1 ? 'its pull request' : 'their pull requests'}?`
          : `Open pull requests for ${countOf(opened, 'repository')} and push ${rounds} approved follow-ups onto theirs, in "${job.name}"?`;
    const draft = await askDraft(job, question);
    if (draft === undefined) return;
    // Exactly the ones the question named (the server checks each is still approved).
    const repositories = approved.map((row) => row.repositoryName);
    await publishAndFollow(services, job, { repositories, approved: true, ...draft });
  },
);

/**
 * A modal: Publish or Publish as Drafts (the job's own setting first); `{}` keeps the job's
 * setting, undefined: the user backed out.
 */
export async function askDraft(job: Job, question: string): Promise<Pick<PublishRequest, 'draft'> | undefined> {
  const asJob = job.draftPullRequests ? 'Publish as Drafts' : 'Publish';
  const other = job.draftPullRequests ? 'Publish Ready for Review' : 'Publish as Drafts';
  const choice = await vscode.window.showInformationMessage(
    question,
    {
      modal: true,
      detail:
        'Each pull request holds exactly the diff that was reviewed, on its recorded base ' +
        "commit; a follow-up's commit goes on top of the head its round started from.",
    },
    asJob,
    other,
  );
  if (choice === asJob) return {};
  if (choice === other) return { draft: !job.draftPullRequests };
  return undefined;
}

/** The publish, then its worker run followed until each repository is published or failed. */
export async function publishAndFollow(services: Services, job: Job, request: PublishRequest): Promise<void> {
  const client = services.connection.client;
  await runJobAction(
    services,
    job,
    `publishing "${job.name}"`,
    { done: 'Published', things: 'repositories' },
    request.repositories?.length,
    (progress) => publishFollowed(client, job.jobId, request, progress),
  );
}
