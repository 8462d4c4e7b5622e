import assert from 'node:assert/strict';
import { OVERVIEW_JOB, OVERVIEW_ROWS } from './fixture';
import { groupFailures, overviewModel } from './model';

const values = (list: { key: string; value: number }[]) => Object.fromEntries(list.map((c) => [c.key, c.value]));

describe('Job overview: its numbers', () => {
  it('counts by run status, review and pull-request state, with the cost', () => {
    const model = overviewModel(OVERVIEW_JOB, OVERVIEW_ROWS);
    assert.deepEqual(values(model.run), {
      completed: 4,
      noChanges: 0,
      failed: 3,
      cancelled: 0,
      running: 0,
      pending: 0,
    });
    // Only what can be reviewed is unreviewed: the three failures are not reviewable.
    assert.deepEqual(values(model.review), { approved: 3, rejected: 0, unreviewed: 1, notReviewable: 3 });
    assert.deepEqual(values(model.pullRequests), { open: 2, draft: 0, merged: 1, closed: 0 });
    assert.equal(values(model.checks).checksFailing, 1);
    assert.equal(model.costUsd, 1.234);
    assert.equal(model.active, false);
  });

  it('counts reviews and pull requests from the rows for a job that does not carry them', () => {
    const pr = {
      url: 'u',
      number: 1,
      checks: 'failing' as const,
      review: 'none' as const,
      mergeable: true,
      updatedAt: '',
    };
    const rows = [
      {
        ...OVERVIEW_ROWS[0]!,
        pullRequest: undefined,
        review: { state: 'approved' as const, attempt: 1, reviewedAt: '' },
      },
      // A review of an earlier attempt does not count for this one.
      {
        ...OVERVIEW_ROWS[1]!,
        pullRequest: undefined,
        attempt: 2,
        review: { state: 'approved' as const, attempt: 1, reviewedAt: '' },
      },
      { ...OVERVIEW_ROWS[2]!, pullRequest: { ...pr, state: 'open' as const } },
      { ...OVERVIEW_ROWS[3]!, pullRequest: { ...pr, state: 'merged' as const } },
    ];
    const model = overviewModel({ ...OVERVIEW_JOB, reviewCounts: undefined, pullRequestCounts: undefined }, rows);
    assert.deepEqual(values(model.review), { approved: 2, rejected: 0, unreviewed: 2, notReviewable: 3 });
    assert.deepEqual(values(model.pullRequests), { open: 1, draft: 0, merged: 1, closed: 0 });
    assert.equal(values(model.checks).checksFailing, 1, 'checks count only open pull requests');
  });

  it("counts pull requests from every row when it has them, over the job's counts of its last refresh", () => {
    // A publish opened two since the last refresh counted none; with every row the page says two.
    const stale = { ...OVERVIEW_JOB.pullRequestCounts!, open: 0, merged: 0, checksPassing: 0, checksFailing: 0 };
    const job = { ...OVERVIEW_JOB, pullRequestCounts: stale };
    assert.deepEqual(values(overviewModel(job, OVERVIEW_ROWS).pullRequests), {
      open: 2,
      draft: 0,
      merged: 1,
      closed: 0,
    });
    // With only some rows (a very large job), the job's counts are all there is to go by.
    assert.deepEqual(values(overviewModel(job, OVERVIEW_ROWS.slice(0, 2)).pullRequests), {
      open: 0,
      draft: 0,
      merged: 0,
      closed: 0,
    });
  });

  it('groups failures by error code, the largest first, and opens a kept change as a diff', () => {
    const failedVerify = {
      ...OVERVIEW_ROWS[0]!,
      repositoryName: 'acme/claude-verify',
      verification: { command: 'npm test', passed: false, rounds: 2, outputTail: '' },
    };
    const groups = groupFailures([...OVERVIEW_ROWS, failedVerify]);
    assert.deepEqual(
      groups.map((group) => [group.code, group.repositories.map((r) => `${r.repositoryName}:${r.view}`)]),
      [
        ['CLONE_FAILED', ['acme/clone-1:log', 'acme/clone-2:log']],
        ['VERIFY_FAILED', ['acme/claude-verify:diff', 'acme/verify:diff']],
      ],
    );
  });

  it('is active while the job runs or a publish is under way', () => {
    assert.equal(overviewModel({ ...OVERVIEW_JOB, status: 'RUNNING' }, []).active, true);
    const publishing = {
      ...OVERVIEW_ROWS[0]!,
      publication: { status: 'queued' as const, runId: 'r', requestedAt: '' },
    };
    assert.equal(overviewModel(OVERVIEW_JOB, [publishing]).active, true);
  });

  it('for a large job read without every row: counts from the job, failures listed as read, a note says so', () => {
    const failed = OVERVIEW_ROWS.filter((row) => row.status === 'FAILED').slice(0, 2);
    const large = {
      ...OVERVIEW_JOB,
      counts: { ...OVERVIEW_JOB.counts, total: 5_000, failed: 10, completed: 4_990 },
      pullRequestCounts: { ...OVERVIEW_JOB.pullRequestCounts!, open: 7, publishing: 3 },
    };
    const model = overviewModel(large, failed);
    assert.equal(values(model.run).completed, 4_990);
    assert.equal(values(model.pullRequests).open, 7, 'the job’s pull-request counts');
    assert.equal(model.active, true, 'a publish under way, by the job’s count');
    assert.equal(model.failuresNote, 'Listing 2 of 10 failed repositories.');
    assert.equal(overviewModel(OVERVIEW_JOB, OVERVIEW_ROWS).failuresNote, undefined, 'a job read whole lists all');
  });
});
