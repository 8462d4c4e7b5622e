import assert from 'node:assert/strict';
import { sampleRepository } from '../test/helpers/jobs';
import type { ChangeGroup, JobChanges, RepositoryResult } from './schemas';
import { groupChange, paintedRepository, repositoryChange, StaleWatch } from './viewChanges';

// Whether an open diff or group view still shows what is there: the sampled repository that ran
// again after a continue, a revision saved elsewhere, a review made elsewhere, a group whose member
// left it. Each is a sentence the view says before it acts on anything.

const at = '2026-01-01T00:00:00.000Z';
const row = (overrides: Partial<RepositoryResult> = {}) =>
  sampleRepository({ repositoryName: 'acme/svc-35', status: 'COMPLETED', ...overrides });

describe('what an open view painted, against what is there', () => {
  it('a diff opened during a sample is stale once the continue runs the repository again', () => {
    const painted = paintedRepository(row(), 1);
    assert.equal(repositoryChange(painted, row()), undefined, 'nothing changed');
    assert.equal(
      repositoryChange(painted, row({ attempt: 2, status: 'RUNNING' })),
      'acme/svc-35 is running again (attempt 2) since this was shown.',
    );
    assert.equal(
      repositoryChange(painted, row({ attempt: 2 })),
      'acme/svc-35 ran again since this was shown: attempt 2 is its current one.',
    );
  });

  it('a diff is stale after a revision or a review made elsewhere; an earlier attempt never is', () => {
    const painted = paintedRepository(row(), 1);
    assert.equal(
      repositoryChange(painted, row({ patchRevision: 1 })),
      "Revision 1 of acme/svc-35's patch was saved since this was shown.",
    );
    assert.equal(
      repositoryChange(painted, row({ review: { state: 'approved', attempt: 1, reviewedAt: at } })),
      'acme/svc-35 was approved elsewhere since this was shown.',
    );
    // A review of another attempt is no review of this one.
    assert.equal(
      repositoryChange(painted, row({ review: { state: 'approved', attempt: 0, reviewedAt: at } })),
      undefined,
    );
    const earlier = paintedRepository(row({ attempt: 2 }), 1);
    assert.equal(repositoryChange(earlier, row({ attempt: 3 })), undefined, 'attempt 1 stays what it was');
  });

  const group = (repositories: string[], counts = { unreviewed: repositories.length, approved: 0, rejected: 0 }) =>
    ({
      fingerprint: 'a'.repeat(64),
      looseFingerprint: 'b'.repeat(64),
      repositories,
      files: ['src/main.js'],
      additions: 1,
      deletions: 1,
      representative: repositories[0]!,
      reviewCounts: counts,
    }) satisfies ChangeGroup;
  const changes = (...groups: ChangeGroup[]): JobChanges => ({ jobId: 'j', groups, flagged: [], unreadable: [] });
  const members = ['acme/svc-35', 'acme/svc-36', 'acme/svc-37'];
  const painted = {
    fingerprint: 'a'.repeat(64),
    representative: 'acme/svc-35',
    members: members.map((repositoryName) => ({ repositoryName, state: 'unreviewed' as const })),
  };

  it('a group view is stale when a member left (its revision was saved), joined, or was reviewed', () => {
    assert.equal(groupChange(painted, changes(group(members))), undefined);
    assert.equal(
      groupChange(painted, changes(group(['acme/svc-36', 'acme/svc-37']))),
      'The group changed since it was shown: acme/svc-35 left it.',
    );
    assert.equal(
      groupChange(painted, changes(group([...members, 'acme/svc-38']))),
      'The group changed since it was shown: acme/svc-38 joined it.',
    );
    assert.equal(
      groupChange(painted, changes(group(members, { unreviewed: 2, approved: 1, rejected: 0 }))),
      'Reviews of this group’s repositories changed since it was shown.',
    );
    assert.match(groupChange(painted, changes()) ?? '', /This group is gone/);
  });
});

describe('one open view’s looks (StaleWatch, both hosts)', () => {
  it('says a finding once, refuses actions until the page paints again, and drops a look that began before a paint', async () => {
    const said: string[] = [];
    const watch = new StaleWatch((message) => said.push(message));
    watch.unchanged();
    // A look that began before the page painted again compared with what it no longer shows.
    let answer: (found: string | undefined) => void = () => undefined;
    const look = watch.look(() => new Promise((resolve) => (answer = resolve)));
    watch.painted();
    answer('acme/a was approved elsewhere since this was shown.');
    await look;
    assert.deepEqual(said, []);
    assert.equal(watch.stale, undefined);

    await watch.look(async () => 'acme/a was approved elsewhere since this was shown.');
    await watch.look(async () => 'said again?');
    watch.changed('refused: PATCH_CHANGED');
    assert.deepEqual(said, ['acme/a was approved elsewhere since this was shown.'], 'said once');
    assert.throws(() => watch.unchanged(), /approved elsewhere.*Reload the view/);
    watch.painted();
    watch.unchanged();
    watch.changed('acme/a changed since this was shown (PATCH_CHANGED).');
    assert.equal(said.length, 2, 'a refusal counts as a finding');
    assert.throws(() => watch.unchanged(), /PATCH_CHANGED/);
  });
});
