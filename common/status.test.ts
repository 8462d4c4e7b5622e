import assert from 'node:assert/strict';
import {
  canTransitionJob,
  canTransitionRepository,
  finalJobStatus,
  jobStatusesBefore,
  repositoryStatusesBefore,
} from './status';

const counts = (
  over: Partial<Record<'pending' | 'running' | 'completed' | 'noChanges' | 'failed' | 'cancelled', number>>,
) => ({
  total: 0,
  pending: 0,
  running: 0,
  completed: 0,
  noChanges: 0,
  failed: 0,
  cancelled: 0,
  ...over,
});

describe('status rules', () => {
  it('follow the design’s repository lifecycle', () => {
    assert.ok(canTransitionRepository('PENDING', 'RUNNING'));
    assert.ok(canTransitionRepository('PENDING', 'CANCELLED'));
    assert.ok(canTransitionRepository('FAILED', 'PENDING'), 'retry');
    assert.ok(canTransitionRepository('CANCELLED', 'PENDING'), 'retry');
    assert.ok(!canTransitionRepository('COMPLETED', 'PENDING'), 'a completed repository is never re-run');
    assert.ok(!canTransitionRepository('PENDING', 'COMPLETED'), 'nothing completes without running');
    assert.deepEqual(repositoryStatusesBefore('CANCELLED'), ['PENDING', 'RUNNING']);
  });

  it('follow the design’s job lifecycle', () => {
    assert.ok(canTransitionJob('RUNNING', 'CANCELLING'));
    assert.ok(canTransitionJob('CANCELLING', 'CANCELLED'));
    assert.ok(!canTransitionJob('CANCELLING', 'COMPLETED'), 'a cancel in progress ends CANCELLED');
    assert.ok(canTransitionJob('COMPLETED_WITH_ERRORS', 'RUNNING'), 'retry');
    assert.deepEqual(jobStatusesBefore('CANCELLING'), ['PENDING', 'RUNNING']);
  });

  it('finish a job only when nothing is pending or running', () => {
    assert.equal(finalJobStatus('RUNNING', counts({ running: 1, completed: 3 })), undefined);
    assert.equal(finalJobStatus('RUNNING', counts({ completed: 2, noChanges: 1 })), 'COMPLETED');
    assert.equal(finalJobStatus('RUNNING', counts({ completed: 2, failed: 1 })), 'COMPLETED_WITH_ERRORS');
    assert.equal(finalJobStatus('RUNNING', counts({ failed: 2, cancelled: 1 })), 'FAILED');
    assert.equal(finalJobStatus('CANCELLING', counts({ completed: 3 })), 'CANCELLED');
    assert.equal(finalJobStatus('COMPLETED', counts({ completed: 3 })), undefined, 'already final');
  });
});
