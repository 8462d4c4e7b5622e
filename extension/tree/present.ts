import { hasKeptFailedDiff } from '../../common/attempts';
import { hasOpenPullRequest, roundWords } from '../../common/followUps';
import type { Job, PreviousAttempt, RepositoryResult } from '../../common/schemas';
import {
  isFinalJobStatus,
  isFinalRepositoryStatus,
  jobStatusesBefore,
  RETRYABLE_REPOSITORY_STATUSES,
  type JobStatus,
} from '../../common/status';
import { formatCost, formatCount } from '../../common/format';
import {
  diffStatsText,
  filesChangedText,
  jobDescription,
  repositoryDescription,
  statusWord,
} from '../../common/statusText';
import { mayHavePullRequests } from '../pullRequestTargets';
import { reviewTally } from '../../common/reviewCounts';
import type { IconSpec } from './iconSpec';
import { reviewAndPullRequestTooltip, reviewOrPullRequestIcon, stateFirstWords } from './reviewLook';
import {
  type RepositoryState,
  repositoryLabel,
  repositoryState,
  stateWord,
  type VerificationSummary,
} from '../../common/repositoryStates';

export { diffStatsText, jobDescription, repositoryDescription, statusWord };

// How jobs and repositories look in the tree: labels, descriptions, icons, tooltips and the
// `contextValue` that decides which actions a row offers. No vscode here: the extension wraps these
// in TreeItems, and mocha tests the rules directly.

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

/** A changed repository whose verification failed, or a job with such repositories: never a green tick. */
export const VERIFY_FAILED_ICON: IconSpec = { id: 'unverified', color: 'problemsWarningIcon.foreground' };

const STATE_ICONS: Record<RepositoryState, IconSpec> = {
  pending: { id: 'circle-outline', color: 'charts.yellow' },
  running: { id: 'sync~spin', color: 'charts.blue' },
  changed: { id: 'pass-filled', color: 'testing.iconPassed' },
  verifyFailed: VERIFY_FAILED_ICON,
  noChanges: { id: 'circle-large-outline', color: 'disabledForeground' },
  failed: { id: 'error', color: 'testing.iconFailed' },
  cancelled: { id: 'circle-slash', color: 'disabledForeground' },
};

/** `verify`: what the job's rows say about verification, once they have been read. */
export function jobIcon(job: Pick<Job, 'status'>, verify?: VerificationSummary): IconSpec {
  if (job.status === 'COMPLETED' && (verify?.failing ?? 0) > 0) return VERIFY_FAILED_ICON;
  return JOB_ICONS[job.status];
}

/** The pull request's state (or the review's) once there is one; until then the run's. */
export function repositoryIcon(repository: RepositoryResult): IconSpec {
  return reviewOrPullRequestIcon(repository) ?? STATE_ICONS[repositoryState(repository)];
}

export function stateIcon(state: RepositoryState): IconSpec {
  return STATE_ICONS[state];
}

/** `completed`, `completed · 2 failing verification`, `sampled`. */
export function jobStatusText(job: Job, verify?: VerificationSummary): string {
  const failing = verify?.failing ?? 0;
  return failing > 0 && isFinalOrSampled(job)
    ? `${statusWord(job.status)} · ${failing} failing verification`
    : statusWord(job.status);
}

function isFinalOrSampled(job: Pick<Job, 'status'>): boolean {
  return isFinalJobStatus(job.status) || job.status === 'SAMPLED';
}

/**
 * A job's description in the tree, what needs attention first, so a narrow sidebar cuts the cost,
 * not the failures: `3 failed · 1 failing verification · 40/40 done · $0.84`.
 */
export function jobTreeDescription(job: Job, verify?: VerificationSummary): string {
  const { counts } = job;
  const done = counts.completed + counts.noChanges + counts.failed + counts.cancelled;
  const failed = counts.failed - (verify?.failedRows ?? 0);
  const parts: string[] = [];
  if (failed > 0) parts.push(`${failed} failed`);
  if ((verify?.failing ?? 0) > 0) parts.push(`${verify!.failing} failing verification`);
  if (job.status === 'SAMPLED') parts.push(`${done}/${counts.total} sampled`, `${counts.pending} waiting`);
  else parts.push(`${done}/${counts.total} done`);
  if (counts.running > 0 && !isFinalJobStatus(job.status)) parts.push(`${counts.running} running`);
  if (counts.cancelled > 0) parts.push(`${counts.cancelled} cancelled`);
  parts.push(...jobReviewWords(job));
  if (job.usage.costUsd > 0 || job.prompt !== undefined) parts.push(formatCost(job.usage.costUsd));
  return parts.join(' · ');
}

