import assert from 'node:assert/strict';
import type { RepositoryResult } from '../../common/schemas';
import { sampleJob, sampleRepository } from '../../test/helpers/jobs';
import {
  groupRepositories,
  repositoryLabel,
  repositoryState,
  verificationSummary,
} from '../../common/repositoryStates';
import { repositoryAccessibilityLabel, repositoryTreeDescription } from './present';

// The grouped tree of a 40-repository job, the labels the tree's Find matches, and a failed
// verification as a state of its own.

const failedVerification = { command: 'npm test', passed: false, rounds: 3, outputTail: '1 failing' };

/** 30 changed (one failing verification), 7 without changes, 3 failed (2 clone, 1 command). */
function fortyRows(): RepositoryResult[] {
  const rows: RepositoryResult[] = [];
  const name = (i: number) => `acme/repo-${String(i).padStart(2, '0')}`;
  for (let i = 0; i < 40; i++) {
    if (i < 30)
      rows.push(
        sampleRepository({
          repositoryName: name(i),
          status: 'COMPLETED',
          diffStats: { files: 1, additions: 2, deletions: 1 },
          verification: i === 4 ? failedVerification : undefined,
        }),
      );
    else if (i < 37) rows.push(sampleRepository({ repositoryName: name(i), status: 'NO_CHANGES' }));
    else
      rows.push(
        sampleRepository({
          repositoryName: name(i),
          status: 'FAILED',
          error: { code: i === 39 ? 'COMMAND_FAILED' : 'CLONE_FAILED', message: 'no' },
        }),
      );
  }
  return rows;
}

describe('tree states and groups', () => {
  it('groups a job into states with counts, what needs attention first, failures by error code', () => {
    const groups = groupRepositories(fortyRows());
    assert.deepEqual(
      groups.map((group) => group.label),
      ['Failed (3)', 'Verify failed (1)', 'Changed (29)', 'No changes (7)'],
    );
    assert.deepEqual(
      groups[0]!.codes!.map((code) => [code.code, code.repositories.map((row) => row.repositoryName)]),
      [
        ['CLONE_FAILED', ['acme/repo-37', 'acme/repo-38']],
        ['COMMAND_FAILED', ['acme/repo-39']],
      ],
    );
    assert.deepEqual(
      groups[1]!.repositories.map((row) => row.repositoryName),
      ['acme/repo-04'],
    );
  });

  it('calls the pending rows of a SAMPLED job waiting', () => {
    const rows = [sampleRepository({ status: 'PENDING' }), sampleRepository({ status: 'COMPLETED' })];
    const job = sampleJob({ status: 'SAMPLED' });
    assert.deepEqual(
      groupRepositories(rows, job).map((group) => group.label),
      ['Waiting (1)', 'Changed (1)'],
    );
    assert.equal(repositoryLabel(rows[0]!, job), 'acme/widgets · waiting');
  });

  it('puts the state and error code in the label, which is what the tree’s Find matches', () => {
    const labels = fortyRows().map((row) => repositoryLabel(row));
    const find = (text: string) => labels.filter((label) => label.toLowerCase().includes(text.toLowerCase()));
    assert.equal(find('failed').length, 4, 'three failed and one whose verification failed');
    assert.deepEqual(find('CLONE_FAILED'), [
      'acme/repo-37 · failed · CLONE_FAILED',
      'acme/repo-38 · failed · CLONE_FAILED',
    ]);
    assert.deepEqual(find('verify failed'), ['acme/repo-04 · verify failed']);
    assert.equal(find('changed').length, 29);
    assert.equal(find('no changes').length, 7);
  });

  it('never shows a failed verification as success, and keeps the state out of the description', () => {
    const claude = sampleRepository({
      status: 'COMPLETED',
      diffStats: { files: 1, additions: 1, deletions: 1 },
      verification: failedVerification,
    });
    const command = sampleRepository({
      status: 'FAILED',
      error: { code: 'VERIFY_FAILED', message: 'npm test failed' },
      diffStats: { files: 2, additions: 3, deletions: 0 },
    });
    for (const row of [claude, command]) {
      assert.equal(repositoryState(row), 'verifyFailed');
      assert.match(repositoryLabel(row), / · verify failed$/);
    }
    // The description holds what the label does not: the kept change's size, attempts.
    assert.equal(repositoryTreeDescription({ ...command, attempt: 2 }), '+3 −0 · attempt 2 of 2');
    assert.equal(
      repositoryAccessibilityLabel({ ...command, attempt: 2 }),
      'acme/widgets · verify failed, +3 −0 · attempt 2 of 2',
    );
    assert.deepEqual(verificationSummary([claude, command, sampleRepository({ status: 'COMPLETED' })]), {
      failing: 2,
      failedRows: 1,
    });
  });
});
