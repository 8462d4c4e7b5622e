import type { Job, RepositoryResult } from '../../common/schemas';
import {
  isFinalJobStatus,
  isFinalRepositoryStatus,
  jobStatusesBefore,
  RETRYABLE_REPOSITORY_STATUSES,
  type JobStatus,
  type RepositoryStatus,
} from '../../common/status';
import { formatCost, formatCount } from '../../common/format';
import { diffStatsText, jobDescription, repositoryDescription, statusWord } from '../../common/statusText';

export { diffStatsText, jobDescription, repositoryDescription, statusWord };

// How jobs and repositories look in the tree: labels, descriptions, icons, tooltips and the
// `contextValue` that decides which actions a row offers. No vscode here: the extension wraps these
// in TreeItems, and mocha tests the rules directly.

/** A codicon id and the theme colour to draw it in. */
export interface IconSpec {
  id: string;
  color?: string;
}

const JOB_ICONS: Record<JobStatus, IconSpec> = {
  PENDING: { id: 'clock', color: 'charts.yellow' },
  RUNNING: { id: 'sync~spin', color: 'charts.blue' },
  // A sample has run and waits for the user: still, not spinning.
  SAMPLED: { id: 'beaker', color: 'charts.purple' },
  CANCELLING: { id: 'loading~spin', color: 'charts.orange' },
  COMPLETED: { id: 'pass-filled', color: 'testing.iconPassed' },
  COMPLETED_WITH_ERRORS: { id: 'warning', color: 'problemsWarningIcon.foreground' },
  FAILED: { id: 'error', color: 'testing.iconFailed' },
  CANCELLED: { id: 'circle-slash', color: 'disabledForeground' },
};

const REPOSITORY_ICONS: Record<RepositoryStatus, IconSpec> = {
  PENDING: { id: 'circle-outline', color: 'charts.yellow' },
  RUNNING: { id: 'sync~spin', color: 'charts.blue' },
  COMPLETED: { id: 'pass-filled', color: 'testing.iconPassed' },
  NO_CHANGES: { id: 'circle-large-outline', color: 'disabledForeground' },
  FAILED: { id: 'error', color: 'testing.iconFailed' },
  CANCELLED: { id: 'circle-slash', color: 'disabledForeground' },
};

export function jobIcon(job: Pick<Job, 'status'>): IconSpec {
  return JOB_ICONS[job.status];
}

export function repositoryIcon(repository: Pick<RepositoryResult, 'status'>): IconSpec {
  return REPOSITORY_ICONS[repository.status];
}

