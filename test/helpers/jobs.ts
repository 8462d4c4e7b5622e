import { newJobId } from '../../common/ids';
import { DEFAULT_MODEL, emptyUsage, Job, type RepositoryResult } from '../../common/schemas';

/** A job as POST /jobs would create it, for tests that drive the store directly. */
export function sampleJob(overrides: Partial<Job> & { repositories?: string[] } = {}): Job {
  const repositories = overrides.repositories ?? ['acme/widgets', 'acme/gadgets'];
  const now = new Date().toISOString();
  return {
    jobId: newJobId(),
    name: 'Sample job',
    description: '',
    prompt: 'Replace oldFunction with newFunction',
    repositories,
    run: repositories,
    createPullRequests: false,
    draftPullRequests: false,
    model: DEFAULT_MODEL,
    owner: 'local',
    status: 'PENDING',
    counts: { total: repositories.length, pending: repositories.length, running: 0, completed: 0, noChanges: 0, failed: 0, cancelled: 0 },
    usage: emptyUsage(),
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

/** A repository result in the API's shape, for tests of code that only reads them (tree rows). */
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
