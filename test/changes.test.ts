import assert from 'node:assert/strict';
import type { ApiError } from '../common/client';
import { branchName } from '../common/names';
import { currentPatchDigest } from '../common/patchDigest';
import { JobChanges } from '../common/schemas';
import { waitFor, waitForJob } from './helpers/jobs';
import { pushedDiff } from './helpers/git';
import { BULK_ANSWERS_INLINE } from './helpers/localStack';
import { useWorld } from './helpers/world';

// Review at scale on the real local stack: real workers make the same sed edit in five
// repositories whose code around it differs, and one more file in a sixth. The job's changes are
// two groups with the sixth flagged; one call (the CLI's) approves the five; a hunk left out of
// one repository's patch makes a new revision, takes that repository out of its group (a review of
// the group as it was is refused, 409) and is exactly what its publish pushes.

const GITHUB_TOKEN = 'ghp_FAKEgithubTOKENforChangesTests01234567';

/** Two calls far apart (two hunks), with code of the repository's own around and between them. */
function mainJs(index: number): string {
  const own = (label: string, count: number) =>
    Array.from({ length: count }, (_, line) => `const ${label}${index}_${line} = ${line * index};`);
  return [
    ...own('head', 2 + index * 3),
    'export const first = oldFunction(1);',
    ...own('middle', 10 + index),
    'export const second = oldFunction(2);',
    ...own('tail', 3),
    '',
  ].join('\n');
}

const CHANGE =
  "sed -i 's/oldFunction(/newFunction(/g' src/main.js && if [ -f .lock-too ]; then printf '{}\\n' > package-lock.json; fi";
const NAMES = ['acme/r0', 'acme/r1', 'acme/r2', 'acme/r3', 'acme/r4', 'acme/r5'];

