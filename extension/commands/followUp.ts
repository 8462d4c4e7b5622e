import * as vscode from 'vscode';
import { FOLLOW_UP_ACTIONS } from '../../common/followUps';
import {
  type FollowUpPush,
  type FollowUpReason,
  type Job,
  MAX_FOLLOW_UP_INSTRUCTION_CHARS,
  type RepositoryResult,
} from '../../common/schemas';
import { runJobAction } from '../jobAction';
import { resolveJob } from '../pick';
import { countOf, mayHavePullRequests, namesList, targetsOf } from '../pullRequestTargets';
import type { Services } from '../services';
import { RepositoryNode } from '../tree/nodes';
import { askForText, required } from '../webviews/composePanel';
import type { Command } from './command';
import { FOLLOW_UP_COMMANDS } from './followUpIds';

// Fix Failing Checks…, Address Review…, Update Branches… and Send Instruction…: a follow-up round
// (docs/architecture.md, "Follow-up rounds") on the pull requests the reason applies to, as the
// rows last recorded them and narrowed by the tree's filter; or on one repository's (its row's
// menu); or on a change group's members (the Job overview). A modal names how many and which, and
// whether the rounds' diffs wait for review (the default) or are pushed at once. Send Instruction…
// asks for the text in the multi-line text editor every such command shares (webviews/compose/). The server asks the host again and says, per
// repository, why one takes no round.

/** A change group's members, as the Job overview sends them. */
interface GroupArgument {
  jobId: string;
  repositories: string[];
  /** `38 repositories · the same change`, for the question. */
  title?: string;
}

function groupOf(arg: unknown): GroupArgument | undefined {
  const value = arg as Partial<GroupArgument> | undefined;
  return value && typeof value.jobId === 'string' && Array.isArray(value.repositories)
    ? { jobId: value.jobId, repositories: value.repositories.map(String), title: value.title }
    : undefined;
}

function followUpCommand(reason: FollowUpReason): Command {
  const action = FOLLOW_UP_ACTIONS[reason];
  const words = action.title.replace('…', '').toLowerCase();
  return {
    id: FOLLOW_UP_COMMANDS[reason],
    doing: `Starting follow-up rounds (${words})`,
    async run(services, arg) {
      const group = groupOf(arg);
      const job = await resolveJob(services, group ?? arg, mayHavePullRequests, words);
      if (!job) return;
      const rows = await services.connection.client.allRepositories(job.jobId);
      const chosen = choose(services, job, rows, reason, arg, group);
      if (chosen.rows.length === 0) {
        void vscode.window.showInformationMessage(
          `Cody Batch: no pull request of "${job.name}" takes this round (${chosen.description}). Refresh Pull Requests reads their state again.`,
        );
        return;
      }
      const names = chosen.rows.map((row) => row.repositoryName);
      const count = countOf(names.length, 'pull request');
      let instruction: string | undefined;
      if (reason === 'instruction') {
        instruction = await askForText(services, {
          title: `Send an instruction to ${count} of "${job.name}"`,
          prompt:
            `Claude makes this change on each pull request (${chosen.description}), starting from ` +
            `its head: one new commit on top, which waits for your review before it is pushed unless ` +
            `you push at once. Write it as you would the job's prompt.`,
          placeholder: 'Also update the CHANGELOG with one line about this change.',
          sendLabel: 'Next…',
          kind: 'Plain words, for Claude',
          validate: required(MAX_FOLLOW_UP_INSTRUCTION_CHARS),
        });
        if (instruction === undefined) return;
      }
      const push = await askPush(
        job,
        `Start rounds to ${action.verb} ${count} of "${job.name}"?`,
        chosen.description,
        chosen.rows,
      );
      if (!push) return;
      const client = services.connection.client;
      await runJobAction(
        services,
        job,
        `starting follow-up rounds on "${job.name}" (${words})`,
        { done: 'Started rounds on', things: 'pull requests' },
        names.length,
        async () => {
          const answer = await client.followUp(job.jobId, {
            reason,
            repositories: names,
            push,
            ...(instruction !== undefined ? { instruction } : {}),
          });
          return answer.results;
        },
      );
    },
  };
}

/** The pull requests a round goes to: one row's, a group's members, or what the reason and the tree's filter choose. */
function choose(
  services: Services,
  job: Job,
  rows: RepositoryResult[],
  reason: FollowUpReason,
  arg: unknown,
  group: GroupArgument | undefined,
): { rows: RepositoryResult[]; description: string } {
  const action = FOLLOW_UP_ACTIONS[reason];
  if (arg instanceof RepositoryNode) {
    const row = rows.find((candidate) => candidate.repositoryName === arg.repository.repositoryName);
    return { rows: row ? [row] : [], description: `${arg.repository.repositoryName}'s` };
  }
  if (group) {
    const members = new Set(group.repositories);
    // A group is chosen by hand: every open pull request of it, the server skipping (with why) what the reason does not fit.
    return {
      rows: rows.filter((row) => members.has(row.repositoryName) && FOLLOW_UP_ACTIONS.instruction.applies(row)),
      description: `the change group${group.title ? ` "${group.title}"` : ''}, open pull requests`,
    };
  }
  return targetsOf(rows, action.applies, action.chosenWords, services.jobs.filter(job.jobId));
}

/** The modal: push after review (the default) or at once; undefined when the user backs out. */
async function askPush(
  _job: Job,
  question: string,
  description: string,
  rows: readonly RepositoryResult[],
): Promise<FollowUpPush | undefined> {
  const review = 'Start, Review Before Pushing';
  const auto = 'Start and Push at Once';
  const choice = await vscode.window.showInformationMessage(
    question,
    {
      modal: true,
      detail:
        `Chosen: ${description}.\n\nEach round starts from its pull request's head and makes one ` +
        `commit on top, a fast-forward: it never rewrites what is there. A round's diff waits ` +
        `for review and Publish unless pushed at once.\n\n${namesList(rows)}`,
    },
    review,
    auto,
  );
  if (choice === review) return 'review';
  if (choice === auto) return 'auto';
  return undefined;
}

export const fixFailingChecks = followUpCommand('checks');
export const addressReview = followUpCommand('review');
export const updateBranches = followUpCommand('conflicts');
export const sendInstruction = followUpCommand('instruction');