/** Escapes text for a MarkdownString, so a job name cannot inject links or HTML. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~&]/g, (char) => `\\${char}`);
}

function codeBlock(text: string, limit = 600): string {
  const shown = text.length > limit ? `${text.slice(0, limit)}…` : text;
  const fence = '`'.repeat(Math.max(3, longestRun(shown, '`') + 1));
  return `${fence}text\n${shown}\n${fence}`;
}

function longestRun(text: string, char: string): number {
  let best = 0;
  let run = 0;
  for (const c of text) {
    run = c === char ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return best;
}

function when(iso: string | undefined): string | undefined {
  if (!iso) return undefined;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export function jobTooltip(job: Job): string {
  const { counts, usage } = job;
  const lines = [`**${escapeMarkdown(job.name)}** — ${statusWord(job.status)}`, ''];
  if (job.description) lines.push(escapeMarkdown(job.description), '');
  lines.push(
    `| | |`,
    `|---|---|`,
    `| Repositories | ${counts.total} |`,
    `| Completed | ${counts.completed} |`,
    `| No changes | ${counts.noChanges} |`,
    `| Failed | ${counts.failed} |`,
    `| Cancelled | ${counts.cancelled} |`,
    `| Running / pending | ${counts.running} / ${counts.pending} |`,
    `| Tokens in / out | ${formatCount(usage.inputTokens)} / ${formatCount(usage.outputTokens)} |`,
    `| Cost | ${formatCost(usage.costUsd)} |`,
    '',
  );
  lines.push(job.prompt !== undefined ? 'Prompt:' : 'Command:', '', codeBlock(job.prompt ?? job.command ?? ''), '');
  const revised = job.taskRevisions?.at(-1);
  if (revised)
    lines.push(
      `${revised.prompt !== undefined ? 'Prompt' : 'Command'} as revised (revision ${revised.revision}):`,
      '',
      codeBlock(revised.prompt ?? revised.command ?? ''),
      '',
    );
  if (job.status === 'SAMPLED')
    lines.push(
      `A sample of ${job.sample?.size ?? '?'} has run; ${job.counts.pending} repositories wait for a continue.`,
      '',
    );
  const details = [
    `Model \`${escapeMarkdown(job.model)}\``,
    `created ${escapeMarkdown(when(job.createdAt) ?? '')}`,
    job.finishedAt ? `finished ${escapeMarkdown(when(job.finishedAt)!)}` : undefined,
    job.createPullRequests ? (job.draftPullRequests ? 'draft pull requests' : 'pull requests') : undefined,
  ].filter(Boolean);
  lines.push(details.join(' · '), '', `\`${escapeMarkdown(job.jobId)}\``);
  return lines.join('\n');
}

export function repositoryTooltip(repository: RepositoryResult): string {
  const lines = [`**${escapeMarkdown(repository.repositoryName)}** — ${statusWord(repository.status)}`, ''];
  if (repository.diffStats) {
    lines.push(`${repository.diffStats.files} files changed, ${diffStatsText(repository.diffStats)}`, '');
  }
  if (repository.error)
    lines.push(`**${escapeMarkdown(repository.error.code)}**: ${escapeMarkdown(repository.error.message)}`, '');
  if (repository.summary) lines.push(codeBlock(repository.summary), '');
  if (repository.verification) {
    const verification = repository.verification;
    lines.push(
      `Verify \`${escapeMarkdown(verification.command)}\`: ${verification.passed ? 'passed' : 'failed'} after ${verification.rounds} round(s)`,
      '',
    );
  }
  if (repository.pullRequestUrl) lines.push(`Pull request: ${escapeMarkdown(repository.pullRequestUrl)}`, '');
  const tokens = repository.usage.inputTokens + repository.usage.outputTokens;
  if (tokens > 0) lines.push(`${formatCount(tokens)} tokens · ${formatCost(repository.usage.costUsd)}`);
  if (repository.attempt > 1) lines.push(`Attempt ${repository.attempt}`);
  if ((repository.taskRevision ?? 1) > 1) lines.push(`Task revision ${repository.taskRevision}`);
  if (repository.sampled) lines.push('In the sample');
  return lines.join('\n').trim();
}

// ------------------------------------------------------------------------------------------------
// contextValue: space-separated words. The manifest's `when` clauses test them with
// `viewItem =~ /\bword\b/`, so a row can offer several actions at once.

export const CONTEXT = {
  job: 'job',
  cancellable: 'cancellable',
  retryable: 'retryable',
  repository: 'repository',
  hasDiff: 'hasDiff',
  hasThread: 'hasThread',
  hasLog: 'hasLog',
  hasPullRequest: 'hasPullRequest',
  loadMore: 'loadMore',
} as const;

/**
 * Cancel where the status rules allow it (pending, running, or SAMPLED and waiting); retry only once
 * something failed or was cancelled and the job is final.
 */
export function jobContextValue(job: Job): string {
  const words: string[] = [CONTEXT.job];
  if (jobStatusesBefore('CANCELLING').includes(job.status)) {
    words.push(CONTEXT.cancellable);
  } else if (isFinalJobStatus(job.status) && job.counts.failed + job.counts.cancelled > 0) {
    words.push(CONTEXT.retryable);
  }
  return words.join(' ');
}

/** Diff, apply and download only with changes; the PR action only where one exists. */
export function repositoryContextValue(job: Job, repository: RepositoryResult): string {
  const words: string[] = [CONTEXT.repository];
  if (repository.status === 'COMPLETED') words.push(CONTEXT.hasDiff);
  if (job.prompt !== undefined && repository.status !== 'PENDING') words.push(CONTEXT.hasThread);
  if (repository.status !== 'PENDING') words.push(CONTEXT.hasLog);
  if (repository.pullRequestUrl) words.push(CONTEXT.hasPullRequest);
  if (RETRYABLE_REPOSITORY_STATUSES.includes(repository.status) && isFinalJobStatus(job.status))
    words.push(CONTEXT.retryable);
  return words.join(' ');
}

/** The command a click on a repository row runs: the diff when there are changes, else the thread, else the log. */
export function repositoryOpenCommand(
  job: Job,
  repository: RepositoryResult,
): 'codyBatch.viewDiff' | 'codyBatch.viewThread' | 'codyBatch.viewLog' | undefined {
  const value = repositoryContextValue(job, repository);
  if (hasWord(value, CONTEXT.hasDiff)) return 'codyBatch.viewDiff';
  if (hasWord(value, CONTEXT.hasThread)) return 'codyBatch.viewThread';
  if (hasWord(value, CONTEXT.hasLog)) return 'codyBatch.viewLog';
  return undefined;
}

export function hasWord(contextValue: string | undefined, word: string): boolean {
  return (contextValue ?? '').split(' ').includes(word);
}

/** What screen readers and `getByRole('treeitem', { name })` see: label, status, description. */
export function jobAccessibilityLabel(job: Job): string {
  return `${job.name}, ${statusWord(job.status)}, ${jobDescription(job)}`;
}

export function repositoryAccessibilityLabel(repository: RepositoryResult): string {
  return `${repository.repositoryName}, ${repositoryDescription(repository)}`;
}

export function isActiveRepository(repository: RepositoryResult): boolean {
  return !isFinalRepositoryStatus(repository.status);
}
