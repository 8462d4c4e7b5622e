import assert from 'node:assert/strict';
import type { CreateJobDraft } from '../../common/webviewProtocol';
import { makeDom } from '../../test/helpers/dom';
import { renderCreateJobForm, type FormActions } from './form';

// The form's own logic in a DOM. The @vscode-elements components are not registered here, so the
// controls are plain elements with a `value`; what is tested is what the form does with them.

type Control = HTMLElement & { value: string; checked: boolean };

function setup(draft?: Partial<CreateJobDraft>) {
  const dom = makeDom();
  const submitted: CreateJobDraft[] = [];
  const actions: FormActions = {
    pickWorkspaceRepositories: async () => ['acme/widgets', 'acme/billing'],
    loadRepositoriesFromFile: async () => ({ repositories: [], skipped: [] }),
    submit: async (value) => {
      submitted.push(value);
      return { ok: true };
    },
    cancel: () => undefined,
    draftChanged: () => undefined,
  };
  renderCreateJobForm(dom.root, { prompt: 'Replace oldFunction(x)', draft }, actions);
  const control = (id: string) => dom.root.querySelector(`#${id}`) as Control;
  const type = (id: string, value: string) => {
    control(id).value = value;
    control(id).dispatchEvent(new dom.window.Event('input') as unknown as Event);
  };
  const click = async (id: string) => {
    control(id).click();
    await new Promise((resolve) => setTimeout(resolve, 10));
  };
  return { dom, submitted, control, type, click };
}

describe('Create Job form (DOM)', () => {
  it('prefills the prompt from the editor selection', async () => {
    const form = setup();
    assert.equal(form.control('prompt').value, 'Replace oldFunction(x)');
    await form.dom.close();
  });

  it('shows the API schema\'s message for an invalid repository and sends nothing', async () => {
    const form = setup();
    form.type('name', 'Update API calls');
    form.type('repositories', 'acme/widgets\n../etc/passwd\n');
    await form.click('submit');
    assert.deepEqual(form.submitted, []);
    assert.equal(form.dom.root.querySelector('#repositories-error')!.textContent, 'line 2: "../etc/passwd" is not a GitHub repository in the form owner/name');
    assert.equal(form.control('repositories').getAttribute('aria-invalid'), 'true');
    await form.dom.close();
  });

  it('submits a valid command job once the user switches to a shell command', async () => {
    const form = setup();
    form.type('name', 'Sleepy');
    (form.control('mode-command') as Control).checked = true;
    form.control('mode-command').dispatchEvent(new form.dom.window.Event('change') as unknown as Event);
    assert.equal((form.dom.root.querySelector('[data-field="prompt"]') as HTMLElement).hidden, true);
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
});
