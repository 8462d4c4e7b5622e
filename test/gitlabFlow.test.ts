import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { codeHostKindOf } from '../common/codeHostKind';
import { branchName } from '../common/names';
import type { FakeProject } from './fakes/gitlabServer';
import { git, pushedDiff, repositoriesHolding } from './helpers/git';
import { useWorld } from './helpers/world';

// The whole flow on the local stack against the loopback GitLab, as a user types it (the built CLI
// as a child process; only the stack has the GitLab token): `repos` by group with its subgroups, a
// sampled run that continues, review, publish as draft merge requests with labels and reviewers,
// refresh (pipelines, approvals), merge with the head it checked (a moved head refused), close,
// comment, delete. Projects nest three and four levels deep; the branch pushed is the stored patch
// byte for byte. The clone URLs are GitLab's default, `{GITLAB_URL}/{path}.git`, over smart HTTP.

const GITLAB_TOKEN = 'glpat-FAKEgitlabTOKENforTheCliFlow01';

const PROJECTS: FakeProject[] = [
  { path: 'acme/platform/api', pipelineMustSucceed: true, approvalsRequired: 1 },
  { path: 'acme/platform/tools/web' },
  { path: 'acme/site' },
  { path: 'acme/store' },
  { path: 'acme/platform/legacy', archived: true },
  { path: 'partners/shared', sharedWith: ['acme'] },
];

const FILES = {
  'src/main.js': 'const a = oldFunction(1);\n',
  'scripts/run.sh': '#!/bin/sh\necho hi\n',
};

// A text change, a new binary file and a mode change: what is pushed must be this, byte for byte.
const CHANGE = [
  'set -e',
  "sed -i 's/oldFunction(/newFunction(/g' src/main.js",
  "printf '\\000\\001binary\\377\\376' > logo.bin",
  'chmod +x scripts/run.sh',
].join('\n');

