import { formatCost, formatCount } from './format';
import type { Job, RepositoryResult } from './schemas';
import { isFinalJobStatus, type JobStatus, type RepositoryStatus } from './status';

// Jobs and repositories as short text (`12/40 done · 3 failed · $0.84`, `completed · +12 −3`), the
// same in the extension's tree and the CLI's progress lines.

/** Words a person reads, for statuses in descriptions and screen readers. */
const STATUS_WORDS: Record<JobStatus | RepositoryStatus, string> = {
  PENDING: 'pending',
  RUNNING: 'running',
  SAMPLED: 'sampled',
  CANCELLING: 'cancelling',
  COMPLETED: 'completed',
  COMPLETED_WITH_ERRORS: 'completed with errors',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  NO_CHANGES: 'no changes',
};

export function statusWord(status: JobStatus | RepositoryStatus): string {
  return STATUS_WORDS[status];
}

/**
 * `12/40 done · 3 failed · $0.84`; "done" counts every repository that has finished, failed or not.
 * A SAMPLED job: `2/5 sampled · 3 waiting · 1 failed · $0.12`.
 */
export function jobDescription(job: Job): string {
  const { counts } = job;
  const done = counts.completed + counts.noChanges + counts.failed + counts.cancelled;
  const parts =
    job.status === 'SAMPLED'
      ? [`${done}/${counts.total} sampled`, `${counts.pending} waiting`]
      : [`${done}/${counts.total} done`];
  if (counts.running > 0 && !isFinalJobStatus(job.status)) parts.push(`${counts.running} running`);
  if (counts.failed > 0) parts.push(`${counts.failed} failed`);
  if (counts.cancelled > 0) parts.push(`${counts.cancelled} cancelled`);
  if (job.usage.costUsd > 0 || job.prompt !== undefined) parts.push(formatCost(job.usage.costUsd));
  return parts.join(' · ');
}

/**
 * A repository whose verification failed: a changed one whose `verifyCommand` still failed after
 * its rounds (a Claude job ends so, COMPLETED), or a command job's, which ends FAILED.
 */
export function verificationFailed(repository: Pick<RepositoryResult, 'status' | 'verification' | 'error'>): boolean {
  if (repository.status === 'FAILED') return repository.error?.code === 'VERIFY_FAILED';
  return (
    (repository.status === 'COMPLETED' || repository.status === 'NO_CHANGES') &&
    repository.verification?.passed === false
  );
}

/** `1 file changed`, `3 files changed`. */
export function filesChangedText(files: number): string {
  return `${formatCount(files)} ${files === 1 ? 'file' : 'files'} changed`;
}

/** `+12 −3`, the typographic minus as GitHub shows it. */
export function diffStatsText(stats: RepositoryResult['diffStats']): string | undefined {
  return stats ? `+${formatCount(stats.additions)} −${formatCount(stats.deletions)}` : undefined;
}

/** `completed · +12 −3`, `failed · CLONE_FAILED`, `running`. */
export function repositoryDescription(repository: RepositoryResult): string {
  const parts = [statusWord(repository.status)];
  const stats = diffStatsText(repository.diffStats);
  if (repository.status === 'COMPLETED' && stats) parts.push(stats);
  if (
    repository.error &&
    (repository.status === 'FAILED' || repository.status === 'CANCELLED') &&
    repository.error.code !== 'CANCELLED'
  )
    parts.push(repository.error.code);
  if (repository.attempt > 1) parts.push(`attempt ${repository.attempt}`);
  if (repository.pullRequestUrl) parts.push('PR');
  return parts.join(' · ');
}
