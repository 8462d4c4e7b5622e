import assert from 'node:assert/strict';
import { OVERVIEW_CHANGES } from './fixture';
import { groupLines, groupShown, reviewedText } from '../../common/changeGroupText';

describe('Change groups in words', () => {
  it('says the largest group is the same change, then a variant of it, then the outlier with its reason', () => {
    const lines = groupLines(OVERVIEW_CHANGES);
    assert.deepEqual(
      lines.map((line) => [line.kind, line.title]),
      [
        ['main', '2 repositories · the same change'],
        ['variant', '1 · a variant of the same change: only indentation differs'],
        ['outlier', '1 · outlier: touches package-lock.json, which the largest group does not'],
      ],
    );
    assert.equal(lines[0]!.reviewed, '1 of 2 reviewed · 1 approved');
    assert.equal(lines[0]!.allApproved, false);
    assert.equal(lines[1]!.allApproved, true);
  });

  it('calls a lone group with nothing else against it an outlier because no other repository made it', () => {
    const [main, , outlier] = OVERVIEW_CHANGES.groups;
    const lines = groupLines({
      ...OVERVIEW_CHANGES,
      groups: [main!, { ...outlier!, files: ['src/api.ts'] }],
      flagged: [
        {
          repositoryName: 'acme/d',
          fingerprint: outlier!.fingerprint,
          reasons: [{ code: 'group-of-one', message: 'no other repository made this change' }],
        },
      ],
    });
    assert.equal(lines[1]!.title, '1 · outlier: no other repository made this change');
  });

  it('calls no change an outlier of a "largest group" of one when every change is different', () => {
    const [main, variant, outlier] = OVERVIEW_CHANGES.groups;
    const lines = groupLines({
      ...OVERVIEW_CHANGES,
      groups: [main!, variant!, outlier!].map((group, index) => ({
        ...group,
        repositories: [`acme/${index}`],
        variantOf: undefined,
      })),
    });
    assert.deepEqual(
      lines.map((each) => [each.kind, each.title]),
      [
        ['other', '1 repository · a change of its own'],
        ['other', '1 · a change of its own'],
        ['other', '1 · a change of its own'],
      ],
    );
  });

  it('calls a group that nothing flags and that varies nothing a different change', () => {
    const [main, variant] = OVERVIEW_CHANGES.groups;
    const lines = groupLines({
      ...OVERVIEW_CHANGES,
      groups: [main!, { ...variant!, variantOf: undefined }],
      flagged: [],
    });
    assert.equal(lines[1]!.title, '1 · a different change');
  });

  it('counts reviews with the parts that are not zero', () => {
    assert.equal(reviewedText({ approved: 0, rejected: 0, unreviewed: 4 }), '0 of 4 reviewed');
    assert.equal(reviewedText({ approved: 2, rejected: 1, unreviewed: 1 }), '3 of 4 reviewed · 2 approved, 1 rejected');
  });

  it('shows a group with each member’s review of its current attempt, and nothing for a group that is gone', () => {
    const rows = [
      {
        repositoryName: 'acme/a',
        attempt: 2,
        review: { state: 'approved' as const, attempt: 2, reviewedAt: '2026-12-04T10:00:00.000Z' },
      },
      {
        repositoryName: 'acme/b',
        attempt: 2,
        review: { state: 'approved' as const, attempt: 1, reviewedAt: '2026-12-04T10:00:00.000Z' },
      },
    ];
    assert.deepEqual(groupShown(OVERVIEW_CHANGES, 'a'.repeat(64), rows), {
      fingerprint: 'a'.repeat(64),
      title: '2 repositories · the same change',
      kind: 'main',
      representative: 'acme/a',
      members: [
        // With the digest the job's changes gave each: what Approve group sends back.
        { repositoryName: 'acme/a', state: 'approved', digest: 'd'.repeat(64) },
        { repositoryName: 'acme/b', state: 'unreviewed', digest: 'e'.repeat(64) },
      ],
    });
    assert.equal(groupShown(OVERVIEW_CHANGES, 'f'.repeat(64), rows), undefined);
    // The others are all reviewed: from the main group nothing is next; from the outlier, round to the main one.
    assert.deepEqual(groupShown(OVERVIEW_CHANGES, 'c'.repeat(64), rows)?.next, {
      fingerprint: 'a'.repeat(64),
      title: '2 repositories · the same change',
    });
  });

  it('shows which of a group’s other surroundings this reviewer opened', () => {
    const [main, ...rest] = OVERVIEW_CHANGES.groups;
    const changes = {
      ...OVERVIEW_CHANGES,
      groups: [
        { ...main!, surroundings: [{ repositories: ['acme/b'] }, { repositories: ['acme/x', 'acme/y'] }] },
        ...rest,
      ],
    };
    assert.deepEqual(groupShown(changes, 'a'.repeat(64), [], ['ACME/Y'])?.surroundings, [
      { repositories: ['acme/b'], opened: false },
      { repositories: ['acme/x', 'acme/y'], opened: true },
    ]);
    const [line] = groupLines(changes);
    assert.equal(line!.surroundings, 2);
    assert.match(line!.surroundingsNote!, /2 members have the change with other code around it; open each/);
  });
});
