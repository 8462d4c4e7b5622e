import * as vscode from 'vscode';
import type { Job, RepositoryActionResult } from '../common/schemas';
import {
  type ActionProgress,
  ActionTally,
  type ActionWords,
  resultLine,
  summarizeResults,
} from '../common/actionResults';
import type { Log } from './log/output';

// How a job action on many repositories runs: under a progress notification that has the count
// from its first second ("0 of 19 done"), each repository's result as it comes (the notification
// names the last one, the log has every one), any wait for the host's rate limit; then one summary
// with the repositories not done, with why, one click away ("Show Not Done").

/** What an action needs of the extension: its log, and the tree to read the job again. */
export interface ActionServices {
  log: Pick<Log, 'info' | 'show'>;
  jobs: { jobChanged(jobId: string): Promise<void> };
}

export async function runJobAction(
  services: ActionServices,
  job: Job,
  title: string,
  words: Omit<ActionWords, 'jobName'>,
  /** How many repositories the action was asked for (the count shows from the first second). */
  total: number | undefined,
  action: (progress: ActionProgress) => Promise<RepositoryActionResult[]>,
  /** What the tree does afterwards (default: read the job and its rows again). */
  after: () => Promise<void> = () => services.jobs.jobChanged(job.jobId),
): Promise<RepositoryActionResult[]> {
  let results: RepositoryActionResult[];
  const tally = new ActionTally(total);
  services.log.info(`${title} (job ${job.jobId})${total !== undefined ? `: ${total} ${words.things}` : ''}`);
  try {
    results = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Cody Batch: ${title}` },
      (notification) => {
        let shown = 0;
        const show = (message = tally.line()) => {
          // The bar moves by what was done since it last moved (VS Code adds increments up).
          const increment = total ? ((tally.done - shown) / total) * 100 : undefined;
          shown = tally.done;
          notification.report({ message, ...(increment ? { increment } : {}) });
        };
        show();
        return action({
          add: (some) => {
            for (const result of tally.add(some)) services.log.info(`  ${resultLine(result)}`);
            show();
          },
          waiting: (seconds, reason) => {
            tally.waiting(seconds, reason);
            show();
          },
          say: (message) => show(message),
        });
      },
    );
  } catch (error) {
    await after();
    throw error;
  }
  // Results the progress did not see (an action that reports only at its end) go to the log too.
  for (const result of tally.add(results)) services.log.info(`  ${resultLine(result)}`);
  const summary = summarizeResults(results, { ...words, jobName: job.name });
  services.log.info(`${title} (job ${job.jobId}): ${summary.message}`);
  // The summary shows as soon as the answer is in: reading the job again can be slow on a large
  // job or a busy machine, and the person should not wait on it to learn what was done.
  void showSummary(services, summary.message, summary.level, summary.notDone);
  await after();
  return results;
}

async function showSummary(
  services: ActionServices,
  message: string,
  level: 'info' | 'warning',
  notDone: { repositoryName: string; reason: string }[],
): Promise<void> {
  const show = level === 'info' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
  const buttons = notDone.length > 0 ? ['Show Not Done', 'Show Log'] : ['Show Log'];
  const choice = await show(`Cody Batch: ${message}`, ...buttons);
  if (choice === 'Show Log') services.log.show();
  if (choice === 'Show Not Done')
    await vscode.window.showQuickPick(
      notDone.map((entry) => ({ label: entry.repositoryName, detail: entry.reason })),
      { title: 'Cody Batch: not done', placeHolder: 'Each repository with why it was not done' },
    );
}
