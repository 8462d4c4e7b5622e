import assert from 'node:assert/strict';
import { checkDraft } from './jobDraft';
import { fieldErrorsFromApi } from './jobDraftSections';
import { createJobRequestSchema, describeIssues, sampleSizeProblem } from './schemas';
import type { CreateJobDraft } from './webviewProtocol';

// An API 400 as the Create Job form's field errors: the message is the API's own (describeIssues
// over the request schema, as backend/api/middleware/body.ts answers), cut at its field paths.

const refusal = (body: Record<string, unknown>) => {
  const parsed = createJobRequestSchema().safeParse(body);
  assert.ok(!parsed.success);
  return describeIssues(parsed.error);
};

describe('the API refusal of a Create Job body, on the form fields', () => {
  it('puts each part of a refused body on the field its path names', () => {
    const message = refusal({
      name: 'Adopt v2',
      prompt: 'p',
      repositoryQuery: { owners: ['acme', '../x'], include: 'a(?=b)' },
      createPullRequests: true,
      pullRequest: { title: 'Adopt {{jobname}}', reviewers: ['bob!'], branch: 'adopt/{{summary}}' },
      sample: { size: 0 },
    });
    const errors = fieldErrorsFromApi('VALIDATION_FAILED', message, { repositorySource: 'query' });
    assert.deepEqual(Object.keys(errors).sort(), [
      'pr-branch',
      'pr-reviewers',
      'pr-title',
      'query-include',
      'query-owners',
      'sample',
    ]);
    assert.match(errors['query-owners']!, /^"\.\.\/x" is not an owner/);
    assert.match(errors['query-include']!, /^uses a lookahead/);
    // A message may hold "; " itself: it stays whole.
    assert.match(
      errors['pr-title']!,
      /^uses an unknown placeholder \{\{jobname\}\}; the placeholders are \{\{job\.name\}\}/,
    );
    assert.equal(errors.sample, 'must be at least 1');
    assert.match(errors['pr-branch']!, /unknown placeholder \{\{summary\}\}/, 'a branch is named before the summary');
  });

  it("reads the route's own refusals, and puts a refused query on the query", () => {
    const sample = fieldErrorsFromApi('VALIDATION_FAILED', `sample.size: ${sampleSizeProblem(2, 2)}`, {});
    assert.deepEqual(sample, { sample: sampleSizeProblem(2, 2) });
    const refused = 'The repositoryQuery matches no repositories on the local folder host: change it';
    assert.deepEqual(fieldErrorsFromApi('QUERY_REFUSED', refused, {}), { repositoryQuery: refused });
    const tooLarge = 'The job is too large to store (500 KB of at most 400 KB): shorten the prompt';
    assert.deepEqual(fieldErrorsFromApi('VALIDATION_FAILED', tooLarge, {}), { form: tooLarge });
  });

  it('shows the list and the prompt where the user typed them', () => {
    const message = refusal({ name: 'x', command: '', repositories: ['acme/a', 'ACME/a'] });
    const errors = fieldErrorsFromApi('VALIDATION_FAILED', message, { mode: 'command' });
    assert.match(errors.command!, /must not be empty/);
    assert.match(errors.repositories!, /listed twice/);
    const fromQuery = fieldErrorsFromApi('VALIDATION_FAILED', message, { mode: 'command', repositorySource: 'query' });
    assert.match(fromQuery.repositoryQuery!, /listed twice/, "a query's kept names are not the list field");
  });
});

describe('commands, setup and notes per repository, from the draft to the body and back', () => {
  const draft = (overrides: Partial<CreateJobDraft>): CreateJobDraft => ({
    name: 'Upgrade lodash',
    description: '',
    mode: 'prompt',
    prompt: 'Upgrade lodash and fix what breaks',
    command: '',
    verifyCommand: '',
    repositories: 'acme/widgets\nacme/web-app\n',
    createPullRequests: false,
    draftPullRequests: false,
    baseBranch: '',
    maxCostUsd: '',
    ...overrides,
  });

  it('puts allowCommands, setupCommand and repositoryInstructions into the body the API accepts', () => {
    const checked = checkDraft(
      draft({
        allowCommands: true,
        setupCommand: 'npm ci',
        repositoryInstructions: 'acme/web-app: use pnpm\n',
      }),
    );
    assert.ok(checked.ok);
    assert.equal(checked.request.allowCommands, true);
    assert.equal(checked.request.setupCommand, 'npm ci');
    assert.deepEqual(checked.request.repositoryInstructions, { 'acme/web-app': 'use pnpm' });
    const json = checkDraft(draft({ repositoryInstructions: '{"acme/widgets": "line one\\nline two"}' }));
    assert.ok(json.ok);
    assert.deepEqual(json.request.repositoryInstructions, { 'acme/widgets': 'line one\nline two' });
  });

  it('sends neither commands nor notes with a command job, and leaves blank fields out', () => {
    const checked = checkDraft(
      draft({ mode: 'command', command: 'npm i lodash@4', allowCommands: true, repositoryInstructions: 'acme/x: y' }),
    );
    assert.ok(checked.ok);
    assert.equal(checked.request.allowCommands, false);
    assert.equal(checked.request.repositoryInstructions, undefined);
    const blank = checkDraft(draft({ setupCommand: '  ', repositoryInstructions: '\n# nothing yet\n' }));
    assert.ok(blank.ok);
    assert.equal(blank.request.setupCommand, undefined);
    assert.equal(blank.request.repositoryInstructions, undefined);
  });

  it('puts a refused note on the notes field, with the line the user typed it on', () => {
    const notes = 'acme/widgets: fine\nglobex/site: not in the job\n';
    // As the route answers after resolving a query (backend/api/routes/jobs.ts).
    const message = `repositoryInstructions.globex/site: "globex/site" is not one of the job's repositories`;
    const errors = fieldErrorsFromApi('VALIDATION_FAILED', message, draft({ repositoryInstructions: notes }));
    assert.deepEqual(errors, { repositoryInstructions: `line 2: "globex/site" is not one of the job's repositories` });

    const schema = refusal({
      name: 'x',
      command: 'true',
      repositories: ['acme/widgets'],
      allowCommands: true,
      setupCommand: ' ',
      repositoryInstructions: { 'acme/widgets': 'note' },
    });
    const mapped = fieldErrorsFromApi('VALIDATION_FAILED', schema, { mode: 'command' });
    assert.deepEqual(Object.keys(mapped).sort(), ['allowCommands', 'repositoryInstructions', 'setupCommand']);
    assert.match(mapped.allowCommands!, /applies to prompt jobs only/);
    assert.match(mapped.setupCommand!, /must not be empty/);
  });
});
