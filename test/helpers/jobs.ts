import type { Job, RepositoryResult } from '../../common/schemas';
import { emptyUsage } from '../../common/schemas';

// Jobs and repository results in the API's shape, for tests of code that only reads them
// (tree presentation, notifications). Code that fetches them is tested against the real stack.

export function sampleJob(overrides: Partial<Job> = {}): Job {
  const total = overrides.repositories?.length ?? 3;
  return {
    jobId: 'job-0001',
    name: 'Update API calls',
    description: 'Replace oldFunction with newFunction',
    prompt: 'Replace every oldFunction(x) with newFunction(x, { version: 2 })',
    repositories: ['acme/widgets', 'acme/gadgets', 'acme/gizmos'].slice(0, total),
    run: ['acme/widgets', 'acme/gadgets', 'acme/gizmos'].slice(0, total),
    createPullRequests: false,
    draftPullRequests: false,
    model: 'claude-sonnet-4-5',
    owner: 'local',
    status: 'RUNNING',
    counts: { total, pending: total, running: 0, completed: 0, noChanges: 0, failed: 0, cancelled: 0 },
    usage: emptyUsage(),
    createdAt: '2026-01-01T10:00:00.000Z',
    updatedAt: '2026-01-01T10:00:00.000Z',
    ...overrides,
  };
}

export function sampleRepository(overrides: Partial<RepositoryResult> = {}): RepositoryResult {
  return {
    jobId: 'job-0001',
    repositoryName: 'acme/widgets',
    status: 'PENDING',
    attempt: 1,
    usage: emptyUsage(),
    ...overrides,
  };
}
