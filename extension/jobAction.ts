import * as vscode from 'vscode';
import type { Job, RepositoryActionResult } from '../common/schemas';
import { type ActionWords, summarizeResults } from '../common/actionResults';
import type { Services } from './services';

// How a job action on many repositories runs: under a progress notification (its lines say how
// far it got and any wait for the host's rate limit), then one summary message. Every result goes
// to the log; the repositories not done, with why, are one click away in a quick pick.

export type Report = (message: string) => void;

export async function runJobAction(
  services: Services,
  job: Job,
  title: string,
  words: Omit<ActionWords, 'jobName'>,
  action: (report: Report) => Promise<RepositoryActionResult[]>,
  /** What the tree does afterwards (default: read the job and its rows again). */
  after: () => Promise<void> = () => services.jobs.jobChanged(job.jobId),
): Promise<RepositoryActionResult[]> {
  let results: RepositoryActionResult[];
  try {
    results = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Cody Batch: ${title}` },
      (progress) => action((message) => progress.report({ message })),
    );
  } finally {
    await after();
  }
  const summary = summarizeResults(results, { ...words, jobName: job.name });
  services.log.info(`${title} (job ${job.jobId}): ${summary.message}`);
  for (const line of summary.lines) services.log.info(`  ${line}`);
  void showSummary(services, summary.message, summary.level, summary.notDone);
  return results;
}

async function showSummary(
  services: Services,
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
