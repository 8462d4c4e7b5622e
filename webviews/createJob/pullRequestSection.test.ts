import assert from 'node:assert/strict';
import { checkDraft } from '../../common/jobDraft';
import { PULL_REQUEST_PLACEHOLDERS } from '../../common/pullRequestTemplate';
import { renderForm } from '../../test/helpers/createJobForm';

// The Create Job form's pull-request section: the templates with their placeholders, a live
// preview of the title, the branch and commit message, labels, reviewers and team reviewers.

function withPullRequests() {
  const form = renderForm();
  form.type('name', 'Adopt v2');
  form.type('repositories', 'acme/widgets\nacme/gadgets\n');
  form.check('createPullRequests');
  return form;
}

describe('Create Job form: pull requests (DOM)', () => {
  it('shows the section only while pull requests are on', async () => {
    const form = renderForm();
    assert.equal(form.hidden('#pull-request-section'), true);
    form.check('createPullRequests');
    assert.equal(form.hidden('#pull-request-section'), false);
    form.check('createPullRequests', false);
    assert.equal(form.hidden('#pull-request-section'), true);
    await form.close();
  });

  it('lists every placeholder and inserts one in the template that had the focus last', async () => {
    const form = withPullRequests();
    const chips = [...form.dom.root.querySelectorAll('#pr-placeholders button')].map((chip) => chip.textContent);
    assert.deepEqual(
      chips,
      PULL_REQUEST_PLACEHOLDERS.map((name) => `{{${name}}}`),
    );
    form.type('pr-title', 'Adopt v2 in ');
    await form.click('#pr-placeholders button[data-placeholder="{{repository}}"]');
    assert.equal(form.$('#pr-title').value, 'Adopt v2 in {{repository}}', 'the title, by default');

    form.$('#pr-body').dispatchEvent(new form.dom.window.FocusEvent('focusin') as unknown as Event);
    await form.click('#pr-placeholders button[data-placeholder="{{summary}}"]');
    assert.equal(form.$('#pr-body').value, '{{summary}}');
    assert.equal(form.drafts.at(-1)!.pullRequest?.body, '{{summary}}', 'kept with the draft');
    await form.close();
  });

  it('previews the title for the first repository as the user types', async () => {
    const form = withPullRequests();
    assert.equal(form.text('#pr-title-preview'), 'Title for acme/widgets: Adopt v2', "the job's name by default");
    form.type('pr-title', '{{job.name}} in {{repository}}');
    assert.equal(form.text('#pr-title-preview'), 'Title for acme/widgets: Adopt v2 in acme/widgets');
    form.type('name', 'Rename oldFunction');
    assert.equal(form.text('#pr-title-preview'), 'Title for acme/widgets: Rename oldFunction in acme/widgets');
    form.type('pr-title', '{{summary}}');
    assert.match(form.text('#pr-title-preview'), /\(the summary and changes are examples\)$/);
    await form.close();
  });

  it('refuses an unknown placeholder and a reviewer who is no user name, on their fields', async () => {
    const form = withPullRequests();
    form.type('pr-title', 'Adopt {{jobname}}');
    form.type('pr-reviewers', 'alice, bob!');
    form.type('pr-branch', 'adopt/{{summary}}');
    await form.click('#submit');
    assert.deepEqual(form.submitted, []);
    assert.match(
      form.text('#pr-branch-error'),
      /unknown placeholder \{\{summary\}\}/,
      'a branch is named before the change',
    );
    assert.match(form.text('#pr-title-error'), /uses an unknown placeholder \{\{jobname\}\}; the placeholders are/);
    assert.match(form.text('#pr-reviewers-error'), /"bob!" is not a user name/);
    assert.equal(form.text('#pr-title-preview'), '', 'no preview of a title that cannot be made');
    await form.close();
  });

  it('sends the templates, branch, commit message, labels, reviewers, team reviewers and drafts', async () => {
    const form = withPullRequests();
    form.type('pr-title', '{{job.name}} in {{repository}}');
    form.type('pr-body', '{{summary}}\n\n{{diffstat}}');
    form.type('pr-labels', 'good first issue, batch');
    form.type('pr-reviewers', 'alice bob');
    form.type('pr-teamReviewers', 'platform');
    form.type('pr-branch', 'adopt-v2/{{repository}}');
    form.type('pr-commitMessage', 'Adopt v2\n\n{{summary}}');
    form.check('draftPullRequests');
    await form.click('#submit');
    const checked = checkDraft(form.submitted.at(-1)!);
    assert.ok(checked.ok);
    assert.deepEqual(checked.request.pullRequest, {
      title: '{{job.name}} in {{repository}}',
      body: '{{summary}}\n\n{{diffstat}}',
      branch: 'adopt-v2/{{repository}}',
      commitMessage: 'Adopt v2\n\n{{summary}}',
      labels: ['good first issue', 'batch'],
      reviewers: ['alice', 'bob'],
      teamReviewers: ['platform'],
    });
    assert.equal(checked.request.draftPullRequests, true);

    form.check('createPullRequests', false);
    await form.click('#submit');
    const without = checkDraft(form.submitted.at(-1)!);
    assert.ok(without.ok);
    assert.equal(without.request.pullRequest, undefined, 'without pull requests their settings are not sent');
    assert.equal(form.drafts.at(-1)!.pullRequest?.title, '{{job.name}} in {{repository}}', 'but kept in the draft');
    await form.close();
  });

  it("shows the API's refusal of a template on its field", async () => {
    const form = renderForm(undefined, {
      submit: async () => ({ ok: false, fieldErrors: { 'pr-title': 'must be one line' }, message: '' }),
    });
    form.type('name', 'Adopt v2');
    form.type('repositories', 'acme/widgets\nacme/gadgets\n');
    form.check('createPullRequests');
    await form.click('#submit');
    assert.equal(form.text('#pr-title-error'), 'must be one line');
    await form.close();
  });
});
