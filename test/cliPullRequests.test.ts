import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Store } from '../backend/store/store';
import type { CodyBatchClient } from '../common/client';
import type { FakePull } from './fakes/githubServer';
import { completeAsWorker, jobWithPulls } from './helpers/pullRequests';
import { runCli, useWorld } from './helpers/world';

// The CLI after the diff, as a user types it against a deployed API (--api-url, a token): status
// (text and --json), review, refresh, merge with its exit code for a partial result, delete, and
// watch --json. The API runs in this process on a real dynalite; GitHub is the loopback one.

const TOKEN = 'ghp_FAKEgithubTOKENforCliFollowUpTests01234';
const API_TOKEN = 'cli-api-token-0123456789';

describe('CLI: status, review, publish, refresh, merge, close, comment, delete', function () {
  this.timeout(120_000);
  const world = useWorld({ token: TOKEN, github: {}, api: { token: API_TOKEN, listen: true } });
  let store: Store;
  let client: CodyBatchClient;
  before(() => ({ store, client } = world.api));

  /** Runs `cody-batch <args> --api-url … --auth token`; never throws on a non-zero exit. */
  const cli = (...args: string[]) =>
    runCli([...args, '--api-url', world.api.url!, '--auth', 'token'], {
      env: { CODY_BATCH_TOKEN: API_TOKEN, HOME: world.hosting.work },
    });
  const seed = (pulls: Record<string, Partial<FakePull>>) =>
    jobWithPulls({ ...world.api, github: world.github }, pulls);

  it('status --status lists only the rows in those run statuses, and refuses a status that is none', async () => {
    const { job } = await seed({ 'acme/kept': {}, 'acme/broken': {}, 'acme/other': {} });
    for (const [to, from] of [
      ['PENDING', 'COMPLETED'],
      ['FAILED', 'PENDING'],
    ] as const)
      await store.transitionRepository(job.jobId, 'acme/broken', {
        from: [from],
        to,
        set: to === 'FAILED' ? { error: { code: 'COMMAND_FAILED', message: 'exit 1' } } : {},
      });
    const failed = await cli('status', job.jobId, '--status', 'failed', '--json');
    assert.equal(failed.code, 0, failed.stderr);
    assert.deepEqual(
      JSON.parse(failed.stdout).repositories.map((row: { repositoryName: string }) => row.repositoryName),
      ['acme/broken'],
    );
    const text = await cli('status', job.jobId, '--status', 'FAILED', '--status', 'COMPLETED');
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /acme\/broken\s+FAILED/);
    assert.match(text.stdout, /acme\/kept\s+COMPLETED/);
    const wrong = await cli('status', job.jobId, '--status', 'BROKEN');
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /--status BROKEN: one of PENDING, RUNNING/);
  });

  it('status --json lists every repository with its review, pull-request state and checks', async () => {
    const { job } = await seed({
      'acme/alpha': { checkRuns: [{ name: 'ci', status: 'completed', conclusion: 'success' }] },
      'acme/beta': { statuses: [{ context: 'ci', state: 'failure' }], reviews: [{ user: 'b', state: 'APPROVED' }] },
    });
    // An approval names the patch read: `diff` prints its digest, `review --digest` sends it back.
    const unread = await cli('review', job.jobId, 'acme/alpha', '--approve', '--json');
    assert.equal(unread.code, 2);
    assert.match(unread.stderr, /--approve needs --digest/);
    const read = await cli('diff', job.jobId, 'acme/alpha');
    assert.equal(read.code, 0, read.stderr);
    const digest = /Patch sha256 ([0-9a-f]{64})/.exec(read.stderr)?.[1];
    assert.equal(digest, createHash('sha256').update(read.stdout).digest('hex'));
    const stale = await cli('review', job.jobId, 'acme/alpha', '--approve', '--digest', 'f'.repeat(64));
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /not the one you were shown/);
    const reviewed = await cli(
      'review',
      job.jobId,
      'acme/alpha',
      '--approve',
      '--digest',
      digest!,
      '--note',
      'fine',
      '--json',
    );
    assert.equal(reviewed.code, 0, reviewed.stderr);
    assert.equal(JSON.parse(reviewed.stdout).review.state, 'approved');
    assert.equal(JSON.parse(reviewed.stdout).review.digest, digest);

    const { code, stdout, stderr } = await cli('status', job.jobId, '--refresh', '--json');
    assert.equal(code, 0, stderr);
    const status = JSON.parse(stdout);
    assert.equal(status.jobId, job.jobId);
    assert.deepEqual(
      status.repositories.map(
        (row: {
          repositoryName: string;
          review: string;
          pullRequest: { state: string; checks: string; review: string };
        }) => [row.repositoryName, row.review, row.pullRequest.state, row.pullRequest.checks, row.pullRequest.review],
      ),
      [
        ['acme/alpha', 'approved', 'open', 'passing', 'none'],
        ['acme/beta', 'unreviewed', 'open', 'failing', 'approved'],
      ],
    );
    assert.deepEqual(status.reviewCounts, { unreviewed: 1, approved: 1, rejected: 0 });
    assert.equal(status.pullRequestCounts.checksFailing, 1);

    const text = await cli('status', job.jobId);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /reviews: 1 approved, 0 rejected, 1 unreviewed · pull requests: 2 open/);
    assert.match(text.stdout, /acme\/alpha\s+COMPLETED\s+approved\s+open\s+passing\s+none\s+http/);
    assert.match(text.stdout, /acme\/beta\s+COMPLETED\s+unreviewed\s+open\s+failing\s+approved/);
  });

  it('publish --approved exits 0 when the only ones left out are rejected (they were not asked for)', async () => {
    const names = ['acme/kept', 'acme/refused'];
    const created = await client.createJob({ name: 'Review then publish', command: 'true', repositories: names });
    // As a worker leaves them: the diff sealed with its base and digest.
    for (const name of names) await completeAsWorker(world.api, created.jobId, name);
    const { digest } = await client.getDiff(created.jobId, 'acme/kept');
    await client.reviewRepository(created.jobId, 'acme/kept', { state: 'approved', digest });
    await client.reviewRepository(created.jobId, 'acme/refused', { state: 'rejected', note: 'not this one' });
    const published = await cli('publish', created.jobId, '--approved', '--json');
    assert.equal(published.code, 0, published.stderr);
    assert.deepEqual(
      JSON.parse(published.stdout)
        .results.map((result: { repositoryName: string; outcome: string }) => [result.repositoryName, result.outcome])
        .sort(),
      [
        ['acme/kept', 'queued'],
        ['acme/refused', 'skipped'],
      ],
    );
  });

  it('merge reports a partial result with exit code 3 and why for each repository; refresh and delete', async () => {
    const { job, pulls } = await seed({
      'acme/ready': { checkRuns: [{ name: 'ci', status: 'completed', conclusion: 'success' }] },
      'acme/conflicting': { mergeable: false },
    });
    const merged = await cli('merge', job.jobId, '--method', 'squash', '--json');
    assert.equal(merged.code, 3, merged.stderr);
    assert.deepEqual(
      JSON.parse(merged.stdout).results.map((result: { repositoryName: string; outcome: string }) => [
        result.repositoryName,
        result.outcome,
      ]),
      [
        ['acme/conflicting', 'skipped'],
        ['acme/ready', 'done'],
      ],
    );
    assert.deepEqual(
      pulls.map((pull) => pull.merged),
      [true, false],
    );
    const text = await cli('comment', job.jobId, '--state', 'open', '--body', 'Rebase, please.');
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /acme\/conflicting\s+done/);
    assert.deepEqual(
      pulls[1]!.comments.map((comment) => comment.body),
      ['Rebase, please.'],
    );

    const refreshed = await cli('refresh', job.jobId, '--json');
    assert.equal(refreshed.code, 0);
    assert.equal(JSON.parse(refreshed.stdout).pullRequestCounts.merged, 1);

    const bad = await cli('merge', job.jobId, '--state', 'sideways');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /filter\.state\[0\]/);

    const unconfirmed = await cli('delete', job.jobId);
    assert.equal(unconfirmed.code, 2);
    assert.match(unconfirmed.stderr, /add --yes/);
    const deleted = await cli('delete', job.jobId, '--yes', '--json');
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual(JSON.parse(deleted.stdout), { jobId: job.jobId, deleted: true });
    const gone = await cli('status', job.jobId);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /No job/);
  });

  it('watch --json prints one JSON object per line and event, ending with the exit code', async () => {
    const { job } = await seed({ 'acme/one': {}, 'acme/two': {} });
    const { code, stdout } = await cli('watch', job.jobId, '--json');
    assert.equal(code, 0);
    const events = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.deepEqual(
      events.map((event) => event.event),
      ['job', 'repository', 'repository', 'end'],
    );
    assert.deepEqual(
      events.slice(1, 3).map((event) => event.repository.repositoryName),
      ['acme/one', 'acme/two'],
    );
    assert.deepEqual([events[3].job.status, events[3].exitCode], ['COMPLETED', 0]);
  });
});
