import type { Job, JobChanges, RepositoryResult } from '../../common/schemas';

// A job in mid-flight for the overview's tests: some changed, some failed, pull requests opened,
// one merged, with its burndown. Plain data, browser-safe (the Chromium test sends it as JSON).

const usage = { inputTokens: 120_000, outputTokens: 8_000, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 1.234 };
const none = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 };

export const OVERVIEW_JOB: Job = {
  jobId: 'job-overview',
  name: 'Adopt v2',
  description: '',
  prompt: 'Adopt v2',
  run: { id: 'overview', size: 8, digests: [] },
  createPullRequests: false,
  draftPullRequests: false,
  model: 'claude-sonnet-4-5',
  owner: 'local',
  status: 'COMPLETED_WITH_ERRORS',
  counts: { total: 7, pending: 0, running: 0, completed: 4, noChanges: 0, failed: 3, cancelled: 0 },
  usage,
  createdAt: '2026-12-04T09:00:00.000Z',
  updatedAt: '2026-12-04T12:00:00.000Z',
  reviewCounts: { approved: 3, rejected: 0, unreviewed: 1 },
  pullRequestCounts: {
    open: 2,
    draft: 0,
    merged: 1,
    closed: 0,
    checksPassing: 1,
    checksFailing: 1,
    checksPending: 0,
    approved: 0,
    changesRequested: 0,
  },
  burndown: [
    { at: '2026-12-04T10:00:00.000Z', open: 3, draft: 0, merged: 0, closed: 0 },
    { at: '2026-12-04T11:00:00.000Z', open: 2, draft: 0, merged: 1, closed: 0 },
  ],
};

const row = (repositoryName: string, overrides: Partial<RepositoryResult>): RepositoryResult => ({
  jobId: OVERVIEW_JOB.jobId,
  repositoryName,
  status: 'COMPLETED',
  attempt: 1,
  usage: none,
  ...overrides,
});

/** A pull request as the refresh records it; the job's `pullRequestCounts` count these. */
const pullRequest = (number: number, state: 'open' | 'merged', checks: 'passing' | 'failing' | 'none') => ({
  url: `https://github.com/acme/pull/${number}`,
  number,
  state,
  checks,
  review: 'none' as const,
  mergeable: true,
  updatedAt: '2026-12-04T11:00:00.000Z',
});

const approved = { state: 'approved' as const, attempt: 1, reviewedAt: '2026-12-04T10:00:00.000Z' };

export const OVERVIEW_ROWS: RepositoryResult[] = [
  row('acme/a', { pullRequest: pullRequest(1, 'open', 'passing'), review: approved }),
  row('acme/b', { pullRequest: pullRequest(2, 'open', 'failing'), review: approved }),
  row('acme/c', { pullRequest: pullRequest(3, 'merged', 'none'), review: approved }),
  row('acme/d', {}),
  row('acme/clone-1', { status: 'FAILED', error: { code: 'CLONE_FAILED', message: 'repository not found' } }),
  row('acme/clone-2', { status: 'FAILED', error: { code: 'CLONE_FAILED', message: 'repository not found' } }),
  row('acme/verify', {
    status: 'FAILED',
    error: { code: 'VERIFY_FAILED', message: 'npm test failed' },
    diffStats: { files: 1, additions: 1, deletions: 0 },
  }),
];

const fingerprint = (digit: string) => digit.repeat(64);

/** The job's change groups: two repositories with the same change, one variant, one outlier. */
export const OVERVIEW_CHANGES: JobChanges = {
  jobId: OVERVIEW_JOB.jobId,
  groups: [
    {
      fingerprint: fingerprint('a'),
      looseFingerprint: fingerprint('1'),
      repositories: ['acme/a', 'acme/b'],
      files: ['src/api.ts'],
      additions: 2,
      deletions: 2,
      representative: 'acme/a',
      reviewCounts: { approved: 1, rejected: 0, unreviewed: 1 },
      digests: { 'acme/a': fingerprint('d'), 'acme/b': fingerprint('e') },
    },
    {
      fingerprint: fingerprint('b'),
      looseFingerprint: fingerprint('1'),
      repositories: ['acme/c'],
      files: ['src/api.ts'],
      additions: 2,
      deletions: 2,
      representative: 'acme/c',
      reviewCounts: { approved: 1, rejected: 0, unreviewed: 0 },
      digests: { 'acme/c': fingerprint('f') },
      variantOf: fingerprint('a'),
    },
    {
      fingerprint: fingerprint('c'),
      looseFingerprint: fingerprint('2'),
      repositories: ['acme/d'],
      files: ['package-lock.json', 'src/api.ts'],
      additions: 900,
      deletions: 2,
      representative: 'acme/d',
      reviewCounts: { approved: 1, rejected: 0, unreviewed: 0 },
      digests: { 'acme/d': fingerprint('0') },
    },
  ],
  flagged: [
    {
      repositoryName: 'acme/d',
      fingerprint: fingerprint('c'),
      reasons: [
        { code: 'extra-files', message: 'touches package-lock.json, which the largest group does not' },
        { code: 'group-of-one', message: 'no other repository made this change' },
      ],
    },
  ],
  unreadable: [],
};
