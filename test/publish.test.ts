import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ApiError } from '../common/client';
import { branchName } from '../common/names';
import type { RepositoryResult } from '../common/schemas';
import { CREDENTIAL_KINDS, githubCredentials } from './helpers/githubCredentials';
import { waitForJob } from './helpers/jobs';
import { bareGit, pushedDiff } from './helpers/git';
import { publicationOf } from './helpers/custody';
import { useWorld } from './helpers/world';
import { followPublication } from '../common/publication';

// Review, then publish, on the real local stack: its workers run the change, a person approves
// and rejects diffs, and a publish run (the worker in publish mode, started by the local executor,
// which checks the job's signature) pushes over git's smart HTTP protocol and opens the pull request
// through Octokit against the loopback GitHub. What was pushed is compared with what was reviewed,
// byte for byte: binary files, a rename, a mode change, a symbolic link, a deletion and a file
// without a final newline, on a base the branch has moved past since. Once with a personal token and
// once as a GitHub App, whose installation token for the publish lapses between the clone and the
// push: the push and the pull request go with a new one, and no request carries the personal token.

const GITHUB_TOKEN = 'ghp_FAKEgithubTOKENforPublishTests012345678';

/** 3 KB of every byte value, NULs included: git treats it as binary. */
const BINARY = Buffer.from(Array.from({ length: 3_072 }, (_, index) => (index * 37) % 256));
const PROSE = Array.from({ length: 40 }, (_, index) => `Line ${index + 1} of a document that moves.`).join('\n');

const FILES = {
  'src/main.js': 'const a = oldFunction(1);\n',
  'assets/logo.bin': BINARY,
  'docs/old-name.md': `${PROSE}\n`,
  'scripts/run.sh': '#!/bin/sh\necho hi\n',
  'obsolete.txt': 'remove me\n',
};

const CHANGE = [
  'set -e',
  "sed -i 's/oldFunction(/newFunction(/g' src/main.js",
  // A binary file changed (a delta) and one added (a literal).
  "printf '\\000\\001binary\\377\\376' >> assets/logo.bin",
  "printf '\\211PNG\\015\\012\\032\\012\\000\\000\\000' > assets/new.bin",
  'mv docs/old-name.md docs/new-name.md && echo "One more line." >> docs/new-name.md',
  'chmod +x scripts/run.sh',
  'rm obsolete.txt',
  "printf 'no newline at the end' > notes.txt",
  'ln -s src/main.js link-to-main',
].join('\n');

