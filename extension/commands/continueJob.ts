import * as vscode from 'vscode';
import { type ContinueRequest, type Job, MAX_COMMAND_CHARS, MAX_PROMPT_CHARS } from '../../common/schemas';
import { currentTask } from '../../common/tasks';
import type { Services } from '../services';
import { askForText, required } from '../webviews/composePanel';
import { jobCommand } from './command';

// Continue on a SAMPLED job: run the rest as it is, or revise the task first (the sampled
// repositories then run again with it).

type Choice = 'as-is' | 'task' | 'verify';

export const continueJob = jobCommand(
  {
    id: 'codyBatch.continueJob',
    doing: 'Continuing the job',
    accepts: (candidate) => candidate.status === 'SAMPLED',
    purpose: 'continue',
  },
  async (services, job) => {
    const revision = await askRevision(services, job);
    if (!revision) return;
    const continued = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Cody Batch: continuing "${job.name}"…` },
      () => services.connection.client.continueJob(job.jobId, revision),
    );
    services.log.info(
      `Continued job ${job.jobId}${Object.keys(revision).length > 0 ? ' with a revised task' : ''}: now ${continued.status}`,
    );
    await services.jobs.showJob(continued);
  },
);

/** The continue's body: `{}` as it is, or the revised field; undefined when the user backed out. */
async function askRevision(services: Services, job: Job): Promise<ContinueRequest | undefined> {
  const task = currentTask(job);
  const isCommand = task.command !== undefined;
  const waiting = job.counts.pending;
  const items: (vscode.QuickPickItem & { choice: Choice })[] = [
    {
      label: '$(debug-continue) Continue as is',
      description: `run the other ${waiting} ${waiting === 1 ? 'repository' : 'repositories'}`,
      choice: 'as-is',
    },
    {
      label: isCommand ? '$(edit) Revise the command…' : '$(edit) Revise the prompt…',
      description: 'the sampled repositories run again with it',
      choice: 'task',
    },
    {
      label: '$(beaker) Revise the verify command…',
      description: task.verifyCommand ? task.verifyCommand : 'none yet',
      choice: 'verify',
    },
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: `Cody Batch: continue "${job.name}"`,
    placeHolder: `The sample has run (${job.counts.total - waiting} of ${job.counts.total}). Continue with the rest?`,
  });
  if (!picked) return undefined;
  if (picked.choice === 'as-is') return {};
  const field = picked.choice === 'verify' ? 'verifyCommand' : isCommand ? 'command' : 'prompt';
  const current =
    picked.choice === 'verify' ? (task.verifyCommand ?? '') : ((isCommand ? task.command : task.prompt) ?? '');
  const what = field === 'verifyCommand' ? 'verify command' : field;
  const value = await askForText(services, {
    title: `Revise the ${what} of "${job.name}"`,
    prompt: `The sampled repositories run again with it, then the other ${waiting}.`,
    value: current,
    sendLabel: 'Continue with It',
    kind: field === 'prompt' ? 'The prompt, in words' : 'A shell command',
    validate: required(field === 'prompt' ? MAX_PROMPT_CHARS : MAX_COMMAND_CHARS),
  });
  if (value === undefined) return undefined;
  return { [field]: value };
}
