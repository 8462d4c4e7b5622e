import assert from 'node:assert/strict';
import { ActionTally, summarizeResults } from './actionResults';

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

  it('counts from the first second, names each result as it comes, and shows a wait for the host', () => {
    const tally = new ActionTally(19);
    assert.equal(tally.line(), '0 of 19 done', 'before any answer');
    const fresh = tally.add([
      { repositoryName: 'acme/a', outcome: 'done' },
      { repositoryName: 'acme/b', outcome: 'waiting', retryAfterSeconds: 60 },
    ]);
    assert.deepEqual(
      fresh.map((result) => result.repositoryName),
      ['acme/a'],
      'a repository still waiting is not a result yet',
    );
    assert.equal(tally.line(), '1 of 19 done · acme/a: done');
    tally.waiting(60, 'secondary rate limit');
    assert.equal(tally.line(), '1 of 19 done · acme/a: done · waiting 60 s: secondary rate limit');
    tally.add([{ repositoryName: 'acme/b', outcome: 'skipped', reason: 'checks failing' }]);
    assert.equal(tally.line(), '1 of 19 done · 1 not done · acme/b: skipped');
    assert.deepEqual(tally.add([{ repositoryName: 'acme/b', outcome: 'skipped' }]), [], 'each repository once');
  });
});