/** `2 approved · 3 PRs open · 1 merged`: the job's reviews and pull requests, where there are any. */
export function jobReviewWords(job: Job): string[] {
  const words: string[] = [];
  if ((job.reviewCounts?.approved ?? 0) > 0) words.push(`${job.reviewCounts!.approved} approved`);
  const prs = job.pullRequestCounts;
  if (prs) {
    const open = prs.open + prs.draft;
    if (open > 0) words.push(`${open} ${open === 1 ? 'PR' : 'PRs'} open`);
    if (prs.checksFailing > 0) words.push(`${prs.checksFailing} with checks failing`);
    if (prs.merged > 0) words.push(`${prs.merged} merged`);
    if (prs.closed > 0) words.push(`${prs.closed} closed`);
  }
  return words;
}

/**
 * A repository's description in the tree: what its label does not say (the state and error code
 * are in the label), the state first: `checks passing · PR open · approved · +12 −3 · attempt 2 of 2`.
 */
export function repositoryTreeDescription(repository: RepositoryResult): string {
  // The state in words first: a narrow sidebar cuts the end, and "+1 −1 ·…" says nothing.
  // A follow-up round is the most telling of them: it comes first.
  const parts: string[] = [...roundWords(repository), ...stateFirstWords(repository)];
  const stats = diffStatsText(repository.diffStats);
  if (stats && (repository.status === 'COMPLETED' || repository.status === 'FAILED')) parts.push(stats);
  if (repository.attempt > 1) parts.push(`attempt ${repository.attempt} of ${repository.attempt}`);
  return parts.join(' · ');
}

/** A tooltip's untrusted text on one line, shortened. */
function oneLine(text: string, limit = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > limit ? `${flat.slice(0, limit - 1)}…` : flat;
}

function block(text: string, limit = 600): string {
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}