for (const kind of CREDENTIAL_KINDS) {
  const credentials = githubCredentials(kind, GITHUB_TOKEN);
  describe(`review and publish (${credentials.label})`, function () {
    this.timeout(180_000);
    const world = useWorld({
      token: GITHUB_TOKEN,
      credentials,
      repositories: {
        'acme/alpha': FILES,
        'acme/beta': FILES,
        // No src/main.js: the change's sed fails here.
        'acme/gamma': { 'README.md': '# gamma\n' },
      },
      github: {},
      stack: { concurrency: 3 },
    });

    const row = (jobId: string, name: string) => world.stack.client.getRepository(jobId, name);
    const published = (jobId: string, name: string) => publicationOf(world.stack.client, jobId, name);

    it('publishes exactly the reviewed diff of the approved repositories, once', async () => {
      const { stack, hosting, github, gitServer } = world;
      const created = await stack.client.createJob({
        name: 'Move to newFunction',
        command: CHANGE,
        repositories: ['acme/alpha', 'acme/beta', 'acme/gamma'],
        pullRequest: { title: 'Publish {{repository}}', labels: ['batch'] },
      });
      const job = await waitForJob(stack.client, created.jobId);
      assert.equal(job.status, 'COMPLETED_WITH_ERRORS');
      assert.deepEqual(job.reviewCounts, { unreviewed: 3, approved: 0, rejected: 0 });
      assert.equal(github.created(), 0, 'nothing is opened before a publish');
      const alpha = await row(job.jobId, 'acme/alpha');
      const { bare } = hosting.repository('acme/alpha');
      const main = (await bareGit(bare, 'rev-parse', 'main')).toString().trim();
      assert.deepEqual(alpha.base, { branch: 'main', commit: main });

      await assert.rejects(
        stack.client.reviewRepository(job.jobId, 'acme/gamma', { state: 'approved', digest: 'f'.repeat(64) }),
        (error: ApiError) => error.status === 409 && error.code === 'NOT_REVIEWABLE' && /FAILED/.test(error.message),
      );
      // Approved with the digest of the patch the reviewer read: the approval records it.
      const read = await stack.client.getDiff(job.jobId, 'acme/alpha');
      const approved = await stack.client.reviewRepository(job.jobId, 'acme/alpha', {
        state: 'approved',
        note: 'Looks right',
        attempt: 1,
        digest: read.digest,
      });
      assert.deepEqual([approved.review?.state, approved.review?.note], ['approved', 'Looks right']);
      assert.equal(approved.review?.digest, read.digest);
      assert.equal(approved.review?.baseCommit, main);
      await stack.client.reviewRepository(job.jobId, 'acme/beta', { state: 'rejected' });
      await stack.client.reviewRepository(job.jobId, 'acme/gamma', { state: 'rejected' });
      assert.deepEqual((await stack.client.getJob(job.jobId)).reviewCounts, {
        unreviewed: 0,
        approved: 1,
        rejected: 2,
      });

      // Upstream moves on after the review: the branch is still the reviewed diff on its own base.
      await hosting.repository('acme/alpha').pushChange(async (checkout) => {
        await writeFile(path.join(checkout, 'upstream.txt'), 'landed meanwhile\n');
      });

      // As an App, the publish worker's first token lives 30 s: inside the refresh margin, so it is
      // asked again before the push, as a token that lapsed during a long run would be.
      github.app?.nextLifetimes(30);
      const issuedBefore = github.app?.issued.length ?? 0;
      const answer = await stack.client.publish(job.jobId, { approved: true });
      assert.deepEqual(
        answer.results.map(({ repositoryName, outcome }) => [repositoryName, outcome]),
        [
          ['acme/beta', 'skipped'],
          ['acme/alpha', 'queued'],
        ],
      );
      assert.match(answer.results[0]!.reason!, /rejected, not approved/);
      // What `publish --wait` and VS Code's Publish… follow: each queued one until published (or failed).
      const followed = await followPublication(stack.client, job.jobId, answer.results, { intervalMs: 100 });
      assert.deepEqual(
        followed.map(({ repositoryName, outcome, pullRequest }) => [repositoryName, outcome, pullRequest?.state]),
        [
          ['acme/beta', 'skipped', undefined],
          ['acme/alpha', 'done', 'open'],
        ],
      );
      const after = await published(job.jobId, 'acme/alpha');
      assert.equal(after.publication?.status, 'published', JSON.stringify(after.publication?.error));
      assert.equal(after.status, 'COMPLETED');
      assert.equal(after.review?.state, 'approved', 'a publish keeps the review');
      assert.equal(github.created(), 1);
      const pull = github.pulls[0]!;
      assert.deepEqual(
        [pull.repo, pull.title, pull.labels, pull.head],
        ['alpha', 'Publish acme/alpha', ['batch'], branchName(job.jobId)],
      );
      assert.equal(after.pullRequestUrl, pull.html_url);
      assert.deepEqual(
        [after.pullRequest?.number, after.pullRequest?.state, after.publishedAttempt],
        [pull.number, 'open', 1],
      );

      // What was pushed is what was reviewed: the branch is the recorded base plus the stored patch.
      const branch = branchName(job.jobId);
      assert.equal((await bareGit(bare, 'rev-parse', `${branch}^`)).toString().trim(), main);
      assert.notEqual((await bareGit(bare, 'rev-parse', 'main')).toString().trim(), main, 'upstream moved');
      const pushed = await pushedDiff(bare, main, branch);
      const reviewed = Buffer.from((await stack.client.getDiff(job.jobId, 'acme/alpha')).patch!, 'utf8');
      assert.ok(reviewed.includes('GIT binary patch'), 'the diff holds binary patches');
      assert.ok(reviewed.includes('rename from docs/old-name.md'), 'the diff holds a rename');
      assert.ok(reviewed.includes('old mode 100644\nnew mode 100755'), 'the diff holds a mode change');
      assert.ok(reviewed.includes('new file mode 120000'), 'the diff holds a symbolic link');
      assert.ok(reviewed.includes('\\ No newline at end of file'));
      assert.equal(pushed.toString('latin1'), reviewed.toString('latin1'));
      assert.equal(Buffer.compare(pushed, reviewed), 0, 'one byte differs');
      credentials.assertAuthenticated(github, gitServer);
      if (github.app) {
        const [lapsing, fresh] = github.app.issued.slice(issuedBefore);
        assert.ok(lapsing && fresh, 'a token for the clone, and another for the push');
        const alphaRequests = gitServer.requests.filter((request) => request.path.startsWith('/acme/alpha.git/'));
        const push = alphaRequests.filter((request) => request.path.includes('git-receive-pack'));
        const clone = alphaRequests.filter((request) => request.token === lapsing.token);
        assert.ok(clone.length > 0 && clone.every((request) => !request.path.includes('receive-pack')));
        assert.ok(push.length > 0 && push.every((request) => request.token === fresh.token));
        assert.ok(
          github.requests.some(
            (request) => request.method === 'POST' && request.authorization === `token ${fresh.token}`,
          ),
          'the pull request was opened with the new token',
        );
        assert.deepEqual([lapsing.repositories, fresh.repositories], [['alpha'], ['alpha']]);
      }
      assert.equal(
        (await bareGit(bare, 'log', '-1', '--format=%an <%ae>', branch)).toString().trim(),
        'Cody Batch <cody-batch@users.noreply.github.com>',
      );

      // Publishing again opens nothing new: the repository has its pull request.
      await assert.rejects(stack.client.publish(job.jobId, { approved: true }), (error: ApiError) => {
        assert.equal(error.code, 'NOTHING_TO_PUBLISH');
        assert.match(error.message, /acme\/alpha already has its pull request/);
        return true;
      });
      await assert.rejects(stack.client.publish(job.jobId, { repositories: ['acme/alpha'] }), /already has its pull/);
      assert.equal(github.created(), 1);
    });

    it('a new attempt takes the review back; the job counts it', async () => {
      const { stack } = world;
      const created = await stack.client.createJob({
        name: 'Fail on gamma',
        command: "sed -i 's/oldFunction(/newFunction(/g' src/main.js",
        repositories: ['acme/gamma', 'acme/beta'],
      });
      const job = await waitForJob(stack.client, created.jobId);
      await stack.client.reviewRepository(job.jobId, 'acme/gamma', { state: 'rejected', note: 'no main.js' });
      await stack.client.reviewRepository(job.jobId, 'acme/beta', {
        state: 'approved',
        digest: (await stack.client.getDiff(job.jobId, 'acme/beta')).digest,
      });
      assert.deepEqual((await stack.client.getJob(job.jobId)).reviewCounts, {
        unreviewed: 0,
        approved: 1,
        rejected: 1,
      });
      // A review of an attempt the row has left is refused.
      await stack.client.retryJob(job.jobId, ['acme/gamma']);
      const retried = await waitForJob(stack.client, job.jobId);
      const gamma: RepositoryResult = await row(job.jobId, 'acme/gamma');
      assert.equal(gamma.attempt, 2);
      assert.equal(gamma.review, undefined, 'the new attempt is unreviewed');
      assert.deepEqual(retried.reviewCounts, { unreviewed: 1, approved: 1, rejected: 0 });
      await assert.rejects(
        stack.client.reviewRepository(job.jobId, 'acme/gamma', { state: 'rejected', attempt: 1 }),
        (error: ApiError) => error.code === 'NOT_REVIEWABLE' && /attempt 2 now/.test(error.message),
      );
    });
  });
}
