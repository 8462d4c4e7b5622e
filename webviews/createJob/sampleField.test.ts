import assert from 'node:assert/strict';
import { checkDraft } from '../../common/jobDraft';
import { renderForm } from '../../test/helpers/createJobForm';

// The Create Job form's sample size: how many repositories run first, checked against the number
// of repositories the form knows (the list, or what Preview showed).

describe('Create Job form: sample first (DOM)', () => {
  it('sends the sample size, checked against the listed repositories', async () => {
    const form = renderForm();
    form.type('name', 'Try it first');
    form.type('repositories', 'acme/a\nacme/b\nacme/c\n');
    assert.match(form.text('[data-field="sample"] .hint'), /Fewer than the 3 repositories\./);
    form.type('sample', '3');
    await form.click('#submit');
    assert.deepEqual(form.submitted, [], 'nothing is sent');
    assert.match(form.text('#sample-error'), /must be less than the number of repositories \(3\)/);
    assert.equal(form.$('#sample').getAttribute('aria-invalid'), 'true');

    form.type('sample', 'two');
    assert.equal(form.text('#sample-error'), 'must be a whole number of repositories');

    form.type('sample', '2');
    assert.equal(form.text('#sample-error'), '');
    await form.click('#submit');
    const checked = checkDraft(form.submitted.at(-1)!);
    assert.ok(checked.ok);
    assert.deepEqual(checked.request.sample, { size: 2 });
    await form.close();
  });

  it('checks a sample of a query against the names Preview showed and kept', async () => {
    const form = renderForm(undefined, {
      previewRepositories: async () => ({ ok: true, count: 3, repositories: ['acme/a', 'acme/b', 'acme/c'] }),
    });
    form.type('name', 'Try it first');
    form.check('source-query');
    form.type('query-owners', 'acme');
    assert.match(form.text('[data-field="sample"] .hint'), /Preview the query to see how many it gives/);
    form.type('sample', '3');
    await form.click('#submit');
    assert.equal(form.submitted.length, 1, 'without a preview the API checks the size');

    await form.click('#preview-repositories');
    assert.match(form.text('[data-field="sample"] .hint'), /Fewer than the 3 repositories\./);
    await form.click('#submit');
    assert.equal(form.submitted.length, 1, 'with one, the form does');
    assert.match(form.text('#sample-error'), /must be less than the number of repositories \(3\)/);

    form.type('sample', '2');
    await form.click('#preview-list li[data-repository="acme/b"] button.remove');
    assert.match(form.text('#sample-error'), /must be less than the number of repositories \(2\)/, 'of those kept');
    form.type('sample', '1');
    await form.click('#submit');
    const checked = checkDraft(form.submitted.at(-1)!);
    assert.ok(checked.ok);
    assert.deepEqual(checked.request.sample, { size: 1 });
    assert.deepEqual(checked.request.repositories, ['acme/a', 'acme/c']);
    await form.close();
  });

  it('leaves the sample out when the field is empty', async () => {
    const form = renderForm({ name: 'All at once', repositories: 'acme/a\nacme/b\n' });
    await form.click('#submit');
    const checked = checkDraft(form.submitted.at(-1)!);
    assert.ok(checked.ok);
    assert.equal(checked.request.sample, undefined);
    await form.close();
  });
});