describe('the CLI flow against GitLab, names three and four levels deep', function () {
  this.timeout(240_000);
  const world = useWorld({
    token: GITLAB_TOKEN,
    repositories: repositoriesHolding(
      PROJECTS.map((project) => project.path),
      FILES,
    ),
    gitlab: { projects: PROJECTS, users: ['alice', 'bob'], pageSize: 2 },
    stack: true,
  });
  // The CLI's own environment holds no GitLab token: only the stack has one.
  const cli = (...args: string[]) => world.cli(args);
  const ok = async (...args: string[]) => {
    const outcome = await cli(...args);
    assert.equal(outcome.code, 0, `${args.join(' ')}:\n${outcome.stderr}${outcome.stdout}`);
    return outcome;
  };

  it('repos, a sample that continues, review, publish as drafts, refresh, merge, close, comment, delete', async () => {
    const { stack, hosting, gitlab } = world;
    // The clients word their forms after the stack's host (the Create Job form: groups, not owners).
    assert.deepEqual(await stack.client.getCodeHost(), { kind: 'gitlab', pullRequests: true });
    assert.equal(await codeHostKindOf(stack.client), 'gitlab');

    // `repos` by group: its subgroups' projects too, without the archived one and the one shared in.
    const repos = await ok('repos', '--group', 'acme');
    assert.equal(repos.stdout, 'acme/platform/api\nacme/platform/tools/web\nacme/site\nacme/store\n');
    assert.match(repos.stderr, /^4 repositories\n/);
    assert.match(repos.stderr, /1 project only shared into the group left out/);
    assert.match(repos.stderr, /1 archived project left out/);

    // A sampled run: two first, then the rest; pull requests shaped now and opened after review.
    const run = await ok(
      'run',
      '--name',
      'Move to newFunction',
      '--command',
      CHANGE,
      '--group',
      'acme',
      '--sample',
      '2',
      '--pr-title',
      '{{repository}}: newFunction',
      '--label',
      'batch,cleanup',
      '--reviewer',
      'alice,nobody',
    );
    const jobId = /Job ([0-9a-z]{26})/.exec(run.stdout)![1]!;
    assert.match(run.stdout, /SAMPLED: 2 of 4 repositories sampled: 2 changed/);
    assert.equal(gitlab.mergeRequests.length, 0, 'nothing is opened before review');
    await ok('continue', jobId);
    const status = JSON.parse((await ok('status', jobId, '--json')).stdout);
    assert.equal(status.status, 'COMPLETED');
    assert.deepEqual(
      status.repositories.map((row: { repositoryName: string; status: string }) => [row.repositoryName, row.status]),
      [
        ['acme/platform/api', 'COMPLETED'],
        ['acme/platform/tools/web', 'COMPLETED'],
        ['acme/site', 'COMPLETED'],
        ['acme/store', 'COMPLETED'],
      ],
    );

    // The long names work wherever a name is typed: diff, thread, review.
    const diff = await ok('diff', jobId, 'acme/platform/tools/web');
    assert.match(diff.stdout, /\+const a = newFunction\(1\);/);
    await ok('thread', jobId, 'acme/platform/tools/web');
    const raw = await fetch(
      `${stack.apiUrl}/jobs/${jobId}/repositories/${encodeURIComponent('acme/platform/tools/web')}/diff`,
      {
        headers: { authorization: `Bearer ${stack.token}` },
      },
    );
    assert.equal(
      raw.headers.get('content-disposition'),
      `attachment; filename="acme-platform-tools-web-${jobId}.patch"`,
    );
    // Approved with the digest of the patch the reviewer read (`diff` prints it).
    for (const name of ['acme/platform/api', 'acme/platform/tools/web', 'acme/site']) {
      const digest = /Patch sha256 ([0-9a-f]{64})/.exec((await ok('diff', jobId, name)).stderr)![1]!;
      await ok('review', jobId, name, '--approve', '--digest', digest);
    }
    await ok('review', jobId, 'acme/store', '--reject', '--note', 'not this one');

    // Publish the approved ones as drafts, and follow them until opened. GitLab asks one worker to
    // slow down: it waits, and its log says so.
    gitlab.rateLimitNext('/projects/acme%2Fsite/merge_requests', 1);
    const published = await cli('publish', jobId, '--approved', '--draft', '--wait', '--json');
    // The one left out was rejected: publish --approved did all it was asked, so exits 0.
    assert.equal(published.code, 0, published.stderr);
    const results = JSON.parse(published.stdout).results as { repositoryName: string; outcome: string }[];
    assert.deepEqual(results.map((result) => [result.repositoryName, result.outcome]).sort(), [
      ['acme/platform/api', 'done'],
      ['acme/platform/tools/web', 'done'],
      ['acme/site', 'done'],
      ['acme/store', 'skipped'],
    ]);
    const branch = branchName(jobId);
    const mergeRequestOf = (name: string) => gitlab.mergeRequests.find((mr) => mr.project === name)!;
    const web = mergeRequestOf('acme/platform/tools/web');
    assert.deepEqual(
      [web.title, web.labels, web.reviewerIds.length, web.sourceBranch, web.targetBranch],
      ['Draft: acme/platform/tools/web: newFunction', ['batch', 'cleanup'], 1, branch, 'main'],
    );
    const webRow = await stack.client.getRepository(jobId, 'acme/platform/tools/web');
    assert.deepEqual(webRow.warnings, ['GitLab refused the reviewer @nobody: GitLab has no such user']);
    assert.equal(webRow.pullRequest?.state, 'draft');
    assert.equal(webRow.pullRequestUrl, web.webUrl);
    assert.match(
      await stack.client.getLog(jobId, 'acme/site'),
      /Waiting 1 s: the code host's rate limit \(GET \/projects\/acme%2Fsite\/merge_requests\)/,
    );

    // What was pushed is what was reviewed, byte for byte, on the recorded base.
    const bare = hosting.repository('acme/platform/tools/web').bare;
    const pushed = await pushedDiff(bare, webRow.base!.commit, branch);
    const reviewed = Buffer.from((await stack.client.getDiff(jobId, 'acme/platform/tools/web')).patch!, 'utf8');
    assert.ok(reviewed.includes('GIT binary patch') && reviewed.includes('new mode 100755'));
    assert.equal(Buffer.compare(pushed, reviewed), 0, 'the pushed branch differs from the stored patch');
    assert.match(
      await git(hosting.work, '--git-dir', bare, 'log', '-1', '--format=%an <%ae>', branch),
      /^Cody Batch <cody-batch@noreply\.127\.0\.0\.1>/,
    );

    // CI and reviewers on GitLab: the refresh reads pipelines and approvals.
    await gitlab.setPipeline('acme/platform/api', branch, 'running');
    await gitlab.setPipeline('acme/platform/tools/web', branch, 'failed');
    const refreshed = JSON.parse((await ok('status', jobId, '--refresh', '--json')).stdout);
    const byName = (rows: { repositoryName: string; pullRequest?: Record<string, unknown> }[], name: string) =>
      rows.find((row) => row.repositoryName === name)!.pullRequest!;
    assert.deepEqual(
      [
        byName(refreshed.repositories, 'acme/platform/api').checks,
        byName(refreshed.repositories, 'acme/platform/api').review,
      ],
      ['pending', 'review_required'],
    );
    assert.equal(byName(refreshed.repositories, 'acme/platform/tools/web').checks, 'failing');
    assert.equal(refreshed.pullRequestCounts.draft, 3);

    // People mark them ready on GitLab; CI passes on api, and alice approves it.
    for (const name of ['acme/platform/api', 'acme/platform/tools/web', 'acme/site'])
      mergeRequestOf(name).title = mergeRequestOf(name).title.replace(/^Draft: /, '');
    await gitlab.setPipeline('acme/platform/api', branch, 'success');
    gitlab.approve('acme/platform/api', mergeRequestOf('acme/platform/api').iid, 'alice');
    const ready = JSON.parse((await ok('refresh', jobId, '--json')).stdout);
    assert.deepEqual([ready.pullRequestCounts.open, ready.pullRequestCounts.approved], [3, 1]);

    // Merge: api merges (squashed) with the head it checked; site's head moves between the check
    // and the merge, and GitLab refuses it; web's red pipeline is a reason not to try.
    const siteClone = await hosting.clone('acme/site');
    await git(siteClone, 'fetch', '-q', 'origin', branch);
    await git(siteClone, 'checkout', '-q', branch);
    gitlab.options.beforeMerge = async (mr) => {
      if (mr.project !== 'acme/site') return;
      await writeFile(path.join(siteClone, 'late.txt'), 'pushed after the check\n');
      await git(siteClone, 'add', 'late.txt');
      await git(siteClone, 'commit', '-qm', 'Late push');
      await git(siteClone, 'push', '-q', 'origin', branch);
    };
    const mainBefore = await gitlab.branchHead('acme/platform/api', 'main');
    const merged = await cli('merge', jobId, '--method', 'squash', '--json');
    gitlab.options.beforeMerge = undefined;
    assert.equal(merged.code, 3, merged.stderr);
    const outcomes = Object.fromEntries(
      (JSON.parse(merged.stdout).results as { repositoryName: string; outcome: string; reason?: string }[]).map(
        (result) => [result.repositoryName, result],
      ),
    );
    assert.equal(outcomes['acme/platform/api']!.outcome, 'done');
    assert.equal(outcomes['acme/site']!.outcome, 'failed');
    assert.match(outcomes['acme/site']!.reason!, /SHA does not match HEAD of source branch/);
    assert.equal(outcomes['acme/platform/tools/web']!.outcome, 'skipped');
    assert.equal(mergeRequestOf('acme/platform/api').state, 'merged');
    assert.equal(mergeRequestOf('acme/site').state, 'opened', 'a moved head is not merged');
    const mainAfter = (await gitlab.branchHead('acme/platform/api', 'main'))!;
    assert.notEqual(mainAfter, mainBefore);
    const apiBare = hosting.repository('acme/platform/api').bare;
    assert.equal(
      await git(hosting.work, '--git-dir', apiBare, 'show', `${mainAfter}:src/main.js`),
      'const a = newFunction(1);\n',
    );

    // Comment on the open ones, close one with its branch, and the job goes.
    const commented = await ok('comment', jobId, '--state', 'open', '--body', 'Rebase, please.');
    assert.match(commented.stdout, /acme\/site\s+done/);
    assert.deepEqual(
      mergeRequestOf('acme/site').notes.map(({ author, body }) => [author, body]),
      [['cody-batch', 'Rebase, please.']],
    );
    await ok('close', jobId, 'acme/platform/tools/web', '--delete-branch');
    assert.equal(mergeRequestOf('acme/platform/tools/web').state, 'closed');
    assert.ok(gitlab.deletedBranches.includes(`acme/platform/tools/web:${branch}`));
    const final = JSON.parse((await ok('refresh', jobId, '--json')).stdout);
    assert.deepEqual(
      [final.pullRequestCounts.merged, final.pullRequestCounts.closed, final.pullRequestCounts.open],
      [1, 1, 1],
    );
    await ok('delete', jobId, '--yes');
    assert.equal((await cli('status', jobId)).code, 1);

    // Only the stack spoke to GitLab, and always with its token in a header: never in a URL.
    assert.ok(gitlab.requests.length > 0);
    assert.ok(gitlab.requests.every((request) => !request.path.includes(GITLAB_TOKEN)));
    assert.ok(
      gitlab.requests.every((request) => request.authorization !== undefined || request.path.includes('/info/refs')),
    );
  });

  it('hands a rate limit longer than the API waits to the user, with the wait, not a server error', async () => {
    world.gitlab.rateLimitNext('/groups/acme/projects', 30);
    const limited = await cli('repos', '--group', 'acme');
    assert.equal(limited.code, 1, limited.stderr);
    assert.match(limited.stderr, /GitLab's rate limit: it asks to wait 30 s/);
    assert.doesNotMatch(limited.stderr, /INTERNAL/);
  });

  it('refuses names GitLab cannot have before anything runs', async () => {
    const bad = await cli('run', '--name', 'x', '--command', 'true', '--repos', 'acme/platform/x.atom');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /repositories\[0\]: "acme\/platform\/x\.atom": "x\.atom" ends in \.git or \.atom/);
  });
});
