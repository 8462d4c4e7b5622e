import assert from 'node:assert/strict';
import type { PullRequestInfo } from '../common/schemas';
import { sampleRepository } from '../test/helpers/jobs';
import { openPullRequest, READY_WORDS, readyToMerge } from '../common/pullRequestCounts';
import { approvedUnpublished, namesList, publishable, targetsOf } from './pullRequestTargets';

const pr = (overrides: Partial<PullRequestInfo>): PullRequestInfo => ({
  url: 'https://github.com/acme/x/pull/1',
  number: 1,
  state: 'open',
  checks: 'passing',
  review: 'none',
  mergeable: true,
  updatedAt: '2026-12-04T10:00:00Z',
  ...overrides,
});
const approved = { state: 'approved' as const, attempt: 1, reviewedAt: '2026-12-04T09:00:00Z' };

describe('which repositories a job action takes', () => {
  const rows = [
    sampleRepository({ repositoryName: 'acme/ready', status: 'COMPLETED', pullRequest: pr({}) }),
    sampleRepository({ repositoryName: 'acme/no-checks', status: 'COMPLETED', pullRequest: pr({ checks: 'none' }) }),
    sampleRepository({ repositoryName: 'acme/red', status: 'COMPLETED', pullRequest: pr({ checks: 'failing' }) }),
    sampleRepository({
      repositoryName: 'acme/asked',
      status: 'COMPLETED',
      pullRequest: pr({ review: 'changes_requested' }),
    }),
    sampleRepository({ repositoryName: 'acme/conflict', status: 'COMPLETED', pullRequest: pr({ mergeable: false }) }),
    sampleRepository({ repositoryName: 'acme/draft', status: 'COMPLETED', pullRequest: pr({ state: 'draft' }) }),
    sampleRepository({ repositoryName: 'acme/merged', status: 'COMPLETED', pullRequest: pr({ state: 'merged' }) }),
    sampleRepository({ repositoryName: 'acme/approved', status: 'COMPLETED', review: approved }),
    sampleRepository({
      repositoryName: 'acme/rejected',
      status: 'COMPLETED',
      review: { ...approved, state: 'rejected' },
    }),
    sampleRepository({ repositoryName: 'acme/plain', status: 'COMPLETED' }),
    sampleRepository({ repositoryName: 'acme/failed', status: 'FAILED' }),
  ];
  const names = (choose: (row: (typeof rows)[number]) => boolean) =>
    rows.filter(choose).map((row) => row.repositoryName);

  it('merges only open pull requests with passing (or no) checks, no changes requested and no conflict', () => {
    assert.deepEqual(names(readyToMerge), ['acme/ready', 'acme/no-checks']);
  });

  it('closes and comments on open and draft ones', () => {
    assert.deepEqual(names(openPullRequest), [
      'acme/ready',
      'acme/no-checks',
      'acme/red',
      'acme/asked',
      'acme/conflict',
      'acme/draft',
    ]);
  });

  it('publishes completed repositories without a pull request, never rejected ones', () => {
    assert.deepEqual(names(publishable), ['acme/approved', 'acme/plain']);
    assert.deepEqual(names(approvedUnpublished), ['acme/approved']);
  });

  it('narrows by the tree’s filter and says so', () => {
    const targets = targetsOf(rows, readyToMerge, `ready: ${READY_WORDS}`, { checks: ['passing'] });
    assert.deepEqual(
      targets.rows.map((row) => row.repositoryName),
      ['acme/ready'],
    );
    assert.equal(
      targets.description,
      'ready: open, checks passing or none, no changes requested; only those the tree shows: checks passing',
    );
  });

  it('lists at most twenty names in a confirmation', () => {
    const many = Array.from({ length: 23 }, (_, i) => sampleRepository({ repositoryName: `acme/r${i}` }));
    const lines = namesList(many).split('\n');
    assert.equal(lines.length, 21);
    assert.equal(lines.at(-1), '… and 3 more');
    assert.equal(namesList(many.slice(0, 2)), 'acme/r0\nacme/r1');
  });
});
