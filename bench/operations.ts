import os from 'node:os';
import path from 'node:path';
import type { BulkProgress } from '../common/client';
import type { Job } from '../common/schemas';
import { FolderArtifactStore } from '../backend/store/artifacts';
import { forEachLimited } from '../backend/store/parallel';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { codeHostFrom, pullRequestKey, pullRequestsOf } from '../backend/hosts';
import { startFakeGitHub, type FakeGitHub } from '../test/fakes/githubServer';
import { stackStore, startStackProcess, type StackProcess } from '../test/helpers/localStack';
import { completeAllAsWorkers } from '../test/helpers/pullRequests';

// `npm run bench -- operations [rows]`: bulk work out of the request on the local stack (workers
// paused), each figure beside a floor measured in the same run:
// - cancel and retry of a 10,000-row job (aim: answers in ≤ 2 s; the rows then move in the
//   background): the answer's time, and the operation's end, against the same row writes sent
//   straight from here (Store.cancelRows / retryRows) and against GET /jobs/{id};
// - a group review of 1,000 members (aim ≤ 5 s), against its conditional writes sent straight;
// - Merge Ready on 19 and on 1,000 pull requests against the loopback GitHub, at GitHub
//   Enterprise's pace (4 at once) and at GitHub.com's (one a second; 19 only): answer, end, the
//   longest gap between two progress reports (aim: every second), against the merges alone sent
//   through the same client at the same pace.
//
// Profile (main at e72f501): a cancel of 10,000 rows was one request of 18.4 s (its listAll, then
// 10,000 conditional writes 16 at a time, then the counters); a retry 19.6 s; API Gateway gives up at
// 29 s. Merge Ready on 19 (~49 s): every merge and every branch deletion went through Octokit's
// write limiter, one a second (GitHub.com's advice), as did each GraphQL query; a request stopped
// after 20 s and answered the rest `waiting`, and the client sent them again, statuses first.

const ROWS = Number(process.argv[3] ?? 10_000);
const PATCH = 'diff --git a/x.js b/x.js\n--- a/x.js\n+++ b/x.js\n@@ -1 +1 @@\n-old(1);\n+renewed(1);\n';
const TOKEN = 'ghp_FAKEgithubTOKENforTheOperationsBench0123';

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await run();
  return { ms: performance.now() - started, value };
}

export async function main(): Promise<void> {
  console.log(
    `bench operations: ${os.cpus().length} CPUs, load average ${os
      .loadavg()
      .map((value) => value.toFixed(1))
      .join(' ')}, ${process.version}`,
  );
  const github = await startFakeGitHub({ token: TOKEN });
  const env = (pace: { atOnce: number; intervalMs: number }) => ({
    CODY_BATCH_CONCURRENCY: '0',
    CODY_BATCH_GIT_BASE: 'https://git.example/{owner}/{name}.git',
    GITHUB_API_URL: github.url,
    GITHUB_TOKEN: TOKEN,
    CODY_BATCH_GITHUB_WRITES_AT_ONCE: String(pace.atOnce),
    CODY_BATCH_GITHUB_WRITE_INTERVAL_MS: String(pace.intervalMs),
  });
  let stack = await startStackProcess({ env: env({ atOnce: 4, intervalMs: 0 }), timeoutMs: 60_000 });
  try {
    // BENCH_ONLY=merges: the merges alone.
    if (process.env.BENCH_ONLY !== 'merges') {
      await rows(stack);
      await groupReview(stack);
    }
    await merges(stack, github, 'GitHub Enterprise pace (4 at once)', [19, 1_000], { atOnce: 4, intervalMs: 0 });
    await stack.dispose();
    stack = await startStackProcess({ env: env({ atOnce: 1, intervalMs: 1_000 }), timeoutMs: 60_000 });
    await merges(stack, github, 'GitHub.com pace (one a second)', [19], { atOnce: 1, intervalMs: 1_000 });
  } finally {
    await stack.dispose();
    await github.close();
  }
}

