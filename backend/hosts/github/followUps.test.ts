import assert from 'node:assert/strict';
import { useGitHubHost } from '../../../test/helpers/githubHost';
import { HostRefusal, pullRequestKey } from '..';
import { tailOf } from '../logTail';

// What follow-ups read and do on GitHub, through the real Octokit against the loopback GitHub:
// failing checks (a job log behind its redirect; none for another app's check), a comment by its
// address, auto-merge as GitHub refuses or takes it, and when others last spoke.

const TOKEN = 'ghp_FAKEgithubTOKENforFollowUpHostTests0123';

describe('GitHub code host: follow-ups', function () {
  this.timeout(60_000);
  const fake = useGitHubHost({ token: TOKEN, autoMergeDisallowed: ['acme/locked'] }, { each: true });
  const ref = (pull: { owner: string; repo: string; number: number }) => ({
    repositoryName: `${pull.owner}/${pull.repo}`,
    number: pull.number,
  });

  it('reads failing checks: an Actions job’s log tail, another app’s output without a log, a status’s description', async () => {
    const pull = fake.github.addPull({ owner: 'acme', repo: 'alpha', head: 'b' });
    pull.checkRuns = [
      { name: 'passing', status: 'completed', conclusion: 'success' },
      { name: 'tests', status: 'completed', conclusion: 'failure', log: 'line 1\nline 2\nFAIL a.test.js\n' },
      {
        name: 'external',
        status: 'completed',
        conclusion: 'timed_out',
        app: 'circleci',
        output: { title: 'Timed out', summary: 'The job ran out of time.' },
      },
    ];
    pull.statuses = [{ context: 'deploy', state: 'error', description: 'Preview failed', target_url: 'https://ci/1' }];
    const checks = await fake.pulls.failingChecks(ref(pull), pull.headSha);
    assert.deepEqual(
      checks.map(({ kind, name, conclusion, logTail, logNote, summary }) => ({
        kind,
        name,
        conclusion,
        logTail,
        logNote,
        summary,
      })),
      [
        {
          kind: 'check',
          name: 'tests',
          conclusion: 'failure',
          logTail: 'line 1\nline 2\nFAIL a.test.js',
          logNote: undefined,
          summary: undefined,
        },
        {
          kind: 'check',
          name: 'external',
          conclusion: 'timed_out',
          logTail: undefined,
          logNote: 'not a GitHub Actions job: GitHub keeps no log of it',
          summary: 'The job ran out of time.',
        },
        {
          kind: 'status',
          name: 'deploy',
          conclusion: 'error',
          logTail: undefined,
          logNote: undefined,
          summary: 'Preview failed',
        },
      ],
    );
    // The log came from its short-lived address on another host, which never saw the token.
    assert.equal(fake.github.blobRequests.length, 1);
    assert.equal(fake.github.blobRequests[0]!.authorization, undefined);
  });

  it('keeps a log’s last 200 lines or 20,000 characters, without timestamps or terminal escapes', () => {
    const log = Array.from({ length: 500 }, (_, i) => `2026-01-01T00:00:00.1234567Z \u001b[32mline ${i}\u001b[0m`).join(
      '\n',
    );
    const tail = tailOf(`${log}\n`);
    assert.equal(tail.split('\n').length, 200);
    assert.equal(tail.split('\n')[0], 'line 300');
    assert.ok(!tail.includes('\u001b') && !tail.includes('2026-'));
    assert.equal(tailOf('x'.repeat(30_000)).length, 20_000);
  });

  it('reads a comment by its address, and refuses what is not one', async () => {
    const pull = fake.github.addPull({ owner: 'acme', repo: 'alpha', head: 'b' });
    pull.comments.push({ id: 7, user: 'carol', body: 'Please add a changelog line.' });
    pull.reviewComments.push({ id: 8, user: 'dave', body: 'Rename this.', path: 'a.js', line: 2 });
    const conversation = await fake.pulls.pullRequestComment(`${pull.html_url}#issuecomment-7`);
    assert.deepEqual(
      { ...conversation, ref: pullRequestKey(conversation.ref) },
      {
        ref: 'acme/alpha#1',
        author: 'carol',
        body: 'Please add a changelog line.',
        url: `${pull.html_url}#issuecomment-7`,
      },
    );
    assert.equal((await fake.pulls.pullRequestComment(`${pull.html_url}#discussion_r8`)).author, 'dave');
    await assert.rejects(fake.pulls.pullRequestComment('https://example.com/not/a/comment'), HostRefusal);
    await assert.rejects(fake.pulls.pullRequestComment(`${pull.html_url}#issuecomment-99`), HostRefusal);
  });

  it('turns auto-merge on while checks run, says when nothing is left to wait for, and relays GitHub’s refusal', async () => {
    const waiting = fake.github.addPull({ owner: 'acme', repo: 'alpha', head: 'b' });
    waiting.checkRuns = [{ name: 'ci', status: 'in_progress' }];
    const enabled = await fake.pulls.enableAutoMerge(ref(waiting), {
      method: 'squash',
      expectedHeadSha: waiting.headSha,
    });
    assert.ok('enabled' in enabled && enabled.enabled.method === 'squash');
    assert.equal(waiting.autoMerge?.mergeMethod, 'SQUASH');
    const statuses = await fake.pulls.pullRequestStatuses([ref(waiting)]);
    assert.equal(statuses.get('acme/alpha#1')?.autoMerge?.method, 'squash');

    const clean = fake.github.addPull({ owner: 'acme', repo: 'beta', head: 'b' });
    const nothing = await fake.pulls.enableAutoMerge(ref(clean), { method: 'merge', expectedHeadSha: clean.headSha });
    assert.ok('nothingToWaitFor' in nothing && /is in clean status/.test(nothing.nothingToWaitFor));

    const moved = fake.github.addPull({ owner: 'acme', repo: 'gamma', head: 'b' });
    moved.checkRuns = [{ name: 'ci', status: 'in_progress' }];
    await assert.rejects(
      fake.pulls.enableAutoMerge(ref(moved), { method: 'merge', expectedHeadSha: 'f'.repeat(40) }),
      (error: Error) => error instanceof HostRefusal && /head has changed/.test(error.message),
    );
    const locked = fake.github.addPull({ owner: 'acme', repo: 'locked', head: 'b' });
    locked.checkRuns = [{ name: 'ci', status: 'in_progress' }];
    await assert.rejects(
      fake.pulls.enableAutoMerge(ref(locked), { method: 'merge', expectedHeadSha: locked.headSha }),
      (error: Error) => error instanceof HostRefusal && /Auto merge is not allowed/.test(error.message),
    );
  });

  it('says when someone other than Cody Batch last spoke, and reads what they said since a time', async () => {
    const pull = fake.github.addPull({ owner: 'acme', repo: 'alpha', head: 'b' });
    pull.comments.push({ user: 'cody-batch-bot', body: 'Ours.', createdAt: '2026-01-03T00:00:00Z' });
    pull.reviews.push({ user: 'erin', state: 'COMMENTED', body: 'Looks odd.', submittedAt: '2026-01-02T00:00:00Z' });
    pull.reviews.push({ user: 'frank', state: 'APPROVED', body: '', submittedAt: '2026-01-01T12:00:00Z' });
    pull.reviewComments.push({ user: 'gina', body: 'Here.', path: 'a.js', line: 1, createdAt: '2026-01-01T00:00:00Z' });
    const status = (await fake.pulls.pullRequestStatuses([ref(pull)])).get('acme/alpha#1');
    assert.equal(status?.feedbackAt, '2026-01-02T00:00:00Z', 'our own comment is not feedback');
    const all = await fake.pulls.reviewFeedback(ref(pull));
    assert.deepEqual(
      all.map((item) => [item.kind, item.author]),
      [
        ['review-comment', 'gina'],
        ['review', 'erin'],
      ],
      'oldest first; an empty approval says nothing; our own left out',
    );
    assert.deepEqual(
      (await fake.pulls.reviewFeedback(ref(pull), '2026-01-01T06:00:00Z')).map((item) => item.author),
      ['erin'],
    );
  });
});
