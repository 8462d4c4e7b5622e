import assert from 'node:assert/strict';
import { sampleDraft, sampleJob, type TestJob } from '../test/helpers/jobs';
import { checkDraft, draftFromJob, mergeRepositories, parseRepositoryList } from './jobDraft';

const draft = sampleDraft;

describe('Create Job form checks (the API schema)', () => {
  it('turns a good draft into the API body', () => {
    const result = checkDraft(draft({ verifyCommand: 'npm test', maxCostUsd: '2.5', createPullRequests: true }));
    assert.ok(result.ok);
    assert.deepEqual(result.request.repositories, ['acme/widgets', 'acme/gadgets']);
    assert.equal(result.request.prompt, 'Replace oldFunction with newFunction');
    assert.equal(result.request.command, undefined, 'the hidden command field is not sent');
    assert.equal(result.request.maxCostUsd, 2.5);
    assert.equal(result.request.draftPullRequests, true);
    const withoutPullRequests = checkDraft(draft({ createPullRequests: false, draftPullRequests: true }));
    assert.ok(withoutPullRequests.ok);
    assert.equal(withoutPullRequests.request.draftPullRequests, false, 'draft only with pull requests');
  });

  it("names the line of an invalid repository, with the API's message", () => {
    const result = checkDraft(draft({ repositories: 'acme/widgets\n\nnot a repo/../x\n' }));
    assert.equal(result.ok, false);
    assert.equal(
      (result as { fieldErrors: Record<string, string> }).fieldErrors.repositories,
      'line 3: "not a repo/../x" is not a repository in the form owner/name',
    );
  });

  it('reports empty fields and duplicates on the field the user sees', () => {
    const result = checkDraft(draft({ name: '  ', mode: 'command', command: '', repositories: 'acme/a\nACME/a' }));
    assert.equal(result.ok, false);
    const errors = (result as { fieldErrors: Record<string, string> }).fieldErrors;
    assert.match(errors.name!, /must not be empty/);
    assert.match(errors.command!, /must not be empty|exactly one/);
    assert.match(errors.repositories!, /listed twice/);
    assert.equal(errors.prompt, undefined);
  });

  it('reads repository lists with comments, commas and blank lines, and merges without repeats', () => {
    assert.deepEqual(parseRepositoryList('acme/a, acme/b\n# a comment\n\n acme/c # trailing\n'), [
      'acme/a',
      'acme/b',
      'acme/c',
    ]);
    assert.equal(mergeRepositories('acme/a\n', ['ACME/a', 'acme/b']), 'acme/a\nacme/b\n');
    assert.equal(mergeRepositories('', ['acme/b']), 'acme/b\n');
  });
});

/** The job's rows as Run Again reads them: names, and each one's note. */
function rowsOf(job: TestJob, notes: Record<string, string> = {}) {
  return job.names.repositories.map((repositoryName) => ({ repositoryName, note: notes[repositoryName] }));
}

describe('draftFromJob (Run Again…)', () => {
  it('fills the form with the task as last revised, and passes the API’s checks unchanged', () => {
    const job = sampleJob({
      name: 'Adopt v2',
      prompt: 'first prompt',
      verifyCommand: 'npm test',
      taskRevisions: [{ revision: 2, prompt: 'better prompt', verifyCommand: 'npm test', createdAt: '2026-01-01' }],
      repositories: ['acme/widgets', 'acme/gadgets'],
    });
    const filled = draftFromJob(job, rowsOf(job));
    assert.equal(filled.name, 'Adopt v2 (again)', 'a new name, so the two jobs can be told apart');
    assert.equal(draftFromJob({ ...job, name: 'Adopt v2 (again)' }, rowsOf(job)).name, 'Adopt v2 (again 2)');
    assert.equal(draftFromJob({ ...job, name: 'Adopt v2 (again 2)' }, rowsOf(job)).name, 'Adopt v2 (again 3)');
    assert.equal(filled.mode, 'prompt');
    assert.equal(filled.prompt, 'better prompt');
    assert.equal(filled.verifyCommand, 'npm test');
    assert.equal(filled.repositories, 'acme/widgets\nacme/gadgets\n');
    const checked = checkDraft({ ...draft(), ...filled });
    assert.equal(checked.ok, true);
    assert.deepEqual(parseRepositoryList(draftFromJob(job, rowsOf(job), ['acme/gadgets']).repositories!), [
      'acme/gadgets',
    ]);
  });

  it('fills the sections: query, sample, pull-request templates, setup command, commands and notes', () => {
    const job = sampleJob({
      prompt: 'Adopt v2',
      repositories: ['acme/widgets', 'acme/gadgets', 'acme/gizmos'],
      repositoryQuery: { owners: ['acme'], topics: ['node'], includeArchived: false, includeForks: true },
      sample: { size: 1 },
      createPullRequests: true,
      pullRequest: {
        title: '{{job.name}} in {{repository}}',
        branch: 'adopt-v2/{{repository}}',
        commitMessage: 'Adopt v2 in {{repository}}',
        labels: ['cody-batch', 'good first'],
        reviewers: ['ann'],
        draft: true,
      },
      allowCommands: true,
      setupCommand: 'npm ci',
    });
    const notes = { 'acme/widgets': 'use pnpm' };
    const filled = draftFromJob(job, rowsOf(job, notes));
    assert.equal(filled.repositorySource, 'query');
    assert.equal(filled.query?.owners, 'acme');
    assert.equal(filled.query?.includeForks, true);
    assert.equal(filled.sample, '1');
    assert.equal(filled.pullRequest?.labels, 'cody-batch, good first');
    assert.equal(filled.pullRequest?.branch, 'adopt-v2/{{repository}}');
    assert.equal(filled.draftPullRequests, true, "the settings' draft is the form's As drafts box");
    const checked = checkDraft({ ...draft(), ...filled });
    assert.ok(checked.ok, JSON.stringify(checked));
    assert.deepEqual(checked.request.repositoryQuery?.owners, ['acme']);
    assert.equal(checked.request.repositories, undefined, 'the job runs again by its query');
    assert.deepEqual(checked.request.sample, { size: 1 });
    assert.deepEqual(checked.request.pullRequest, {
      title: '{{job.name}} in {{repository}}',
      branch: 'adopt-v2/{{repository}}',
      commitMessage: 'Adopt v2 in {{repository}}',
      labels: ['cody-batch', 'good first'],
      reviewers: ['ann'],
    });
    assert.equal(checked.request.allowCommands, true);
    assert.equal(checked.request.setupCommand, 'npm ci');
    assert.deepEqual(checked.request.repositoryInstructions, { 'acme/widgets': 'use pnpm' });

    const failed = draftFromJob(job, rowsOf(job, notes), ['acme/gadgets']);
    assert.equal(failed.repositorySource, undefined, 'a subset runs as a list');
    assert.equal(failed.sample, undefined, 'unsampled');
    assert.equal(failed.repositoryInstructions, undefined, 'no note for a repository that does not run again');
    assert.ok(checkDraft({ ...draft(), ...failed }).ok);
  });
});