async function rows(stack: StackProcess): Promise<void> {
  const names = Array.from({ length: ROWS }, (_, i) => `acme/r${String(i).padStart(5, '0')}`);
  const store = stackStore(stack);
  const job = await stack.client.createJob({ name: 'operations', command: 'true', repositories: names });
  const floorJob = await stack.client.createJob({ name: 'floor', command: 'true', repositories: names });
  const get = await timed(() => stack.client.getJob(job.jobId));

  const cancelAnswer = await timed(() => stack.client.cancelJob(job.jobId));
  const cancelEnd = await timed(() => follow(stack, cancelAnswer.value));
  const floorCancel = await timed(() => store.cancelRows(floorJob.jobId, names));
  await store.settleCancel(floorJob.jobId, 0);

  const retryAnswer = await timed(() => stack.client.retryJob(job.jobId));
  const retryEnd = await timed(() => follow(stack, retryAnswer.value));
  const floorJobNow = (await store.jobs.get(floorJob.jobId))!;
  const floorRetry = await timed(() => store.retryRows(floorJobNow, names));

  console.log(`\nA job of ${ROWS.toLocaleString('en-US')} rows (aim: the answer in ≤ 2 s; the rest in the background)`);
  console.log(`  floor: GET /jobs/{id}                               ${seconds(get.ms)}`);
  for (const [what, answer, end, floor] of [
    ['cancel', cancelAnswer, cancelEnd, floorCancel],
    ['retry', retryAnswer, retryEnd, floorRetry],
  ] as const)
    console.log(
      `  ${what.padEnd(7)} answered in ${seconds(answer.ms)} (${answer.value.status}, operation ${answer.value.operation?.status}), ended ${seconds(answer.ms + end.ms)} after the request; floor: its row writes sent straight ${seconds(floor.ms)} (${((answer.ms + end.ms) / floor.ms).toFixed(2)}×)`,
    );
  await stack.client.cancelJob(job.jobId).then((again) => follow(stack, again));
}

async function groupReview(stack: StackProcess): Promise<void> {
  const members = 1_000;
  const names = Array.from({ length: members }, (_, i) => `acme/g${String(i).padStart(4, '0')}`);
  const store = stackStore(stack);
  const artifacts = new FolderArtifactStore(path.join(stack.home, 'artifacts'));
  const job = await completed(stack, store, artifacts, names, 'group');
  const floorJob = await completed(stack, store, artifacts, names, 'group floor');
  const { groups } = await stack.client.getChanges(job.jobId);
  const steps: number[] = [];
  const review = await timed(() =>
    stack.client.reviewChangeGroup(
      job.jobId,
      groups[0]!.fingerprint,
      {
        state: 'approved',
        members: groups[0]!.repositories.map((repositoryName) => ({
          repositoryName,
          digest: groups[0]!.digests![repositoryName]!,
        })),
      },
      { onProgress: () => steps.push(performance.now()) },
    ),
  );
  const rows = await store.repositories.listAll(floorJob.jobId);
  // As many at once as the operation writes them (16).
  const floor = await timed(() =>
    forEachLimited(rows, 16, (row) =>
      store.repositories.setReview(
        floorJob.jobId,
        row.repositoryName,
        { state: 'approved', attempt: 1, reviewedAt: new Date().toISOString() },
        { attempt: 1, statuses: ['COMPLETED'], patchRevision: 0 },
      ),
    ),
  );
  console.log(`\nGroup review of ${members.toLocaleString('en-US')} members (aim ≤ 5 s)`);
  console.log(
    `  approved in ${seconds(review.ms)} (${review.value.operation ? `an operation, ${steps.length} progress reports` : 'in the request'}); floor: ${members} conditional writes sent straight ${seconds(floor.ms)} (${(review.ms / floor.ms).toFixed(2)}×)`,
  );
}