describe('change groups, group review and hunk revisions on the local stack', function () {
  this.timeout(180_000);
  const world = useWorld({
    token: GITHUB_TOKEN,
    repositories: Object.fromEntries(
      NAMES.map((name, index) => [
        name,
        { 'src/main.js': mainJs(index), ...(index === 5 ? { '.lock-too': 'yes\n' } : {}) },
      ]),
    ),
    github: {},
    stack: { concurrency: 3, env: BULK_ANSWERS_INLINE },
  });
  const cli = async (...args: string[]) => {
    const outcome = await world.cli(args, { inheritEnv: true });
    assert.equal(outcome.code, 0, `${args.join(' ')}:\n${outcome.stderr}`);
    return outcome.stdout;
  };
  const reviewCounts = async (jobId: string) => (await world.stack.client.getJob(jobId)).reviewCounts;

  it('groups, approves a group in one call, refuses a changed one, and publishes a revised patch exactly', async () => {
    const { stack, hosting } = world;
    const created = await stack.client.createJob({
      name: 'Move to newFunction',
      command: CHANGE,
      repositories: NAMES,
    });
    const job = await waitForJob(stack.client, created.jobId);
    assert.equal(job.status, 'COMPLETED');

    // The worker recorded each diff's fingerprint with it.
    const r0 = await stack.client.getRepository(job.jobId, 'acme/r0');
    assert.deepEqual(
      [r0.fingerprint?.attempt, r0.fingerprint?.patchRevision, r0.fingerprint?.files],
      [1, 0, ['src/main.js']],
    );
    const changes = await stack.client.getChanges(job.jobId);
    assert.deepEqual(
      changes.groups.map((group) => group.repositories),
      [NAMES.slice(0, 5), ['acme/r5']],
    );
    const [main, outlier] = changes.groups;
    assert.deepEqual([main!.files, main!.additions, main!.deletions], [['src/main.js'], 2, 2]);
    assert.deepEqual(outlier!.files, ['package-lock.json', 'src/main.js']);
    assert.deepEqual(
      changes.flagged.map((entry) => [entry.repositoryName, entry.reasons.map((reason) => reason.code)]),
      [['acme/r5', ['extra-files', 'group-of-one']]],
    );
    assert.match(changes.flagged[0]!.reasons[0]!.message, /package-lock\.json/);

    // The CLI: the groups as text and as the API's shape, then one approval for the five.
    const text = await cli('changes', job.jobId);
    assert.match(text, /2 distinct changes in 6 repositories/);
    assert.match(text, new RegExp(`${main!.fingerprint.slice(0, 12)}\\s+5\\s+the same change`));
    assert.match(text, /acme\/r5 .*touches package-lock\.json/);
    assert.deepEqual(JobChanges.parse(JSON.parse(await cli('changes', job.jobId, '--json'))), changes);
    // Each repository's own code sits around the edit: the same lines, in four other surroundings,
    // read (`changes --group`) before the group is approved as one.
    assert.deepEqual(main!.surroundings, [
      { repositories: ['acme/r1'] },
      { repositories: ['acme/r2'] },
      { repositories: ['acme/r3'] },
      { repositories: ['acme/r4'] },
    ]);
    const surroundings = await cli('changes', job.jobId, '--group', main!.fingerprint.slice(0, 10));
    for (const name of ['acme/r1', 'acme/r2', 'acme/r3', 'acme/r4'])
      assert.match(surroundings, new RegExp(`^${name}: same lines, different surroundings`, 'm'));
    assert.match(surroundings, /^ {2}! {2}const head1_4 = 4;$/m);
    const approved = await cli(
      'review',
      job.jobId,
      '--group',
      main!.fingerprint.slice(0, 10),
      'approve',
      '--opened',
      'acme/r1,acme/r2,acme/r3,acme/r4',
    );
    assert.match(approved, /^5 repositories approved: acme\/r0, acme\/r1/);
    assert.deepEqual(await reviewCounts(job.jobId), { unreviewed: 1, approved: 5, rejected: 0 });
    const rows = await stack.client.allRepositories(job.jobId);
    assert.deepEqual(
      rows.filter((row) => row.review?.state === 'approved').map((row) => row.repositoryName),
      NAMES.slice(0, 5),
    );

    // A hunk left out of r1: revision 1, unreviewed, a change of its own.
    const original = (await stack.client.getDiff(job.jobId, 'acme/r1')).patch!;
    const revised = await stack.client.revisePatch(job.jobId, 'acme/r1', {
      basedOn: 0,
      drop: [{ path: 'src/main.js', hunks: [1] }],
    });
    assert.equal(revised.patchRevision, 1);
    assert.equal(revised.review, undefined);
    assert.deepEqual(revised.diffStats, { files: 1, additions: 1, deletions: 1 });
    assert.notEqual(revised.fingerprint!.exact, main!.fingerprint);
    assert.deepEqual(await reviewCounts(job.jobId), { unreviewed: 2, approved: 4, rejected: 0 });
    await assert.rejects(
      stack.client.revisePatch(job.jobId, 'acme/r1', { basedOn: 0, drop: [{ path: 'src/main.js', hunks: [0] }] }),
      (error: ApiError) => error.status === 409 && error.code === 'PATCH_CHANGED',
    );
    const current = (await stack.client.getDiff(job.jobId, 'acme/r1')).patch!;
    assert.equal((await stack.client.getDiff(job.jobId, 'acme/r1', { revision: 0 })).patch, original);
    assert.ok(original.includes('+export const second = newFunction(2);'));
    assert.ok(!current.includes('newFunction(2)') && current.includes('+export const first = newFunction(1);'));
    await assert.rejects(
      stack.client.getDiff(job.jobId, 'acme/r1', { revision: 2 }),
      (error: ApiError) => error.status === 404,
    );

    // The group as the reviewer saw it has changed: refused, nothing written.
    await assert.rejects(
      stack.client.reviewChangeGroup(job.jobId, main!.fingerprint, {
        state: 'rejected',
        members: main!.repositories.map((repositoryName) => ({
          repositoryName,
          digest: main!.digests![repositoryName]!,
        })),
      }),
      (error: ApiError) => error.status === 409 && error.code === 'GROUP_CHANGED' && /acme\/r1/.test(error.message),
    );
    assert.deepEqual(await reviewCounts(job.jobId), { unreviewed: 2, approved: 4, rejected: 0 });
    const regrouped = await stack.client.getChanges(job.jobId);
    assert.deepEqual(
      regrouped.groups.map((group) => group.repositories),
      [['acme/r0', 'acme/r2', 'acme/r3', 'acme/r4'], ['acme/r1'], ['acme/r5']],
    );

    // Publishing r1 pushes exactly revision 1 onto its base.
    const reviewed = await stack.client.reviewChangeGroup(job.jobId, revised.fingerprint!.exact, {
      state: 'approved',
      members: [{ repositoryName: 'acme/r1', digest: currentPatchDigest(revised)! }],
    });
    assert.deepEqual(
      reviewed.repositories.map((row) => [row.repositoryName, row.review?.state]),
      [['acme/r1', 'approved']],
    );
    await stack.client.publish(job.jobId, { repositories: ['acme/r1'] });
    const published = await waitFor('acme/r1 to be published', async () => {
      const row = await stack.client.getRepository(job.jobId, 'acme/r1');
      return row.publication?.status === 'published' || row.publication?.status === 'failed' ? row : undefined;
    });
    assert.equal(published.publication?.status, 'published', JSON.stringify(published.publication?.error));
    const { bare } = hosting.repository('acme/r1');
    const pushed = await pushedDiff(bare, published.base!.commit, branchName(job.jobId));
    // Byte for byte, but for the post-image blob id on the `index` line of the file whose hunk was
    // left out: the API cannot know it without the file (git apply does not use it for text).
    const postImageFree = (patch: string) => patch.replace(/^(index [0-9a-f]{40})\.\.[0-9a-f]{40}/gm, '$1..');
    assert.equal(postImageFree(pushed.toString('utf8')), postImageFree(current));
    assert.equal(pushed.toString('utf8').split('\n').length, current.split('\n').length);
    await assert.rejects(
      stack.client.revisePatch(job.jobId, 'acme/r1', { basedOn: 1, drop: [{ path: 'src/main.js' }] }),
      (error: ApiError) => error.status === 409 && error.code === 'PATCH_LOCKED',
    );
  });
});
