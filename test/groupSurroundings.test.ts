import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ApiError } from '../common/client';
import { shownMembers } from '../common/groupReview';
import type { ChangeGroup } from '../common/schemas';
import { branchName } from '../common/names';
import type { Route } from '../webviews/app/routes';
import { diffHandlers, overviewHandlers } from '../webviews/app/viewHandlers';
import { handlerWithAuthCheck as server } from './helpers/changeFixtures';
import { makeDom } from './helpers/dom';
import { waitFor, waitForJob } from './helpers/jobs';
import { useWorld } from './helpers/world';

// Issue 24, on the real local stack (git over HTTP, the loopback GitHub, real workers): one
// approval of a change group approves every member, so a group must hold one change. An auth check
// moved into dead code and the same lines moved harmlessly share a group, but the dead-code member
// is listed apart (the same lines in other surroundings) and the group cannot be approved as one
// until it has been opened; a link to ../../../../etc/passwd and a file holding that text, a file
// named "x\n+hello" and a file x, are other changes. What a publish of the approved ones pushes
// leaves the others out.

const run = promisify(execFile);
const TOKEN = 'ghp_FAKEgithubTOKENforSurroundingsTests0123';

/** One command for every repository; what each holds decides what it does. */
const COMMAND = [
  `if [ -f src/server.js ]; then awk 'NR==2{next} {print} NR==4{print "  checkAuth(request);"}' src/server.js > moved && cat moved > src/server.js && rm moved; fi`,
  `if [ -f .link ]; then ln -s ../../../../etc/passwd config; fi`,
  `if [ -f .plain ]; then printf '../../../../etc/passwd' > config; fi`,
  `if [ -f .odd-name ]; then printf 'world\\n' > "$(printf 'x\\n+hello')"; fi`,
  `if [ -f .plain-name ]; then printf 'hello\\nworld\\n' > x; fi`,
].join('\n');

const REPOSITORIES: Record<string, Record<string, string>> = {
  'acme/harmless': { 'src/server.js': server('harmless') },
  'acme/harmless-too': { 'src/server.js': server('harmless') },
  'acme/dead-code': { 'src/server.js': server('dead code') },
  'acme/link': { '.link': '' },
  'acme/plain': { '.plain': '' },
  'acme/odd-name': { '.odd-name': '' },
  'acme/x': { '.plain-name': '' },
};

/** A group's members with the digests `GET …/changes` gave: what a reviewer was shown. */
const membersOf = (group: ChangeGroup) =>
  group.repositories.map((repositoryName) => ({ repositoryName, digest: group.digests![repositoryName]! }));

