import assert from 'node:assert/strict';
import { sampleRepository } from '../../test/helpers/jobs';
import {
  FILTER_OPTIONS,
  filterFromOptions,
  filterHas,
  filterText,
  isEmptyFilter,
  matchesFilter,
  optionCounts,
} from './repositoryFilter';

const pull = (state: 'open' | 'merged', checks: 'passing' | 'failing') => ({
  url: 'https://github.com/acme/x/pull/1',
  number: 1,
  state,
  checks,
  review: 'none' as const,
  mergeable: true,
  updatedAt: '2026-12-04T10:00:00Z',
});

const rows = [
  sampleRepository({ repositoryName: 'acme/failed', status: 'FAILED', error: { code: 'CLONE_FAILED', message: 'x' } }),
  sampleRepository({
    repositoryName: 'acme/approved',
    status: 'COMPLETED',
    review: { state: 'approved', attempt: 1, reviewedAt: '2026-12-04T09:00:00Z' },
  }),
  sampleRepository({ repositoryName: 'acme/green', status: 'COMPLETED', pullRequest: pull('open', 'passing') }),
  sampleRepository({ repositoryName: 'acme/red', status: 'COMPLETED', pullRequest: pull('open', 'failing') }),
  sampleRepository({ repositoryName: 'acme/merged', status: 'COMPLETED', pullRequest: pull('merged', 'passing') }),
];

const shown = (filter: Parameters<typeof matchesFilter>[1]) =>
  rows.filter((row) => matchesFilter(row, filter)).map((row) => row.repositoryName);

describe('filtering a job’s repositories in the tree', () => {
  it('matches any value of a kind and every kind chosen', () => {
    assert.deepEqual(
      shown(undefined),
      rows.map((row) => row.repositoryName),
    );
    assert.deepEqual(shown({ run: ['failed'] }), ['acme/failed']);
    assert.deepEqual(shown({ review: ['approved'] }), ['acme/approved']);
    assert.deepEqual(shown({ pullRequest: ['none'], run: ['changed'] }), ['acme/approved']);
    assert.deepEqual(shown({ pullRequest: ['open', 'merged'] }), ['acme/green', 'acme/red', 'acme/merged']);
    assert.deepEqual(shown({ pullRequest: ['open'], checks: ['failing'] }), ['acme/red']);
    assert.deepEqual(shown({ checks: ['passing'] }), ['acme/green', 'acme/merged'], 'no checks without a pull request');
  });

  it('builds the filter from the quick pick and says it in words', () => {
    const chosen = FILTER_OPTIONS.filter((option) =>
      ['approved', 'rejected', 'PR open', 'checks failing'].includes(option.label),
    );
    const filter = filterFromOptions(chosen);
    assert.deepEqual(filter, { review: ['approved', 'rejected'], pullRequest: ['open'], checks: ['failing'] });
    assert.equal(filterText(filter), 'approved or rejected, PR open, checks failing');
    assert.ok(filterHas(filter, { kind: 'review', value: 'rejected' }));
    assert.ok(!filterHas(filter, { kind: 'review', value: 'unreviewed' }));
    assert.ok(isEmptyFilter(filterFromOptions([])));
    assert.equal(filterText({}), '');
  });

  it('counts each choice for the pick, so the states no repository has can be left out', () => {
    const counts = optionCounts(rows);
    assert.equal(counts.get('run:changed'), 4);
    assert.equal(counts.get('run:failed'), 1);
    assert.equal(counts.get('run:running'), 0);
    assert.equal(counts.get('pullRequest:open'), 2);
    assert.equal(counts.get('checks:failing'), 1);
    assert.equal(counts.get('pullRequest:closed'), 0);
  });
});
