import assert from 'node:assert/strict';
import { sampleJob, sampleRepository } from '../test/helpers/jobs';
import { reviewOrder, reviewProgress } from './reviewQueue';
import { reviewTally } from './reviewCounts';
import type { RepositoryResult } from './schemas';

// The walk's 40-repository job: 34 changed, 6 failed or without changes. Once the 34 are reviewed
// the diff view, the overview and the tooltip all say nothing is left to review, and the 6 are
// "not reviewable", whether counted from the rows or from the job's counters.

const at = '2026-01-01T00:00:00.000Z';
const rows: RepositoryResult[] = Array.from({ length: 40 }, (_, i) =>
  sampleRepository({
    repositoryName: `acme/svc-${String(i).padStart(2, '0')}`,
    status: i < 34 ? 'COMPLETED' : i < 38 ? 'FAILED' : 'NO_CHANGES',
    ...(i < 34 ? { review: { state: 'approved' as const, attempt: 1, reviewedAt: at } } : {}),
  }),
);
const job = sampleJob({
  status: 'COMPLETED_WITH_ERRORS',
  counts: { total: 40, pending: 0, running: 0, completed: 34, noChanges: 2, failed: 4, cancelled: 0 },
  // As the API keeps them: every row starts unreviewed, failed ones included.
  reviewCounts: { approved: 34, rejected: 0, unreviewed: 6 },
});

describe('review counts that agree', () => {
  it('counts only what can be reviewed, from the rows and from the job alike', () => {
    const expected = { reviewable: 34, approved: 34, rejected: 0, unreviewed: 0, notReviewable: 6 };
    assert.deepEqual(reviewTally(job, rows), expected);
    assert.deepEqual(reviewTally(job), expected, 'from the counters alone');
    assert.deepEqual(reviewProgress(reviewOrder(rows, job, true)), {
      reviewed: 34,
      approved: 34,
      rejected: 0,
      total: 34,
    });
  });

  it('before any review: 34 to review, never 40', () => {
    const fresh = rows.map(({ review: _, ...row }) => row);
    const unreviewed = { ...job, reviewCounts: { approved: 0, rejected: 0, unreviewed: 40 } };
    assert.equal(reviewTally(unreviewed, fresh).unreviewed, 34);
    assert.equal(reviewTally(unreviewed).unreviewed, 34);
    assert.equal(reviewProgress(reviewOrder(fresh, unreviewed, true)).total, 34);
  });
});
