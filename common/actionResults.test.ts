import assert from 'node:assert/strict';
import { bulkProgressText, summarizeResults } from './actionResults';

describe('a job action’s results', () => {
  it('sums up what was done and lists each repository not done with why', () => {
    const summary = summarizeResults(
      [
        { repositoryName: 'acme/a', outcome: 'done' },
        { repositoryName: 'acme/b', outcome: 'skipped', reason: 'checks failing' },
        { repositoryName: 'acme/c', outcome: 'failed', reason: 'refused by the host' },
      ],
      { done: 'Merged', things: 'pull requests', jobName: 'Adopt v2' },
    );
    assert.equal(summary.message, 'Merged 1 of 3 pull requests of "Adopt v2"; 2 not done.');
    assert.equal(summary.level, 'warning');
    assert.deepEqual(
      summary.notDone.map((entry) => `${entry.repositoryName}: ${entry.reason}`),
      ['acme/b: checks failing', 'acme/c: refused by the host'],
    );
    assert.equal(summary.lines[1], 'acme/b: skipped — checks failing');
  });

  it('counts a queued publish as done, and says when nothing matched', () => {
    const words = { done: 'Published', things: 'repositories', jobName: 'J' };
    const queued = summarizeResults([{ repositoryName: 'acme/a', outcome: 'queued' }], words);
    assert.equal(queued.message, 'Published 1 of 1 repositories of "J".');
    assert.equal(queued.level, 'info');
    assert.equal(summarizeResults([], words).message, 'No repositories of "J" matched; nothing was done.');
  });

  it('shows a wait for the host’s rate limit in the progress line', () => {
    assert.equal(bulkProgressText({ done: 3, remaining: 7 }), '3 done, 7 to go');
    assert.equal(
      bulkProgressText({ done: 3, remaining: 7, waitingSeconds: 60, reason: 'secondary rate limit' }),
      '3 done, 7 to go · waiting 60 s: secondary rate limit',
    );
  });
});
