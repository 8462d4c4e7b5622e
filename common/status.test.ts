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
    assert.ok(canTransitionRepository('COMPLETED', 'PENDING'), 'a continue with a revised task re-runs a sample');
    assert.ok(canTransitionRepository('NO_CHANGES', 'PENDING'), 'a continue with a revised task re-runs a sample');
    assert.ok(!canTransitionRepository('COMPLETED', 'RUNNING'), 'a completed repository runs again only from PENDING');
    assert.ok(!canTransitionRepository('PENDING', 'COMPLETED'), 'nothing completes without running');
    assert.deepEqual(repositoryStatusesBefore('CANCELLED'), ['PENDING', 'RUNNING']);
  });

  it('follow the design’s job lifecycle', () => {
    assert.ok(canTransitionJob('RUNNING', 'CANCELLING'));
    assert.ok(canTransitionJob('CANCELLING', 'CANCELLED'));
    assert.ok(!canTransitionJob('CANCELLING', 'COMPLETED'), 'a cancel in progress ends CANCELLED');
    assert.ok(canTransitionJob('COMPLETED_WITH_ERRORS', 'RUNNING'), 'retry');
    assert.deepEqual(jobStatusesBefore('CANCELLING'), ['PENDING', 'RUNNING', 'SAMPLED']);
    assert.deepEqual(jobStatusesBefore('SAMPLED'), ['PENDING', 'RUNNING']);
    assert.ok(canTransitionJob('SAMPLED', 'RUNNING'), 'continue');
    assert.ok(!canTransitionJob('SAMPLED', 'COMPLETED'), 'a sample ends only by a continue or a cancel');
  });

  it('stop a sample’s job SAMPLED once only its held-back rows are pending', () => {
    assert.equal(finalJobStatus('RUNNING', counts({ pending: 3, running: 1, completed: 1 }), 3), undefined);
    assert.equal(finalJobStatus('RUNNING', counts({ pending: 4, completed: 1 }), 3), undefined, 'one to start');
    assert.equal(finalJobStatus('RUNNING', counts({ pending: 3, completed: 1, failed: 1 }), 3), 'SAMPLED');
    assert.equal(
      finalJobStatus('PENDING', counts({ pending: 3, failed: 2 }), 3),
      'SAMPLED',
      'the sample never started',
    );
    assert.equal(finalJobStatus('SAMPLED', counts({ pending: 3, completed: 2 }), 3), undefined, 'already there');
    assert.equal(finalJobStatus('CANCELLING', counts({ cancelled: 3, completed: 2 }), 3), 'CANCELLED');
    assert.equal(finalJobStatus('RUNNING', counts({ completed: 5 }), 0), 'COMPLETED', 'continued: as any job');
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
