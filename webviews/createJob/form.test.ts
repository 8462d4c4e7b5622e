import assert from 'node:assert/strict';
import { draftFromJob } from '../../common/jobDraft';
import { sampleJob } from '../../test/helpers/jobs';
import type { CreateJobDraft } from '../../common/webviewProtocol';
import { renderForm } from '../../test/helpers/createJobForm';
import { makeDom } from '../../test/helpers/dom';
import { renderCreateJobForm } from './form';

// The form's own logic in a DOM (test/helpers/createJobForm.ts): the @vscode-elements components
// are not registered, so the controls are plain elements with a `value`; what is tested is what the
// form does with them.

/** The form with two workspace repositories to pick, recording the offers it makes; controls by id. */
function setup(draft?: Partial<CreateJobDraft>, initialPrompt?: string) {
  const offers: (string | undefined)[] = [];
  const form = renderForm(
    draft,
    {
      pickWorkspaceRepositories: async () => ['acme/widgets', 'acme/billing'],
      offerChanged: (value) => offers.push(value),
    },
    initialPrompt,
  );
  return {
    ...form,
    offers,
    control: (id: string) => form.$(`#${id}`),
    click: (id: string) => form.click(`#${id}`),
  };
}

describe('Create Job form (DOM)', () => {
  it('prefills the prompt from the editor selection, with the Name field focused', async () => {
    const form = setup();
    assert.equal(form.control('prompt').value, 'Replace oldFunction(x)');
    assert.equal(form.dom.document.activeElement, form.control('name'), 'typing starts at the name');
    // An example in an empty field reads as an example, never as a value already typed.
    for (const field of ['name', 'repositories', 'pr-labels', 'pr-reviewers', 'query-owners'])
      assert.match(
        form.dom.root.querySelector(`#${field}`)?.getAttribute('placeholder') ?? '',
        /^e\.g\.\s/,
        `${field}'s placeholder`,
      );
    await form.dom.close();
  });

  it('is filled from an earlier job by Run Again…, every field, ready to submit', async () => {
    const job = sampleJob({
      name: 'Rename',
      description: 'Second try',
      prompt: undefined,
      command: "sed -i 's/a/b/' x",
      verifyCommand: 'npm test',
      repositories: ['acme/one', 'acme/two', 'acme/three'],
      createPullRequests: true,
      draftPullRequests: true,
      baseBranch: 'develop',
      maxCostUsd: 5,
    });
    const form = setup();
    form.type('name', 'typed before');
    const rows = job.names.repositories.map((repositoryName) => ({ repositoryName }));
    form.form.fill(draftFromJob(job, rows, ['acme/two', 'acme/three']));
    assert.equal(form.control('name').value, 'Rename (again)');
    assert.equal(form.control('mode-command').checked, true);
    assert.equal((form.dom.root.querySelector('[data-field="prompt"]') as HTMLElement).hidden, true);
    assert.equal(form.control('command').value, "sed -i 's/a/b/' x");
    assert.equal(form.control('verifyCommand').value, 'npm test');
    assert.equal(form.control('repositories').value, 'acme/two\nacme/three\n');
    assert.equal(form.control('createPullRequests').checked, true);
    assert.equal(form.control('draftPullRequests').checked, true);
    assert.equal(form.control('baseBranch').value, 'develop');
    assert.equal(form.control('maxCostUsd').value, '5');
    await form.click('submit');
    assert.equal(form.submitted.length, 1);
    assert.equal(form.submitted[0]!.description, 'Second try');
    await form.dom.close();
  });

  it('Run Again of a query job into an open form switches it to the query, and back to a list for a list job', async () => {
    const byQuery = sampleJob({
      name: 'By query',
      prompt: 'Adopt v2',
      repositories: ['acme/one', 'acme/two'],
      repositoryQuery: { owners: ['acme'], topics: ['node'], includeArchived: true, includeForks: false },
    });
    const form = setup();
    form.type('repositories', 'typed/before\n');
    const rows = byQuery.names.repositories.map((repositoryName) => ({ repositoryName }));
    form.form.fill(draftFromJob(byQuery, rows));
    assert.equal(form.control('source-query').checked, true, 'the query is chosen');
    assert.equal(form.control('source-list').checked, false);
    assert.equal(form.control('query-owners').value, 'acme');
    assert.equal(form.control('query-topics').value, 'node');
    assert.equal(form.control('query-includeArchived').checked, true);
    assert.equal(form.control('repository-query').hidden, false, 'and its fields shown');
    assert.equal(form.drafts.at(-1)!.repositorySource, 'query', 'the draft says so too');

    form.form.fill(draftFromJob(byQuery, rows, ['acme/two']));
    assert.equal(form.control('source-list').checked, true, 'a subset runs as a list');
    assert.equal(form.control('repositories').value, 'acme/two\n');
    assert.equal(form.control('query-owners').value, '', "the earlier job's query is gone");
    assert.equal(form.control('repository-query').hidden, true);
    await form.dom.close();
  });

  it("shows the API schema's message for an invalid repository and sends nothing", async () => {
    const form = setup();
    form.type('name', 'Update API calls');
    form.type('repositories', 'acme/widgets\n../etc/passwd\n');
    await form.click('submit');
    assert.deepEqual(form.submitted, []);
    assert.equal(
      form.dom.root.querySelector('#repositories-error')!.textContent,
      'line 2: "../etc/passwd" is not a repository in the form owner/name',
    );
    assert.equal(form.control('repositories').getAttribute('aria-invalid'), 'true');
    await form.dom.close();
  });

  it('submits a valid command job once the user switches to a shell command', async () => {
    const form = setup();
    form.type('name', 'Sleepy');
    form.control('mode-command').checked = true;
    form.control('mode-command').dispatchEvent(new form.dom.window.Event('change') as unknown as Event);
    assert.equal((form.dom.root.querySelector('[data-field="prompt"]') as HTMLElement).hidden, true);
    // Where it runs, and what without a sandbox: the form says so next to the field.
    assert.match(
      form.dom.root.querySelector('[data-field="command"] .hint')!.textContent!,
      /It runs in the command sandbox where the stack has one .*; without one, as you, with your rights/,
    );
    form.type('command', 'sleep 60');
    await form.click('add-from-workspace');
    assert.equal(form.control('repositories').value, 'acme/widgets\nacme/billing\n');
    await form.click('submit');
    assert.equal(form.submitted.length, 1);
    assert.equal(form.submitted[0]!.mode, 'command');
    assert.equal(form.submitted[0]!.command, 'sleep 60');
    assert.equal(form.dom.root.querySelector('#repositories-error')!.textContent, '');
    await form.dom.close();
  });

  it('restores a saved draft over the editor selection', async () => {
    const form = setup({ name: 'Saved', prompt: 'from the draft', repositories: 'acme/a\n' });
    assert.equal(form.control('name').value, 'Saved');
    assert.equal(form.control('prompt').value, 'from the draft');
    await form.dom.close();
  });

  describe('Create Job run again with a new selection while the form is open', () => {
    it('fills an empty prompt', async () => {
      const form = setup(undefined, '');
      form.form.offerPrompt('Rename fetchAll to fetchEvery');
      assert.equal(form.control('prompt').value, 'Rename fetchAll to fetchEvery');
      assert.equal(form.drafts.at(-1)!.prompt, 'Rename fetchAll to fetchEvery', 'kept in the draft');
      assert.equal((form.dom.root.querySelector('#prompt-offer') as HTMLElement).hidden, true, 'nothing to ask');
      await form.dom.close();
    });

    it('never overwrites a prompt with text: it offers Replace, Append or Dismiss', async () => {
      const form = setup();
      form.type('prompt', 'My draft, typed by hand');
      const notice = form.dom.root.querySelector('#prompt-offer') as HTMLElement;
      form.form.offerPrompt('Use newFunction(x, { version: 2 })\nin every file');
      assert.equal(form.control('prompt').value, 'My draft, typed by hand', 'the draft is untouched');
      assert.equal(notice.hidden, false);
      assert.match(notice.textContent!, /new selection.*“Use newFunction\(x, \{ version: 2 \}\)” \(2 lines\)/);
      assert.equal(
        form.offers.at(-1),
        'Use newFunction(x, { version: 2 })\nin every file',
        'the offer is kept with the page state',
      );

      await form.click('offer-append');
      assert.equal(
        form.control('prompt').value,
        'My draft, typed by hand\n\nUse newFunction(x, { version: 2 })\nin every file',
      );
      assert.equal(notice.hidden, true);
      assert.equal(form.offers.at(-1), undefined);
      assert.equal(form.drafts.at(-1)!.prompt, form.control('prompt').value);
      assert.equal(form.dom.document.activeElement, form.control('prompt'), 'the keyboard continues at the prompt');

      form.form.offerPrompt('Something else');
      await form.click('offer-replace');
      assert.equal(form.control('prompt').value, 'Something else');

      form.form.offerPrompt('Ignore me');
      await form.click('offer-dismiss');
      assert.equal(form.control('prompt').value, 'Something else');
      assert.equal(notice.hidden, true);
      await form.dom.close();
    });

    it('asks nothing when the selection is already the prompt, or empty', async () => {
      const form = setup();
      form.form.offerPrompt('Replace oldFunction(x)');
      form.form.offerPrompt('   ');
      assert.equal((form.dom.root.querySelector('#prompt-offer') as HTMLElement).hidden, true);
      assert.deepEqual(form.offers, []);
      await form.dom.close();
    });

    it('switches a shell-command draft to the prompt only when the user takes the selection', async () => {
      const form = setup({ mode: 'command', command: 'sed -i s/a/b/ x', prompt: 'old prompt' });
      form.form.offerPrompt('New prompt');
      assert.equal(form.control('mode-command').checked, true, 'the mode is left alone while it is only offered');
      await form.click('offer-replace');
      assert.equal(form.control('mode-prompt').checked, true);
      assert.equal(form.drafts.at(-1)!.mode, 'prompt');
      assert.equal(form.drafts.at(-1)!.command, 'sed -i s/a/b/ x', 'the command stays in the draft');
      await form.dom.close();
    });
  });

  it('words the query section in GitLab’s terms when the stack’s host is GitLab', async () => {
    const words = async (codeHost?: 'gitlab' | 'github') => {
      const dom = makeDom();
      const noop = async () => ({ ok: true as const });
      renderCreateJobForm(
        dom.root,
        { prompt: '', codeHost },
        {
          pickWorkspaceRepositories: async () => [],
          loadRepositoriesFromFile: async () => ({ repositories: [], skipped: [] }),
          submit: noop,
          cancel: () => undefined,
          draftChanged: () => undefined,
          offerChanged: () => undefined,
        },
      );
      const field = dom.root.querySelector('[data-field="query-owners"]')!;
      const found = {
        label: field.querySelector('[for="query-owners"]')!.textContent,
        hint: field.querySelector('.hint')!.textContent,
        query: dom.root.querySelector('#source-query')!.getAttribute('label'),
        list: dom.root.querySelector('#source-list')!.getAttribute('label'),
      };
      await dom.close();
      return found;
    };
    const gitlab = await words('gitlab');
    assert.equal(gitlab.label, 'Groups');
    assert.match(gitlab.hint!, /Groups \(with their subgroups\), subgroups such as acme\/platform, or users/);
    assert.deepEqual([gitlab.query, gitlab.list], ['A query: groups, topics, search', 'A list of group/project']);
    const general = await words();
    assert.equal(general.label, 'Owners');
    assert.match(general.hint!, /Organisations or users/);
    assert.deepEqual(await words('github'), general);
  });
});
