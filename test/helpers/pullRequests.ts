import type { ArtifactStore } from '../../backend/store/artifacts';
import type { Store } from '../../backend/store/store';
import type { CodyBatchClient } from '../../common/client';
import { artifactKey } from '../../common/names';
import type { Job, RepositoryResult } from '../../common/schemas';
import { fingerprintRecord } from '../../common/fingerprint';
import type { FakeGitHub, FakePull } from '../fakes/githubServer';
import { stackKeys, testKeys, workerResult } from './keys';

/**
 * A finished job whose repositories each have a pull request on the loopback GitHub, as its workers
 * leave it: created through the API (workers idle; its keys are the test keys), then each row
 * claimed and completed through the store with what a worker records (its diff, sealed with its
 * base and digest; its pull request).
 */
export async function jobWithPulls(
  parts: { client: CodyBatchClient; store: Store; artifacts: ArtifactStore; github: FakeGitHub },
  pulls: Record<string, Partial<FakePull>>,
): Promise<{ job: Job; pulls: FakePull[] }> {
  const { client, store, artifacts, github } = parts;
  const names = Object.keys(pulls);
  const created = await client.createJob({ name: 'Follow', command: 'true', repositories: names });
  const made: FakePull[] = [];
  for (const name of names) {
    const [owner, repo] = name.split('/') as [string, string];
    const pull = github.addPull({ owner, repo, head: `cody-batch/${created.jobId}`, ...pulls[name] });
    made.push(pull);
    await completeAsWorker({ store, artifacts }, created.jobId, name, {
      pullRequestUrl: pull.html_url,
      publishedAttempt: 1,
      pullRequest: {
        url: pull.html_url,
        number: pull.number,
        state: 'open',
        checks: 'none',
        review: 'none',
        mergeable: null,
        updatedAt: '2000-01-01T00:00:00.000Z',
      },
    });
  }
  return { job: await client.getJob(created.jobId), pulls: made };
}

/**
 * A row of a job as its worker leaves it: claimed, its diff stored and sealed with its base and
 * digest (the test keys), COMPLETED, with `set` besides.
 */
export async function completeAsWorker(
  parts: { store: Store; artifacts: ArtifactStore },
  jobId: string,
  name: string,
  set: Partial<RepositoryResult> = {},
): Promise<void> {
  const patch = 'diff --git a/x b/x\n';
  await parts.store.claim(jobId, name, 1, '2000-01-01T00:00:00Z');
  await parts.artifacts.put(artifactKey(jobId, name, 'diff.patch'), patch, 'text/x-diff');
  await parts.store.transitionRepository(jobId, name, {
    from: ['RUNNING'],
    to: 'COMPLETED',
    set: {
      finishedAt: new Date().toISOString(),
      ...workerResult(testKeys().workerSeal, { jobId, repositoryName: name, attempt: 1 }, patch),
      ...set,
    },
  });
}

/**
 * Every row of a job on the local stack COMPLETED with the same change `patch`, as its workers
 * record it: the diff stored, its fingerprint, digest and the stack's worker seal (an approval
 * checks both). The job, finished.
 */
export async function completeAllAsWorkers(
  /** The stack's `home` (its keys), or none: the API in this process, with the test keys. */
  parts: { store: Store; artifacts: ArtifactStore; home?: string },
  job: Job,
  patch: string,
): Promise<Job> {
  const { store, artifacts } = parts;
  const fingerprint = fingerprintRecord(patch, 1, 0);
  const seal = (parts.home ? await stackKeys(parts.home) : testKeys()).workerSeal;
  const rows: RepositoryResult[] = (await store.repositories.listAll(job.jobId)).map((row) => ({
    ...row,
    status: 'COMPLETED',
    finishedAt: new Date().toISOString(),
    diffStats: { files: 1, additions: 1, deletions: 1 },
    fingerprint,
    ...workerResult(seal, row, patch),
  }));
  for (const row of rows)
    await artifacts.put(artifactKey(job.jobId, row.repositoryName, 'diff.patch'), patch, 'text/x-diff');
  await store.repositories.putAll(rows);
  await store.jobs.setCounts(job.jobId, { ...job.counts, pending: 0, completed: rows.length });
  return (await store.finalizeIfDone((await store.jobs.get(job.jobId))!))!;
}
