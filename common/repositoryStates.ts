import type { Job, RepositoryResult } from './schemas';
import { verificationFailed } from './statusText';

// What state a repository is in as the user triages it, and the groups under a job: "Failed (3)"
// (split by error code), "Verify failed (1)", "Changed (30)", and so on, in that order, so what
// needs attention comes first. A failed verification is its own state, never a success. No vscode.

export const REPOSITORY_STATES = [
  'failed',
  'verifyFailed',
  'running',
  'pending',
  'changed',
  'noChanges',
  'cancelled',
] as const;
export type RepositoryState = (typeof REPOSITORY_STATES)[number];

/** The word in a row's label (so the tree's Find finds it), lower case. */
const STATE_WORDS: Record<RepositoryState, string> = {
  failed: 'failed',
  verifyFailed: 'verify failed',
  running: 'running',
  pending: 'pending',
  changed: 'changed',
  noChanges: 'no changes',
  cancelled: 'cancelled',
};

const GROUP_TITLES: Record<RepositoryState, string> = {
  failed: 'Failed',
  verifyFailed: 'Verify failed',
  running: 'Running',
  pending: 'Pending',
  changed: 'Changed',
  noChanges: 'No changes',
  cancelled: 'Cancelled',
};

export function repositoryState(repository: RepositoryResult): RepositoryState {
  if (verificationFailed(repository)) return 'verifyFailed';
  switch (repository.status) {
    case 'FAILED':
      return 'failed';
    case 'RUNNING':
      return 'running';
    case 'PENDING':
      return 'pending';
    case 'COMPLETED':
      return 'changed';
    case 'NO_CHANGES':
      return 'noChanges';
    case 'CANCELLED':
      return 'cancelled';
  }
}

/** `failed`, `verify failed`, `waiting` (a sampled job's rows that wait for a continue). */
export function stateWord(state: RepositoryState, job?: Pick<Job, 'status'>): string {
  if (state === 'pending' && job?.status === 'SAMPLED') return 'waiting';
  return STATE_WORDS[state];
}

/**
 * A row's label: its name, then its state and error code, so that the tree's Find (which matches
 * labels only) finds "failed", "verify failed" and "CLONE_FAILED", and a narrow sidebar cuts the
 * description, never the state.
 */
export function repositoryLabel(repository: RepositoryResult, job?: Pick<Job, 'status'>): string {
  const state = repositoryState(repository);
  const parts = [repository.repositoryName, stateWord(state, job)];
  const code = repository.error?.code;
  if (code && state === 'failed') parts.push(code);
  return parts.join(' · ');
}

export interface ErrorCodeGroup {
  code: string;
  repositories: RepositoryResult[];
}

export interface RepositoryGroup {
  state: RepositoryState;
  /** "Failed (3)", "Waiting (12)". */
  label: string;
  repositories: RepositoryResult[];
  /** Failed repositories by error code, most frequent first (only in the Failed group). */
  codes?: ErrorCodeGroup[];
}

export function groupTitle(state: RepositoryState, count: number, job?: Pick<Job, 'status'>): string {
  const title = state === 'pending' && job?.status === 'SAMPLED' ? 'Waiting' : GROUP_TITLES[state];
  return `${title} (${count})`;
}

/** The non-empty groups of a job's rows, what needs attention first; rows keep their order. */
export function groupRepositories(rows: readonly RepositoryResult[], job?: Pick<Job, 'status'>): RepositoryGroup[] {
  const byState = new Map<RepositoryState, RepositoryResult[]>();
  for (const row of rows) {
    const state = repositoryState(row);
    byState.set(state, [...(byState.get(state) ?? []), row]);
  }
  return REPOSITORY_STATES.filter((state) => byState.has(state)).map((state) => {
    const repositories = byState.get(state)!;
    const group: RepositoryGroup = { state, label: groupTitle(state, repositories.length, job), repositories };
    if (state === 'failed') group.codes = byErrorCode(repositories);
    return group;
  });
}

function byErrorCode(rows: readonly RepositoryResult[]): ErrorCodeGroup[] {
  const codes = new Map<string, RepositoryResult[]>();
  for (const row of rows) {
    const code = row.error?.code ?? 'UNKNOWN';
    codes.set(code, [...(codes.get(code) ?? []), row]);
  }
  return [...codes.entries()]
    .sort(([a, left], [b, right]) => right.length - left.length || a.localeCompare(b))
    .map(([code, repositories]) => ({ code, repositories }));
}

/** How many of a job's rows failed verification, and how many of those are FAILED (a command job's). */
export interface VerificationSummary {
  failing: number;
  failedRows: number;
}

export function verificationSummary(rows: readonly RepositoryResult[]): VerificationSummary {
  const failing = rows.filter(verificationFailed);
  return { failing: failing.length, failedRows: failing.filter((row) => row.status === 'FAILED').length };
}

/** The run status a state's rows are read by (`?status=`); a failed verification has none of its own. */
export const STATE_STATUS: Record<Exclude<RepositoryState, 'verifyFailed'>, RepositoryResult['status']> = {
  failed: 'FAILED',
  running: 'RUNNING',
  pending: 'PENDING',
  changed: 'COMPLETED',
  noChanges: 'NO_CHANGES',
  cancelled: 'CANCELLED',
};

const COUNT_KEYS: Record<Exclude<RepositoryState, 'verifyFailed'>, keyof Job['counts']> = {
  failed: 'failed',
  running: 'running',
  pending: 'pending',
  changed: 'completed',
  noChanges: 'noChanges',
  cancelled: 'cancelled',
};

/** A state group of a job too large to read whole: its count is the job item's, its rows are paged. */
export interface CountedGroup {
  state: Exclude<RepositoryState, 'verifyFailed'>;
  status: RepositoryResult['status'];
  /** "Failed (3)", "Waiting (12)". */
  label: string;
  count: number;
}

/**
 * The non-empty groups of a job from its item's counts by run status, in the grouped tree's order,
 * without reading a row. A failed verification is no run status: those rows sit in their status's
 * group (their labels say "verify failed").
 */
export function countedGroups(job: Pick<Job, 'status' | 'counts'>): CountedGroup[] {
  return REPOSITORY_STATES.filter((state) => state !== 'verifyFailed')
    .map((state) => {
      const count = job.counts[COUNT_KEYS[state]];
      return { state, status: STATE_STATUS[state], label: groupTitle(state, count, job), count };
    })
    .filter((group) => group.count > 0);
}
