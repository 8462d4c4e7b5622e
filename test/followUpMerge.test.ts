import assert from 'node:assert/strict';
import { branchName } from '../common/names';
import { followPublication } from '../common/publication';
import { edit, reply } from './fakes/anthropicServer';
import {
  bare,
  FOLLOW_UP_FILES,
  type FollowUpWorld,
  firstMessageText,
  scripted,
  useFollowUpWorld,
} from './helpers/followUps';
import { repositoriesHolding } from './helpers/git';
import { waitForJob } from './helpers/jobs';

// Follow-ups that reach further, on the local stack with the loopback GitHub and Claude: a base
// that moved and conflicts is merged in (Claude resolving the markers; a command job's command run
// again on the merged tree), one reviewer's comment is promoted to every pull request of a change
// group, the host's auto-merge is turned on (or the pull request merged now when nothing is left
// to wait for), and `@codeowners` asks the owners of the changed files for review.

const CODEOWNERS = [
  '# Owners',
  '*        @fallback-owner',
  '*.js     @alice @acme/js-team @other-org/ops',
  '/docs/   @docs-writer',
  '',
].join('\n');

describe('follow-ups: conflicts, instructions, auto-merge and code owners', function () {
  this.timeout(240_000);
  const repositories = repositoriesHolding(
    [
      'acme/delta',
      'acme/epsilon',
      'acme/g1',
      'acme/g2',
      'acme/ready',
      'acme/waiting',
      'acme/draft',
      'acme/published',
      'acme/held',
    ],
    FOLLOW_UP_FILES,
  );
  repositories['acme/g3'] = { ...FOLLOW_UP_FILES, 'src/main.js': 'const b = oldFunction(2);\n' };
  repositories['acme/owned'] = { ...FOLLOW_UP_FILES, '.github/CODEOWNERS': CODEOWNERS };
  repositories['acme/unowned'] = { ...FOLLOW_UP_FILES, CODEOWNERS: 'docs/* @docs-writer\n' };
  const world = useFollowUpWorld({
    repositories,
    concurrency: 3,
    github: {
      // A check starts on every pull request as it opens (its CI), so auto-merge has something to wait for.
      afterCreate: async (pull) => {
        if (pull.repo === 'published') pull.checkRuns.push({ name: 'ci', status: 'in_progress' });
      },
    },
    script: scripted((_repository, first) => {
      if (first.includes('conflict markers'))
        return {
          edits: reply.tools(edit.create('src/main.js', 'const a = newFunction(1, { strict: true });\n')),
          summary: 'Kept the strict option from main and the move to newFunction.',
        };
      if (first.includes('<owner_instruction>'))
        return {
          edits: reply.tools(edit.insert('src/main.js', 0, '// Moved to newFunction by the batch change.')),
          summary: 'Added the comment line the reviewer asked for.',
        };
      return {
        edits: reply.tools(edit.strReplace('src/main.js', 'oldFunction(', 'newFunction(')),
        summary: 'Replaced oldFunction with newFunction.',
      };
    }),
  });

  /** A job finished with its pull requests open as it ran (unless asked otherwise), Claude moving to newFunction unless it has a command. */
  const finishedJob = (request: Parameters<FollowUpWorld['finishedJob']>[0]) => world.finishedJob(request);
  const pullOf = (name: string, jobId: string) => world.pullOf(name, jobId);
  const upstreamConflict = (name: string) =>
    world.hosting.repository(name).pushChange(async (checkout) => {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(`${checkout}/src/main.js`, 'const a = oldFunction(1, { strict: true });\n');
    }, 'Make the call strict');

  it('merges a base that moved and conflicts: Claude resolves the markers, and the reviewed merge lands on the branch', async () => {
    const job = await finishedJob({ name: 'Move', repositories: ['acme/delta'] });
    const branch = branchName(job.jobId);
    const head = await bare(world.hosting, 'acme/delta', 'rev-parse', branch);
    await upstreamConflict('acme/delta');
    const base = await bare(world.hosting, 'acme/delta', 'rev-parse', 'main');
    await world.stack.client.refreshPullRequests(job.jobId);
    assert.equal((await world.stack.client.getRepository(job.jobId, 'acme/delta')).pullRequest?.mergeable, false);

    const row = await world.completedRound(job.jobId, 'acme/delta', { reason: 'conflicts' });
    assert.deepEqual([row.followUp?.head, row.followUp?.mergedBase], [head, base]);
    assert.deepEqual(row.base, { branch: 'main', commit: base });
    const text = firstMessageText(world.anthropic.requestsOf('acme/delta').at(-1)!.body);
    assert.match(text, /Its base branch main moved[\s\S]*these files hold conflict markers[\s\S]*- src\/main\.js/);
    const trigger = await world.stack.client.getTrigger(job.jobId, 'acme/delta');
    assert.deepEqual(trigger.conflicts, { baseBranch: 'main', baseCommit: base, files: ['src/main.js'] });
    // The diff is the pull request's change on the new base: what the merge makes of it.
    const { patch } = await world.stack.client.getDiff(job.jobId, 'acme/delta');
    assert.match(
      patch!,
      /-const a = oldFunction\(1, \{ strict: true \}\);\n\+const a = newFunction\(1, \{ strict: true \}\);/,
    );

    await world.approveShown(job.jobId, 'acme/delta', 2);
    const published = await world.stack.client.publish(job.jobId, { approved: true });
    const [result] = await followPublication(world.stack.client, job.jobId, published.results, { intervalMs: 100 });
    assert.equal(result!.outcome, 'done', result!.reason);
    const merge = await bare(world.hosting, 'acme/delta', 'rev-parse', branch);
    assert.equal(
      await bare(world.hosting, 'acme/delta', 'rev-parse', `${merge}^1`),
      head,
      'first parent: the head it started from',
    );
    assert.equal(
      await bare(world.hosting, 'acme/delta', 'rev-parse', `${merge}^2`),
      base,
      'second parent: the base merged in',
    );
    assert.equal(
      await bare(world.hosting, 'acme/delta', 'show', `${merge}:src/main.js`),
      'const a = newFunction(1, { strict: true });',
    );
    await world.stack.client.refreshPullRequests(job.jobId);
    assert.equal((await world.stack.client.getRepository(job.jobId, 'acme/delta')).pullRequest?.mergeable, true);
  });

  it('updates a command job’s branch: the base’s side of each conflict, then its command again on the merged tree', async () => {
    const job = await finishedJob({
      name: 'Move by sed',
      command: "sed -i 's/oldFunction(/newFunction(/g' src/main.js",
      repositories: ['acme/epsilon'],
    });
    const branch = branchName(job.jobId);
    const head = await bare(world.hosting, 'acme/epsilon', 'rev-parse', branch);
    await upstreamConflict('acme/epsilon');
    const row = await world.completedRound(job.jobId, 'acme/epsilon', { reason: 'conflicts', push: 'auto' });
    const merge = await bare(world.hosting, 'acme/epsilon', 'rev-parse', branch);
    assert.equal(await bare(world.hosting, 'acme/epsilon', 'rev-parse', `${merge}^1`), head);
    assert.equal(
      await bare(world.hosting, 'acme/epsilon', 'show', `${merge}:src/main.js`),
      'const a = newFunction(1, { strict: true });',
    );
    assert.equal(row.publishedAttempt, 2);

    // The push rule: what a round pushed without review does not merge by itself, until a person approves it.
    const refused = await world.stack.client.pullRequestActionAll(job.jobId, 'auto-merge', {});
    assert.deepEqual(
      refused.map((result) => [result.outcome, result.reason]),
      [
        [
          'skipped',
          'follow-up round 1 pushes (or pushed) onto it without review: approve its diff first, then turn auto-merge on',
        ],
      ],
    );
    assert.equal(pullOf('acme/epsilon', job.jobId).autoMerge, undefined);
    assert.equal(pullOf('acme/epsilon', job.jobId).merged, false);
    await world.approveShown(job.jobId, 'acme/epsilon');
    const [approved] = await world.stack.client.pullRequestActionAll(job.jobId, 'auto-merge', {});
    assert.equal(approved!.outcome, 'done', approved!.reason);
    assert.equal(pullOf('acme/epsilon', job.jobId).merged, true, 'nothing left to wait for: merged now');
  });

  it('never pushes a round at once onto a pull request whose auto-merge is on: refused when asked, held for review when turned on meanwhile', async () => {
    const job = await finishedJob({ name: 'Move', repositories: ['acme/held'] });
    const branch = branchName(job.jobId);
    const head = await bare(world.hosting, 'acme/held', 'rev-parse', branch);
    const pull = pullOf('acme/held', job.jobId);
    pull.checkRuns.push({ name: 'ci', status: 'in_progress' });
    const autoMergeOn = { mergeMethod: 'SQUASH' as const, enabledAt: new Date().toISOString() };
    pull.autoMerge = autoMergeOn;
    const instruction = 'Add a line saying where this came from.';

    const refused = await world.stack.client.followUp(job.jobId, { reason: 'instruction', instruction, push: 'auto' });
    assert.deepEqual(
      refused.results.map((result) => [result.outcome, result.reason]),
      [
        [
          'skipped',
          'auto-merge is on for its pull request, so a round pushed at once would merge unreviewed: use push "review", or turn auto-merge off',
        ],
      ],
    );

    // Off when asked, on again before the worker would push: the round's diff waits for review instead.
    pull.autoMerge = undefined;
    const queued = await world.stack.client.followUp(job.jobId, { reason: 'instruction', instruction, push: 'auto' });
    pull.autoMerge = autoMergeOn;
    assert.deepEqual(
      queued.results.map((result) => result.outcome),
      ['queued'],
    );
    await waitForJob(world.stack.client, job.jobId);
    const row = await world.stack.client.getRepository(job.jobId, 'acme/held');
    assert.equal(row.status, 'COMPLETED', JSON.stringify([row.error, row.summary]));
    assert.deepEqual(row.warnings, [
      'Auto-merge is on for its pull request, so the round was not pushed at once (it would merge unreviewed): its diff waits for review',
    ]);
    assert.equal(row.publishedAttempt, 1);
    assert.equal(await bare(world.hosting, 'acme/held', 'rev-parse', branch), head, 'nothing pushed');
    assert.equal(pull.merged, false);

    // Reviewed and approved, a publish pushes it onto the pull request.
    await world.approveShown(job.jobId, 'acme/held');
    const answer = await world.stack.client.publish(job.jobId, { approved: true });
    const [published] = await followPublication(world.stack.client, job.jobId, answer.results, { intervalMs: 100 });
    assert.equal(published!.outcome, 'done', published!.reason);
    const pushed = await bare(world.hosting, 'acme/held', 'rev-parse', branch);
    assert.equal(await bare(world.hosting, 'acme/held', 'rev-parse', `${pushed}^`), head, 'a fast-forward of the head');
  });

  it('promotes a reviewer’s comment to every pull request of one change group, and no other', async () => {
    const job = await finishedJob({ name: 'Move', repositories: ['acme/g1', 'acme/g2', 'acme/g3'] });
    const changes = await world.stack.client.getChanges(job.jobId);
    const group = changes.groups.find((candidate) => candidate.repositories.includes('acme/g1'))!;
    assert.deepEqual(group.repositories, ['acme/g1', 'acme/g2']);
    const pull = pullOf('acme/g1', job.jobId);
    pull.comments.push({ id: 4242, user: 'carol', body: 'Please leave a comment saying where this came from.' });
    const url = `${pull.html_url}#issuecomment-4242`;

    const answer = await world.stack.client.followUp(job.jobId, {
      reason: 'instruction',
      fromComment: url,
      repositories: group.repositories,
    });
    assert.deepEqual(answer.results.map(({ repositoryName, outcome }) => [repositoryName, outcome]).sort(), [
      ['acme/g1', 'queued'],
      ['acme/g2', 'queued'],
    ]);
    await waitForJob(world.stack.client, job.jobId);
    for (const name of ['acme/g1', 'acme/g2']) {
      const row = await world.stack.client.getRepository(job.jobId, name);
      assert.equal(row.status, 'COMPLETED', JSON.stringify([row.error, row.summary]));
      assert.deepEqual(row.followUp?.instructionSource, { url, author: 'carol' });
      const text = firstMessageText(world.anthropic.requestsOf(name).at(-1)!.body);
      assert.match(text, /promoting a comment by @carol/);
      assert.match(
        text,
        /<owner_instruction>\nPlease leave a comment saying where this came from\.\n<\/owner_instruction>/,
      );
      const { patch } = await world.stack.client.getDiff(job.jobId, name);
      assert.match(patch!, /\+\/\/ Moved to newFunction by the batch change\./);
    }
    assert.equal(
      (await world.stack.client.getRepository(job.jobId, 'acme/g3')).attempt,
      1,
      'another group is left alone',
    );
  });

  it('turns on auto-merge in bulk, merging now what has nothing left to wait for, and from a publish', async () => {
    const job = await finishedJob({ name: 'Move', repositories: ['acme/ready', 'acme/waiting', 'acme/draft'] });
    pullOf('acme/waiting', job.jobId).checkRuns.push({ name: 'ci', status: 'in_progress' });
    pullOf('acme/ready', job.jobId).checkRuns.push({ name: 'ci', status: 'completed', conclusion: 'success' });
    pullOf('acme/draft', job.jobId).draft = true;
    const results = await world.stack.client.pullRequestActionAll(job.jobId, 'auto-merge', { method: 'squash' });
    const byName = new Map(results.map((result) => [result.repositoryName, result]));
    assert.equal(byName.get('acme/waiting')?.outcome, 'done', byName.get('acme/waiting')?.reason);
    assert.equal(byName.get('acme/waiting')?.pullRequest?.autoMerge?.method, 'squash');
    assert.equal(pullOf('acme/waiting', job.jobId).autoMerge?.mergeMethod, 'SQUASH');
    assert.equal(pullOf('acme/waiting', job.jobId).merged, false);
    assert.equal(byName.get('acme/ready')?.outcome, 'done');
    assert.match(
      byName.get('acme/ready')!.reason!,
      /nothing left to wait for \(Pull request Pull request is in clean status\): merged now \(squash\)/,
    );
    assert.deepEqual(
      [pullOf('acme/ready', job.jobId).merged, pullOf('acme/ready', job.jobId).mergeMethod],
      [true, 'squash'],
    );
    assert.deepEqual(
      [byName.get('acme/draft')?.outcome, byName.get('acme/draft')?.reason],
      ['skipped', 'is a draft: mark it ready for review first'],
    );
    const rows = new Map((await world.stack.client.allRepositories(job.jobId)).map((row) => [row.repositoryName, row]));
    assert.equal(rows.get('acme/waiting')?.pullRequest?.autoMerge?.method, 'squash');
    assert.equal(rows.get('acme/ready')?.pullRequest?.state, 'merged');

    const later = await finishedJob({
      name: 'Move',
      repositories: ['acme/published'],
      createPullRequests: false,
    });
    await world.approveShown(later.jobId, 'acme/published');
    const answer = await world.stack.client.publish(later.jobId, { approved: true, autoMerge: 'rebase' });
    const [result] = await followPublication(world.stack.client, later.jobId, answer.results, { intervalMs: 100 });
    assert.equal(result!.outcome, 'done', result!.reason);
    assert.equal(pullOf('acme/published', later.jobId).autoMerge?.mergeMethod, 'REBASE');
    const row = await world.stack.client.getRepository(later.jobId, 'acme/published');
    assert.equal(row.pullRequest?.autoMerge?.method, 'rebase');
  });

  it('asks the code owners of the changed files for review, by the repository’s CODEOWNERS, else the others named', async () => {
    const job = await finishedJob({
      name: 'Move',
      repositories: ['acme/owned', 'acme/unowned'],
      pullRequest: { reviewers: ['@codeowners', 'zed'] },
    });
    const owned = pullOf('acme/owned', job.jobId);
    assert.deepEqual([owned.reviewers, owned.teamReviewers], [['alice'], ['js-team']]);
    const warnings = (await world.stack.client.getRepository(job.jobId, 'acme/owned')).warnings ?? [];
    assert.ok(
      warnings.some((warning) =>
        /@other-org\/ops owns src\/main\.js, but a team of another organisation/.test(warning),
      ),
    );
    const unowned = pullOf('acme/unowned', job.jobId);
    assert.deepEqual([unowned.reviewers, unowned.teamReviewers], [['zed'], []]);
  });
});
