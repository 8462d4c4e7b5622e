import assert from 'node:assert/strict';
import type { RepositoryResult } from './schemas';
import { sampleJob, sampleRepository } from '../test/helpers/jobs';
import { neighbour, nextUnreviewed, progressText, reviewOrder, reviewProgress } from './reviewQueue';

// Where the diff view goes next: the job's COMPLETED repositories in the tree's order, the next
// one without a review after an approval, and the progress line.

const at = '2026-01-01T00:00:00.000Z';
const row = (name: string, overrides: Partial<RepositoryResult> = {}) =>
  sampleRepository({ repositoryName: name, status: 'COMPLETED', ...overrides });
const approved = (attempt = 1) => ({ state: 'approved' as const, attempt, reviewedAt: at });

describe('the review queue of the diff view', () => {
  const job = sampleJob({ status: 'COMPLETED_WITH_ERRORS' });
  const rows = [
    row('acme/a'),
    row('acme/b', { status: 'FAILED' }),
    row('acme/c', { verification: { command: 'npm test', passed: false, rounds: 2, outputTail: '' } }),
    row('acme/d', { status: 'NO_CHANGES' }),
    row('acme/e', { review: approved() }),
  ];

  it('goes through the COMPLETED repositories in the order the tree shows them', () => {
    // Grouped, "Verify failed" comes before "Changed"; flat, the API's order.
    assert.deepEqual(
      reviewOrder(rows, job, true).map((r) => r.repositoryName),
      ['acme/c', 'acme/a', 'acme/e'],
    );
    assert.deepEqual(
      reviewOrder(rows, job, false).map((r) => r.repositoryName),
      ['acme/a', 'acme/c', 'acme/e'],
    );
  });

  it('moves on to the next unreviewed repository, round to the top, and to none when all are reviewed', () => {
    const order = reviewOrder(rows, job, false);
    assert.equal(nextUnreviewed(order, 'acme/a')?.repositoryName, 'acme/c');
    assert.equal(nextUnreviewed(order, 'acme/c')?.repositoryName, 'acme/a', 'acme/e is approved; round to acme/a');
    assert.equal(nextUnreviewed(order, 'acme/b')?.repositoryName, 'acme/a', 'from outside the order: the first');
    const done = order.map((r) => ({ ...r, review: approved() }));
    assert.equal(nextUnreviewed(done, 'acme/a'), undefined);
    // A review of an earlier attempt is no review of this one.
    const retried = done.map((r) => (r.repositoryName === 'acme/e' ? { ...r, attempt: 2 } : r));
    assert.equal(nextUnreviewed(retried, 'acme/a')?.repositoryName, 'acme/e');
  });

  it('steps to the previous and next repository, going round at the ends as Approve does', () => {
    const order = reviewOrder(rows, job, false);
    assert.equal(neighbour(order, 'acme/a', 'next')?.repositoryName, 'acme/c');
    assert.equal(neighbour(order, 'acme/c', 'previous')?.repositoryName, 'acme/a');
    assert.equal(neighbour(order, 'acme/a', 'previous')?.repositoryName, 'acme/e', 'round to the last');
    assert.equal(neighbour(order, 'acme/e', 'next')?.repositoryName, 'acme/a', 'round to the first');
    assert.equal(neighbour(order, 'acme/b', 'next')?.repositoryName, 'acme/a');
    assert.equal(neighbour([row('acme/only')], 'acme/only', 'next'), undefined, 'one repository: nowhere to go');
  });

  it('says how many are reviewed', () => {
    const order = reviewOrder(rows, job, false);
    assert.equal(progressText(reviewProgress(order)), '1 of 3 reviewed · 1 approved, 0 rejected');
    assert.equal(progressText(reviewProgress([row('acme/x')])), '0 of 1 reviewed');
  });
});