async function merges(
  stack: StackProcess,
  github: FakeGitHub,
  label: string,
  counts: number[],
  pace: { atOnce: number; intervalMs: number },
): Promise<void> {
  console.log(
    `\nMerge Ready against the loopback GitHub, ${label} (aim: ≤ 5 s for 19, ≤ 60 s for 1,000, progress every second)`,
  );
  const store = stackStore(stack);
  const artifacts = new FolderArtifactStore(path.join(stack.home, 'artifacts'));
  for (const count of counts) {
    const job = await withPulls(stack, store, artifacts, github, count);
    const reports: number[] = [];
    const started = performance.now();
    let answered = 0;
    const results = await stack.client.pullRequestActionAll(
      job.jobId,
      'merge',
      { method: 'squash', deleteBranch: true, filter: { checks: ['passing', 'none'] } },
      {
        onProgress: (_step: BulkProgress) => {
          answered ||= performance.now() - started;
          reports.push(performance.now());
        },
      },
    );
    const total = performance.now() - started;
    const gaps = reports.slice(1).map((at, i) => at - reports[i]!);
    // The floor: the same merges (and branch deletions) sent straight through the same client, at the same pace.
    const floorJob = await withPulls(stack, store, artifacts, github, count);
    const host = pullRequestsOf(
      codeHostFrom({
        gitBase: 'https://git.example/{owner}/{name}.git',
        apiUrl: github.url,
        token: TOKEN,
        writesAtOnce: pace.atOnce,
        writeIntervalMs: pace.intervalMs,
      }),
    );
    const pulls = await store.repositories.listAll(floorJob.jobId);
    const statuses = await host.pullRequestStatuses(
      pulls.map((row) => ({ repositoryName: row.repositoryName, number: row.pullRequest!.number })),
    );
    const floor = await timed(async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: pace.atOnce }, async () => {
          while (next < pulls.length) {
            const row = pulls[next++]!;
            const ref = { repositoryName: row.repositoryName, number: row.pullRequest!.number };
            const status = statuses.get(pullRequestKey(ref));
            await host.mergePullRequest(ref, {
              method: 'squash',
              expectedHeadSha: status!.headSha,
              deleteBranch: true,
            });
          }
        }),
      );
    });
    const merged = results.filter((result) => result.outcome === 'done').length;
    const others = new Map<string, number>();
    for (const result of results)
      if (result.outcome !== 'done') {
        const key = `${result.outcome}: ${result.reason}`;
        others.set(key, (others.get(key) ?? 0) + 1);
      }
    if (others.size) console.log(`    not merged: ${[...others].map(([why, n]) => `${n} ${why}`).join('; ')}`);
    console.log(
      `  ${String(count).padStart(5)} pull requests: ${merged} merged in ${seconds(total)} (first report after ${seconds(answered)}, longest gap between reports ${seconds(Math.max(0, ...gaps))}); floor: the merges alone ${seconds(floor.ms)} (${(total / floor.ms).toFixed(2)}×)`,
    );
  }
}

async function follow(stack: StackProcess, job: Job): Promise<void> {
  if (job.operation?.status === 'running')
    await stack.client.followOperation(job.jobId, job.operation.operationId, { intervalMs: 200 });
}

/** A job whose every row is COMPLETED with the same change, as a worker records it. */
async function completed(
  stack: StackProcess,
  store: ReturnType<typeof stackStore>,
  artifacts: FolderArtifactStore,
  names: string[],
  name: string,
): Promise<Job> {
  const job = await stack.client.createJob({ name, command: 'true', repositories: names });
  return completeAllAsWorkers({ store, artifacts, home: stack.home }, job, PATCH);
}

/** A finished job whose every row has an open, mergeable pull request with passing checks. */
async function withPulls(
  stack: StackProcess,
  store: ReturnType<typeof stackStore>,
  artifacts: FolderArtifactStore,
  github: FakeGitHub,
  count: number,
): Promise<Job> {
  const names = Array.from(
    { length: count },
    (_, i) => `bench/p${Date.now().toString(36)}${String(i).padStart(4, '0')}`,
  );
  const job = await completed(stack, store, artifacts, names, `merge ${count}`);
  const rows = await store.repositories.listAll(job.jobId);
  await Promise.all(
    rows.map((row) => {
      const [owner, repo] = row.repositoryName.split('/') as [string, string];
      const pull = github.addPull({ owner, repo, head: `cody-batch/${job.jobId}` });
      pull.checkRuns = [{ name: 'ci', status: 'completed', conclusion: 'success' }];
      return store.doc.send(
        new UpdateCommand({
          TableName: store.tables.repositories,
          Key: { jobId: job.jobId, repositoryName: row.repositoryName },
          UpdateExpression: 'SET pullRequestUrl = :url, pullRequest = :info, publishedAttempt = :one',
          ExpressionAttributeValues: {
            ':url': pull.html_url,
            ':one': 1,
            ':info': {
              url: pull.html_url,
              number: pull.number,
              state: 'open',
              checks: 'passing',
              review: 'none',
              mergeable: true,
              updatedAt: new Date().toISOString(),
            },
          },
        }),
      );
    }),
  );
  return job;
}
