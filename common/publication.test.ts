import assert from 'node:assert/strict';
import { sampleRepository } from '../test/helpers/jobs';
import { publicationResults } from './publication';

describe('a publish’s results, as its rows end', () => {
  it('turns each queued repository into done (with its pull request) or failed (with why)', () => {
    const at = '2026-12-04T10:00:00Z';
    const pullRequest = {
      url: 'https://github.com/acme/a/pull/1',
      number: 1,
      state: 'open' as const,
      checks: 'none' as const,
      review: 'none' as const,
      mergeable: null,
      updatedAt: at,
    };
    const rows = [
      sampleRepository({
        repositoryName: 'acme/a',
        publication: { status: 'published', runId: 'r', requestedAt: at },
        pullRequest,
      }),
      sampleRepository({
        repositoryName: 'acme/b',
        publication: {
          status: 'failed',
          runId: 'r',
          requestedAt: at,
          error: { code: 'PUSH_FAILED', message: 'the host refused the push' },
        },
      }),
    ];
    const results = publicationResults(
      [
        { repositoryName: 'acme/a', outcome: 'queued' },
        { repositoryName: 'acme/b', outcome: 'queued' },
        { repositoryName: 'acme/c', outcome: 'skipped', reason: 'has a pull request already' },
      ],
      rows,
    );
    assert.deepEqual(results, [
      { repositoryName: 'acme/a', outcome: 'done', pullRequest },
      { repositoryName: 'acme/b', outcome: 'failed', reason: 'PUSH_FAILED: the host refused the push' },
      { repositoryName: 'acme/c', outcome: 'skipped', reason: 'has a pull request already' },
    ]);
  });
});
