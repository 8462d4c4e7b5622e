import assert from 'node:assert/strict';
import { ApiError } from './client';
import type { RepositoryResult } from './schemas';
import { droppedText, revisionText } from './patchRevisionText';
import { revisionShown, saveRevision } from './patchRevisions';

const row: RepositoryResult = {
  jobId: 'j',
  repositoryName: 'acme/a',
  status: 'COMPLETED',
  attempt: 1,
  usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 },
};

describe('Patch revisions in the diff view', () => {
  it('shows the current revision unless another one that exists is asked for', () => {
    assert.deepEqual(revisionShown({}, undefined), { shown: 0, current: 0 });
    assert.deepEqual(revisionShown({ patchRevision: 2 }, undefined), { shown: 2, current: 2 });
    assert.deepEqual(revisionShown({ patchRevision: 2 }, 0), { shown: 0, current: 2 });
    assert.deepEqual(revisionShown({ patchRevision: 2 }, 7), { shown: 2, current: 2 });
  });

  it('says which revision is shown, of how many, and that the others are read-only', () => {
    assert.equal(revisionText({ shown: 0, current: 0 }), undefined);
    assert.equal(revisionText({ shown: 2, current: 2 }), 'Revision 2 of 2: hunks left out by a reviewer');
    assert.equal(revisionText({ shown: 1, current: 2 }), 'Revision 1 of 2, read-only');
    assert.match(
      revisionText({ shown: 0, current: 1 })!,
      /^The original diff \(revision 0; the current one is revision 1\)/,
    );
  });

  it('counts what a revision leaves out', () => {
    assert.equal(droppedText([{ path: 'a', hunks: [0, 2] }, { path: 'b' }]), '2 hunks and 1 file');
    assert.equal(droppedText([{ path: 'a', hunks: [1] }]), '1 hunk');
  });

  it('says a saved revision resets the review, and a refused one why, without throwing', async () => {
    const saved = await saveRevision(async () => ({ ...row, patchRevision: 1 }), 'acme/a', {
      basedOn: 0,
      drop: [{ path: 'a', hunks: [0] }],
    });
    assert.equal(saved.done, true);
    assert.match(saved.message, /^Saved revision 1 of acme\/a: 1 hunk left out\. Its review was reset/);
    const refused = await saveRevision(
      async () => {
        throw new ApiError(409, 'PATCH_LOCKED', 'acme/a has a pull request holding attempt 1');
      },
      'acme/a',
      { basedOn: 0, drop: [{ path: 'a' }] },
    );
    assert.deepEqual(refused, {
      done: false,
      message:
        'Not saved: the patch can take no new revision now — acme/a has a pull request holding attempt 1 (PATCH_LOCKED).',
    });
    const stale = await saveRevision(
      async () => {
        throw new ApiError(409, 'PATCH_CHANGED', 'acme/a is at revision 2, not 1');
      },
      'acme/a',
      { basedOn: 1, drop: [{ path: 'a' }] },
    );
    assert.equal(stale.done, false);
    assert.equal(!stale.done && stale.stale, true, 'the view is to show the current revision');
    await assert.rejects(
      saveRevision(
        async () => {
          throw new ApiError(0, 'UNREACHABLE', 'no answer');
        },
        'acme/a',
        { basedOn: 0, drop: [{ path: 'a' }] },
      ),
      /no answer/,
    );
  });
});
