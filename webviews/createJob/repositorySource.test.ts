import assert from 'node:assert/strict';
import { checkDraft } from '../../common/jobDraft';
import { EMPTY_QUERY } from '../../common/createJobDraft';
import { previewKey } from '../../common/jobDraftSections';
import type { ResolveRepositoriesRequest } from '../../common/schemas';
import { renderForm } from '../../test/helpers/createJobForm';
import type { PreviewReply } from './repositorySource';

// The repository source of the Create Job form: a list or a query, the query's Preview (count,
// notes, names) and names removed from it before the job is created.

function queryForm(reply: PreviewReply = RESOLVED) {
  const requests: ResolveRepositoriesRequest[] = [];
  const form = renderForm(undefined, {
    previewRepositories: async (request) => {
      requests.push(request);
      return reply;
    },
  });
  form.type('name', 'Adopt v2');
  form.check('source-query');
  return { ...form, requests };
}

/** The query form with `owners: acme` previewed. */
async function previewedForm() {
  const form = queryForm();
  form.type('query-owners', 'acme');
  await form.click('#preview-repositories');
  return form;
}

const RESOLVED: PreviewReply = {
  ok: true,
  count: 3,
  repositories: ['acme/api', 'acme/web', 'acme/worker'],
  notes: ['1 fork left out'],
};

describe('Create Job form: repositories from a query (DOM)', () => {
  it('shows the query fields instead of the list once the user picks a query', async () => {
    const form = renderForm();
    assert.equal(form.hidden('#repository-query'), true, 'a list by default');
    assert.equal(form.hidden('#repositories'), false);
    form.check('source-query');
    assert.equal(form.hidden('#repository-query'), false);
    assert.equal(form.hidden('#repositories'), true, 'the list field is hidden');
    assert.equal(form.hidden('#add-from-workspace'), true, 'and its buttons');
    assert.equal(form.drafts.at(-1)!.repositorySource, 'query', 'the choice is kept with the draft');
    await form.close();
  });

  it('previews the query: the count, the notes and the names', async () => {
    const form = queryForm();
    form.type('query-owners', 'acme, acme-labs');
    form.type('query-exclude', '-legacy$');
    form.check('query-includeForks');
    await form.click('#preview-repositories');
    assert.deepEqual(form.requests, [
      { repositoryQuery: { owners: ['acme', 'acme-labs'], exclude: '-legacy$', includeForks: true } },
    ]);
    assert.match(form.text('#preview-summary'), /The query gives 3 repositories\./);
    assert.deepEqual(form.texts('#preview-notes li'), ['1 fork left out']);
    assert.deepEqual(form.texts('#preview-list li .name'), ['acme/api', 'acme/web', 'acme/worker']);
    await form.close();
  });

  it('without removals the job keeps its query; a removed name makes it the list of the names kept', async () => {
    const form = await previewedForm();

    await form.click('#submit');
    const asQuery = checkDraft(form.submitted.at(-1)!);
    assert.ok(asQuery.ok);
    assert.deepEqual(asQuery.request.repositoryQuery, {
      owners: ['acme'],
      includeArchived: false,
      includeForks: false,
    });
    assert.equal(asQuery.request.repositories, undefined);

    await form.click('#preview-list li[data-repository="acme/web"] button.remove');
    assert.deepEqual(form.texts('#preview-list li .name'), ['acme/api', 'acme/worker']);
    assert.match(form.text('#preview-summary'), /1 removed, 2 repositories will run, as a list/);
    assert.match(form.text('#preview-removed'), /Removed: acme\/web\./);
    assert.equal(
      form.dom.document.activeElement,
      form.$('#preview-list li[data-repository="acme/worker"] button.remove'),
      'the keyboard stays on the list, at the next name',
    );

    await form.click('#submit');
    const asList = checkDraft(form.submitted.at(-1)!);
    assert.ok(asList.ok);
    assert.deepEqual(asList.request.repositories, ['acme/api', 'acme/worker']);
    assert.equal(asList.request.repositoryQuery, undefined);

    await form.click('#preview-restore');
    assert.equal(form.dom.root.querySelectorAll('#preview-list li').length, 3);
    await form.close();
  });

  it('forgets a preview (and its removals) once the query changes', async () => {
    const form = await previewedForm();
    await form.click('#preview-list li[data-repository="acme/web"] button.remove');
    form.type('query-owners', 'acme globex');
    assert.equal(form.hidden('#preview'), true);
    assert.match(form.text('#preview-status'), /The query changed: Preview again/);
    const checked = checkDraft(form.drafts.at(-1)!);
    assert.ok(checked.ok);
    assert.deepEqual(checked.request.repositoryQuery?.owners, ['acme', 'globex'], 'the query, not the old list');
    await form.close();
  });

  it("checks the query with the API's schema before asking, and says why on the field", async () => {
    const form = queryForm();
    await form.click('#preview-repositories');
    assert.match(form.text('#repositoryQuery-error'), /give at least one of owners, topics, search or codeSearch/);
    form.type('query-owners', 'acme ../etc');
    form.type('query-include', '(a)\\1');
    await form.click('#preview-repositories');
    assert.deepEqual(form.requests, [], 'nothing was sent');
    assert.match(form.text('#query-owners-error'), /"\.\.\/etc" is not an owner/);
    assert.match(form.text('#query-include-error'), /uses a back-reference \(\\1\), which the linear-time engine/);
    assert.equal(form.$('#query-include').getAttribute('aria-invalid'), 'true');
    await form.close();
  });

  it("shows a refused query in the API's words, and no names", async () => {
    const message = 'The local folder host cannot search by topic: name owners instead';
    const form = queryForm({ ok: false, message, fieldErrors: { repositoryQuery: message } });
    form.type('query-topics', 'payments');
    await form.click('#preview-repositories');
    assert.equal(form.hidden('#preview-error'), false);
    assert.equal(form.text('#preview-error'), message);
    assert.equal(form.hidden('#preview'), true);
    await form.close();
  });

  it('a restored draft keeps its preview and the names removed', async () => {
    const query = { ...EMPTY_QUERY, owners: 'acme' };
    const form = renderForm({
      name: 'Saved',
      repositorySource: 'query',
      query,
      preview: { key: previewKey(query), count: 2, repositories: ['acme/a', 'acme/b'], notes: [], removed: ['acme/b'] },
    });
    assert.equal(form.$('#source-query').checked, true);
    assert.equal(form.$('#query-owners').value, 'acme');
    assert.deepEqual(form.texts('#preview-list li .name'), ['acme/a']);
    await form.close();
  });

  it("puts the API's refusal of a submitted query on the query", async () => {
    const message = 'The repositoryQuery matches no repositories on the local folder host: change it';
    const form = renderForm(undefined, {
      submit: async () => ({ ok: false, fieldErrors: { repositoryQuery: message }, message }),
    });
    form.type('name', 'Adopt v2');
    form.check('source-query');
    form.type('query-owners', 'nobody');
    await form.click('#submit');
    assert.equal(form.text('#repositoryQuery-error'), message);
    assert.equal(form.hidden('#form-error'), true, 'not as a message about the whole form');
    await form.close();
  });
});
