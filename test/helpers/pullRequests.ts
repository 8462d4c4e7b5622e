import { createApp } from '../../backend/api/app';
import { bearerOwner } from '../../backend/api/middleware/auth';
import { IdleExecutor } from '../../backend/executor/executor';
import { codeHostFrom } from '../../backend/hosts';
import type { ArtifactStore } from '../../backend/store/artifacts';
import type { Store } from '../../backend/store/store';
import type { CodyBatchClient } from '../../common/client';
import { artifactKey } from '../../common/names';
import type { Job } from '../../common/schemas';
import type { FakeGitHub, FakePull } from '../fakes/githubServer';
import { testKeys, workerResult } from './keys';

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
    await store.claim(created.jobId, name, 1, '2000-01-01T00:00:00Z');
    const patch = 'diff --git a/x b/x\n';
    await artifacts.put(artifactKey(created.jobId, name, 'diff.patch'), patch, 'text/x-diff');
    await store.transitionRepository(created.jobId, name, {
      from: ['RUNNING'],
      to: 'COMPLETED',
      set: {
        finishedAt: new Date().toISOString(),
        ...workerResult(testKeys().workerSeal, { jobId: created.jobId, repositoryName: name, attempt: 1 }, patch),
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
      },
    });
  }
  return { job: await client.getJob(created.jobId), pulls: made };
}

/**
 * The API in process, as it runs for pull-request follow-up tests: idle workers, the test keys, the
 * loopback GitHub (with `token`), bearer auth with `apiToken`, and every rate limit handed to the
 * client (which shows the wait).
 */
export function pullRequestsApi(
  parts: { store: Store; artifacts: ArtifactStore; github: FakeGitHub },
  token: string,
  apiToken: string,
): ReturnType<typeof createApp> {
  return createApp(
    {
      store: parts.store,
      artifacts: parts.artifacts,
      executor: new IdleExecutor(),
      keys: testKeys(),
      codeHost: codeHostFrom({
        gitBase: 'https://github.example.com/{owner}/{name}.git',
        apiUrl: parts.github.url,
        token,
        maxRateLimitWaitSeconds: 0,
      }),
      version: 'test',
      retentionDays: 7,
      log: { error: () => undefined },
    },
    bearerOwner(apiToken),
  );
}