function when(iso: string | undefined): string | undefined {
  if (!iso) return undefined;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

// Tooltips are plain text, not markdown: names, prompts, models and error messages show as they
// are, with no escape backslashes, and cannot make a link or HTML.

export function jobTooltip(job: Job, verify?: VerificationSummary): string {
  const { counts, usage } = job;
  const lines = [`${job.name} — ${jobStatusText(job, verify)}`, ''];
  if (job.description) lines.push(block(job.description), '');
  const failing = verify?.failing ?? 0;
  lines.push(
    `Repositories: ${counts.total}`,
    `Changed: ${counts.completed}${failing > 0 ? ` (${failing} failing verification)` : ''}`,
    `No changes: ${counts.noChanges}`,
    `Failed: ${counts.failed}`,
    `Cancelled: ${counts.cancelled}`,
    `Running / pending: ${counts.running} / ${counts.pending}`,
    ...jobReviewTooltip(job),
    `Tokens in / out: ${formatCount(usage.inputTokens)} / ${formatCount(usage.outputTokens)}`,
    `Cost: ${formatCost(usage.costUsd)}`,
    '',
  );
  lines.push(job.prompt !== undefined ? 'Prompt:' : 'Command:', block(job.prompt ?? job.command ?? ''), '');
  const revised = job.taskRevisions?.at(-1);
  if (revised)
    lines.push(
      `${revised.prompt !== undefined ? 'Prompt' : 'Command'} as revised (revision ${revised.revision}):`,
      block(revised.prompt ?? revised.command ?? ''),
      '',
    );
  if (job.verifyCommand) lines.push(`Verify: ${oneLine(job.verifyCommand)}`, '');
  if (job.status === 'SAMPLED')
    lines.push(
      `A sample of ${job.sample?.size ?? '?'} has run; ${job.counts.pending} repositories wait for a continue.`,
      '',
    );
  const details = [
    `Model ${job.model}`,
    `created ${when(job.createdAt) ?? ''}`,
    job.finishedAt ? `finished ${when(job.finishedAt)}` : undefined,
    job.createPullRequests ? (job.draftPullRequests ? 'draft pull requests' : 'pull requests') : undefined,
  ].filter(Boolean);
  lines.push(details.join(' · '), job.jobId);
  return lines.join('\n');
}

function jobReviewTooltip(job: Job): string[] {
  const lines: string[] = [];
  const reviews = reviewTally(job);
  if (reviews.approved + reviews.rejected > 0)
    lines.push(
      `Reviewed: ${reviews.approved} approved, ${reviews.rejected} rejected, ` +
        `${reviews.unreviewed} ` +
        `unreviewed${reviews.notReviewable > 0 ? ` (${reviews.notReviewable} not reviewable)` : ''}`,
    );
  const prs = job.pullRequestCounts;
  if (prs && prs.open + prs.draft + prs.merged + prs.closed > 0)
    lines.push(
      `Pull requests: ${prs.open} open, ${prs.draft} draft, ${prs.merged} merged, ${prs.closed} closed`,
      `Checks: ${prs.checksPassing} passing, ${prs.checksFailing} failing, ${prs.checksPending} pending · ${prs.changesRequested} with changes requested`,
    );
  return lines;
}

export function repositoryTooltip(repository: RepositoryResult): string {
  const state = repositoryState(repository);
  const lines = [`${repository.repositoryName} — ${stateWord(state)}`, ''];
  if (repository.diffStats && (repository.status === 'COMPLETED' || repository.status === 'FAILED')) {
    lines.push(`${filesChangedText(repository.diffStats.files)}, ${diffStatsText(repository.diffStats)}`, '');
  }
  if (repository.error) lines.push(`${repository.error.code}: ${block(repository.error.message)}`, '');
  if (repository.summary) lines.push(block(repository.summary), '');
  if (repository.verification) {
    const verification = repository.verification;
    const rounds = `${verification.rounds} ${verification.rounds === 1 ? 'round' : 'rounds'}`;
    lines.push(
      `Verify ${oneLine(verification.command, 120)}: ${verification.passed ? 'passed' : 'FAILED'} after ${rounds}`,
      '',
    );
  }
  const reviewLines = reviewAndPullRequestTooltip(repository);
  if (reviewLines.length > 0) lines.push(...reviewLines, '');
  if (repository.pullRequestUrl) lines.push(`Pull request: ${repository.pullRequestUrl}`, '');
  const tokens = repository.usage.inputTokens + repository.usage.outputTokens;
  if (tokens > 0) lines.push(`${formatCount(tokens)} tokens · ${formatCost(repository.usage.costUsd)}`);
  if (repository.attempt > 1) lines.push(`Attempt ${repository.attempt} of ${repository.attempt}`);
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
  /** A SAMPLED job: Continue runs the rest. */
  continuable: 'continuable',
  /** Something failed (or failed verification): Run Again on Failed. */
  hasFailed: 'hasFailed',
  repository: 'repository',
  group: 'group',
  attempt: 'attempt',
  hasDiff: 'hasDiff',
  /** The kept change of a command job whose verification failed: to read, not to apply. */
  hasFailedDiff: 'hasFailedDiff',
  hasThread: 'hasThread',
  hasLog: 'hasLog',
  hasPullRequest: 'hasPullRequest',
  /** Completed repositories: Publish… may open pull requests for them. */
  publishable: 'publishable',
  /** Some approved ones have no pull request yet: Publish Approved…. */
  hasApproved: 'hasApproved',
  /** Pull requests to merge, close or comment on, and to refresh. */
  hasPullRequests: 'hasPullRequests',
  /** Final: Delete Job. */
  deletable: 'deletable',
  /** Final, with open pull requests (a job), or an open pull request (a repository): follow-up rounds. */
  followable: 'followable',
  /** The tree shows only some of its repositories: Clear Filter. */
  filtered: 'filtered',
  loadMore: 'loadMore',
} as const;

/**
 * Cancel where the status rules allow it (pending, running, or SAMPLED and waiting); continue on a
 * SAMPLED job; retry only once something failed or was cancelled and the job is final.
 */
export function jobContextValue(job: Job, verify?: VerificationSummary, filtered = false): string {
  const words: string[] = [CONTEXT.job];
  if (jobStatusesBefore('CANCELLING').includes(job.status)) {
    words.push(CONTEXT.cancellable);
  } else if (isFinalJobStatus(job.status) && job.counts.failed + job.counts.cancelled > 0) {
    words.push(CONTEXT.retryable);
  }
  if (job.status === 'SAMPLED') words.push(CONTEXT.continuable);
  if (isFinalOrSampled(job) && job.counts.failed + (verify?.failing ?? 0) > 0) words.push(CONTEXT.hasFailed);
  if (job.counts.completed > 0) words.push(CONTEXT.publishable);
  if ((job.reviewCounts?.approved ?? 0) > 0) words.push(CONTEXT.hasApproved);
  if (mayHavePullRequests(job)) words.push(CONTEXT.hasPullRequests);
  if (isFinalJobStatus(job.status)) words.push(CONTEXT.deletable);
  if (isFinalJobStatus(job.status) && mayHavePullRequests(job)) words.push(CONTEXT.followable);
  if (filtered) words.push(CONTEXT.filtered);
  return words.join(' ');
}

/** A command job's change whose verification failed, kept to be read (`?failed=1`). */

/** Diff, apply and download only with changes; the PR action only where one exists. */
export function repositoryContextValue(job: Job, repository: RepositoryResult): string {
  const words: string[] = [CONTEXT.repository];
  if (repository.status === 'COMPLETED') words.push(CONTEXT.hasDiff);
  if (hasKeptFailedDiff(repository)) words.push(CONTEXT.hasFailedDiff);
  if (job.prompt !== undefined && repository.status !== 'PENDING') words.push(CONTEXT.hasThread);
  if (repository.status !== 'PENDING') words.push(CONTEXT.hasLog);
  if (repository.pullRequestUrl) words.push(CONTEXT.hasPullRequest);
  if (isFinalJobStatus(job.status) && hasOpenPullRequest(repository)) words.push(CONTEXT.followable);
  if (RETRYABLE_REPOSITORY_STATUSES.includes(repository.status) && isFinalJobStatus(job.status))
    words.push(CONTEXT.retryable);
  return words.join(' ');
}

/** A group row ("Failed (3)", "CLONE_FAILED (2)"): retry runs its repositories again, once the job is final. */
export function groupContextValue(job: Job, repositories: readonly RepositoryResult[]): string {
  const words: string[] = [CONTEXT.group];
  if (
    isFinalJobStatus(job.status) &&
    repositories.length > 0 &&
    repositories.every((row) => RETRYABLE_REPOSITORY_STATUSES.includes(row.status))
  )
    words.push(CONTEXT.retryable);
  return words.join(' ');
}

/** An earlier attempt's row: what it left to read. */
export function attemptContextValue(job: Job, attempt: PreviousAttempt): string {
  const words: string[] = [CONTEXT.attempt];
  if (attempt.status === 'COMPLETED') words.push(CONTEXT.hasDiff);
  if (hasKeptFailedDiff(attempt)) words.push(CONTEXT.hasFailedDiff);
  if (job.prompt !== undefined) words.push(CONTEXT.hasThread);
  words.push(CONTEXT.hasLog);
  return words.join(' ');
}

export type OpenCommand = 'codyBatch.viewDiff' | 'codyBatch.viewThread' | 'codyBatch.viewLog';

/** What a click on a row runs: the diff when there are changes (kept ones too), else the thread, else the log. */
export function openCommandOf(contextValue: string): OpenCommand | undefined {
  if (hasWord(contextValue, CONTEXT.hasDiff) || hasWord(contextValue, CONTEXT.hasFailedDiff))
    return 'codyBatch.viewDiff';
  if (hasWord(contextValue, CONTEXT.hasThread)) return 'codyBatch.viewThread';
  if (hasWord(contextValue, CONTEXT.hasLog)) return 'codyBatch.viewLog';
  return undefined;
}

/** The command a click on a repository row runs. */
export function repositoryOpenCommand(job: Job, repository: RepositoryResult): OpenCommand | undefined {
  return openCommandOf(repositoryContextValue(job, repository));
}

export function hasWord(contextValue: string | undefined, word: string): boolean {
  return (contextValue ?? '').split(' ').includes(word);
}

/** What screen readers and `getByRole('treeitem', { name })` see: name, state, description. */
export function jobAccessibilityLabel(job: Job, verify?: VerificationSummary): string {
  // The description already counts failing verification; the status is the job's own.
  return `${job.name}, ${statusWord(job.status)}, ${jobTreeDescription(job, verify)}`;
}

export function repositoryAccessibilityLabel(repository: RepositoryResult, job?: Pick<Job, 'status'>): string {
  const description = repositoryTreeDescription(repository);
  return description ? `${repositoryLabel(repository, job)}, ${description}` : repositoryLabel(repository, job);
}

export function isActiveRepository(repository: RepositoryResult): boolean {
  return !isFinalRepositoryStatus(repository.status);
}

export interface FinishNotice {
  text: string;
  level: 'info' | 'warning';
  buttons: string[];
}

/**
 * What the notification says when a job stops: finished (a warning unless everything succeeded
 * and passed verification), or SAMPLED, offering to continue with the rest.
 */
export function finishNotice(entry: { job: Job; verification?: VerificationSummary }): FinishNotice {
  const { job, verification } = entry;
  const failing = verification?.failing ?? 0;
  const { counts } = job;
  if (job.status === 'SAMPLED') {
    const failed = counts.failed - (verification?.failedRows ?? 0);
    const outcome = [
      `${counts.completed} changed`,
      failing > 0 ? `${failing} failing verification` : undefined,
      counts.noChanges > 0 ? `${counts.noChanges} without changes` : undefined,
      failed > 0 ? `${failed} failed` : undefined,
    ].filter(Boolean);
    return {
      text:
        `Cody Batch: sample finished: ${counts.total - counts.pending} of ${counts.total} ` +
        `repositories of "${job.name}" (${outcome.join(', ')}). Continue with the other ` +
        `${counts.pending}?`,
      level: failed + failing > 0 ? 'warning' : 'info',
      buttons: ['Continue', 'Show Job'],
    };
  }
  const good = (job.status === 'COMPLETED' && failing === 0) || job.status === 'CANCELLED';
  return {
    text: `Cody Batch: "${job.name}" ${jobStatusText(job, verification)} (${jobTreeDescription(job, verification)})`,
    level: good ? 'info' : 'warning',
    buttons: ['Show Job'],
  };
}