describe('change groups that mean one change, on the local stack (issue 24)', function () {
  this.timeout(240_000);
  const world = useWorld({ token: TOKEN, repositories: REPOSITORIES, github: {}, stack: { concurrency: 3 } });
  const cli = (...args: string[]) => world.cli(args, { inheritEnv: true });

  it('keeps different changes apart, refuses a group approved unopened, and publishes only what was approved', async () => {
    const { stack, hosting } = world;
    const created = await stack.client.createJob({
      name: 'Move the auth check',
      command: COMMAND,
      repositories: Object.keys(REPOSITORIES),
    });
    const job = await waitForJob(stack.client, created.jobId);
    assert.equal(job.status, 'COMPLETED');
    const dead = (await stack.client.getDiff(job.jobId, 'acme/dead-code')).patch!;
    assert.match(dead, /^ {3}if \(false\) \{\n\+ {2}checkAuth\(request\);$/m);

    const changes = await stack.client.getChanges(job.jobId);
    const groupOf = (name: string) => changes.groups.find((group) => group.repositories.includes(name))!;
    const moved = groupOf('acme/harmless');
    assert.deepEqual(moved.repositories, ['acme/dead-code', 'acme/harmless', 'acme/harmless-too']);
    assert.equal(moved.representative, 'acme/harmless');
    assert.deepEqual(moved.surroundings, [{ repositories: ['acme/dead-code'] }]);
    for (const [a, b] of [
      ['acme/link', 'acme/plain'],
      ['acme/odd-name', 'acme/x'],
    ] as const) {
      assert.notEqual(groupOf(a).fingerprint, groupOf(b).fingerprint, `${a} and ${b} are two changes`);
      assert.deepEqual(groupOf(a).repositories, [a]);
    }
    assert.equal(changes.groups.length, 5);

    // Approving the group without having opened the dead-code member: refused, nothing written.
    await assert.rejects(
      stack.client.reviewChangeGroup(job.jobId, moved.fingerprint, { state: 'approved', members: membersOf(moved) }),
      (error: ApiError) =>
        error.status === 409 &&
        error.code === 'VARIANTS_NOT_OPENED' &&
        /not opened: acme\/dead-code/.test(error.message),
    );
    assert.deepEqual((await stack.client.getJob(job.jobId)).reviewCounts, { unreviewed: 7, approved: 0, rejected: 0 });
    // Refused by the request itself: no group review operation was started on the job.
    assert.equal((await stack.client.getJob(job.jobId)).operation, undefined);
    // The CLI says the same, and how to read them.
    const refused = await cli('review', job.jobId, '--group', moved.fingerprint.slice(0, 12), 'approve');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /not opened: acme\/dead-code/);
    assert.match(
      refused.stderr,
      new RegExp(`cody-batch changes ${job.jobId} --group ${moved.fingerprint.slice(0, 12)}`),
    );
    assert.match((await cli('changes', job.jobId)).stdout, /the same change \(same lines, 1 other surroundings/);
    const shown = await cli('changes', job.jobId, '--group', moved.fingerprint.slice(0, 12));
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /acme\/dead-code: same lines, different surroundings/);
    assert.match(shown.stdout, /^ {2}! {4}if \(false\) \{\n {4}\+ {2}checkAuth\(request\);$/m, 'the dead code, marked');
    // Rejecting needs nothing opened; approving, with it opened, reviews all three.
    const approved = await cli(
      'review',
      job.jobId,
      '--group',
      moved.fingerprint.slice(0, 12),
      'approve',
      '--opened',
      'acme/dead-code',
    );
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, /^3 repositories approved: acme\/dead-code, acme\/harmless, acme\/harmless-too/);

    // The plain file's group, approved: the link with the same text is not.
    await stack.client.reviewChangeGroup(job.jobId, groupOf('acme/plain').fingerprint, {
      state: 'approved',
      members: membersOf(groupOf('acme/plain')),
    });
    const rows = await stack.client.allRepositories(job.jobId);
    assert.deepEqual(
      rows.filter((row) => row.review?.state === 'approved').map((row) => row.repositoryName),
      ['acme/dead-code', 'acme/harmless', 'acme/harmless-too', 'acme/plain'],
    );

    await stack.client.publish(job.jobId, { approved: true });
    await waitFor('the approved repositories to be published', async () => {
      const all = await stack.client.allRepositories(job.jobId);
      const done = all.filter((row) => row.publication?.status === 'published' || row.publication?.status === 'failed');
      return done.length === 4 ? all : undefined;
    });
    const after = await stack.client.allRepositories(job.jobId);
    const published = after.filter((row) => row.publication?.status === 'published').map((row) => row.repositoryName);
    assert.deepEqual(
      published,
      ['acme/dead-code', 'acme/harmless', 'acme/harmless-too', 'acme/plain'],
      JSON.stringify(after.map((row) => [row.repositoryName, row.publication])),
    );
    const branches = async (name: string) =>
      (await run('git', ['--git-dir', hosting.repository(name).bare, 'branch', '--list'])).stdout;
    assert.match(await branches('acme/plain'), new RegExp(branchName(job.jobId)));
    for (const name of ['acme/link', 'acme/odd-name', 'acme/x'])
      assert.doesNotMatch(await branches(name), /cody-batch\//, `${name} was not approved: nothing pushed`);
  });

  it('the web app shows the other surroundings, sends those opened, and approves only then', async () => {
    const { stack } = world;
    const names = ['acme/harmless', 'acme/harmless-too', 'acme/dead-code'];
    const created = await stack.client.createJob({ name: 'Move it again', command: COMMAND, repositories: names });
    const job = await waitForJob(stack.client, created.jobId);
    const [moved] = (await stack.client.getChanges(job.jobId)).groups;
    const dom = makeDom();
    const went: Route[] = [];
    const services = {
      client: stack.client,
      window: dom.window as unknown as Window,
      navigate: (route: Route) => void went.push(route),
    };
    try {
      // The overview says it, and an approval from there is refused in words.
      const overview = overviewHandlers(services, job.jobId);
      const refused = await overview.reviewGroup({
        fingerprint: moved!.fingerprint,
        state: 'approved',
        members: membersOf(moved!),
      });
      assert.equal(refused.done, false);
      assert.match(refused.message!, /not opened: acme\/dead-code.*Open them from the group view/);

      const page = diffHandlers(services, {
        jobId: job.jobId,
        repositoryName: 'acme/harmless',
        group: moved!.fingerprint,
      });
      const first = await page.load({});
      assert.deepEqual(first.group?.surroundings, [{ repositories: ['acme/dead-code'], opened: false }]);
      const shown = await page.showSurroundings({ repositoryName: 'acme/dead-code' });
      const differing = shown.hunks.flatMap((hunk) =>
        hunk.lines.filter((line) => line.differs).map((line) => line.text),
      );
      assert.deepEqual(differing, ['   if (false) {']);
      assert.equal(shown.hunks[0]!.path, 'src/server.js');
      const again = await page.load({});
      assert.deepEqual(again.group?.surroundings, [{ repositories: ['acme/dead-code'], opened: true }]);
      const approved = await page.reviewGroup({ state: 'approved', members: shownMembers(again.group!.members) });
      assert.deepEqual(approved, { done: true, message: 'Approved 3 repositories.' });
      assert.deepEqual((await stack.client.getJob(job.jobId)).reviewCounts, {
        unreviewed: 0,
        approved: 3,
        rejected: 0,
      });
    } finally {
      await dom.close();
    }
  });
});
