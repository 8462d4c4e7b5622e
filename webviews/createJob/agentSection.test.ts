import assert from 'node:assert/strict';
import { checkDraft } from '../../common/jobDraft';
import type { CreateJobDraft } from '../../common/webviewProtocol';
import { renderForm } from '../../test/helpers/createJobForm';

// The Create Job form's "In each checkout" section: Claude may run commands (prompt jobs), a setup
// command (both modes), and notes per repository, checked against the repositories the form knows.

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

const sent = (submitted: CreateJobDraft[]) => {
  const checked = checkDraft(submitted.at(-1)!);
  assert.ok(checked.ok, checked.ok ? '' : checked.message);
  return checked.request;
};

describe('Create Job form: commands, setup and notes per repository (DOM)', () => {
  it('sends allowCommands, the setup command and the notes of a prompt job', async () => {
    const form = renderForm();
    form.type('name', 'Upgrade lodash');
    form.type('repositories', 'acme/widgets\nacme/gadgets\n');
    assert.equal(form.$('#allowCommands').checked, false, 'off by default');
    assert.match(form.text('[data-field="allowCommands"] .hint'), /Its commands run in the command sandbox/);
    form.check('allowCommands');
    form.type('setupCommand', 'npm ci');
    form.type(
      'repositoryInstructions',
      'acme/widgets: use pnpm, not npm\n\n# none for gadgets\nACME/Gadgets: run make first\n',
    );
    await form.click('#submit');
    const request = sent(form.submitted);
    assert.equal(request.allowCommands, true);
    assert.equal(request.setupCommand, 'npm ci');
    assert.deepEqual(request.repositoryInstructions, {
      'acme/widgets': 'use pnpm, not npm',
      'ACME/Gadgets': 'run make first',
    });
    await form.close();
  });

  it('says what holds around the commands: the sandbox, or a warning with the line that installs it', async () => {
    const unavailable = renderForm(
      {},
      {
        sandbox: async () => ({
          mode: 'auto',
          state: 'unavailable',
          message:
            'The command sandbox is unavailable here (bubblewrap (bwrap) not installed): commands run with your user’s rights, and jobs that let Claude run commands are refused.',
          install: 'sudo apt-get install -y bubblewrap socat ripgrep',
          defaultAllowedHosts: [],
        }),
      },
    );
    await settle();
    assert.equal(unavailable.hidden('#sandbox-state'), false);
    assert.equal(unavailable.$('#sandbox-state').className, 'notice error');
    assert.match(
      unavailable.text('#sandbox-state'),
      /^No command sandbox\. .*unavailable.*Install it with: sudo apt-get install -y bubblewrap socat ripgrep$/,
    );
    assert.match(
      unavailable.text('[data-field="allowCommands"]'),
      /This stack refuses it until the sandbox is installed\./,
    );
    await unavailable.close();

    const on = renderForm(
      {},
      {
        sandbox: async () => ({
          mode: 'auto',
          state: 'on',
          message: 'Commands run in the sandbox.',
          defaultAllowedHosts: [],
        }),
      },
    );
    await settle();
    assert.equal(on.text('#sandbox-state'), 'Command sandbox. Commands run in the sandbox.');
    assert.equal(on.$('#sandbox-state').className, 'notice');
    assert.doesNotMatch(on.text('[data-field="allowCommands"]'), /refuses it until/);
    await on.close();
  });

  it('sends the allowed hosts of a job with commands, and refuses them on one without', async () => {
    const form = renderForm({ name: 'Hosts', repositories: 'acme/widgets\n' });
    form.type('allowHosts', 'registry.example.com');
    await form.click('#submit');
    assert.match(form.text('#allowHosts-error'), /applies to jobs that run commands/);
    form.type('verifyCommand', 'npm test');
    await form.click('#submit');
    assert.deepEqual(sent(form.submitted).sandbox, { allowHosts: ['registry.example.com'] });
    await form.close();
  });

  it('shows commands and notes for prompt jobs only, and sends only the setup command of a command job', async () => {
    const form = renderForm({ name: 'Rename', repositories: 'acme/widgets\n' });
    form.check('allowCommands');
    form.type('repositoryInstructions', 'acme/widgets: a note');
    form.type('setupCommand', 'npm ci');
    form.check('mode-command');
    form.type('command', "sed -i 's/a/b/' x");
    assert.equal(form.hidden('#allowCommands'), true);
    assert.equal(form.hidden('#repositoryInstructions'), true);
    assert.equal(form.hidden('#setupCommand'), false);
    await form.click('#submit');
    const request = sent(form.submitted);
    assert.equal(request.allowCommands, false, 'the API refuses commands on a command job');
    assert.equal(request.repositoryInstructions, undefined);
    assert.equal(request.setupCommand, 'npm ci');
    await form.close();
  });

  it('names the line of a note it cannot read, or for a repository not in the list, and sends nothing', async () => {
    const form = renderForm({ name: 'Upgrade lodash', repositories: 'acme/widgets\n' });
    form.type('repositoryInstructions', 'acme/widgets: fine\nuse pnpm everywhere\n');
    await form.click('#submit');
    assert.deepEqual(form.submitted, []);
    assert.match(form.text('#repositoryInstructions-error'), /^line 2: write the repository, a colon, then the note/);
    assert.equal(form.$('#repositoryInstructions').getAttribute('aria-invalid'), 'true');

    form.type('repositoryInstructions', 'acme/widgets: fine\nacme/gadgets: not in the job\n');
    assert.equal(
      form.text('#repositoryInstructions-error'),
      `line 2: "acme/gadgets" is not one of the job's repositories`,
    );
    form.type('repositories', 'acme/widgets\nacme/gadgets\n');
    assert.equal(form.text('#repositoryInstructions-error'), '', 'the list now holds it');
    await form.click('#submit');
    assert.deepEqual(Object.keys(sent(form.submitted).repositoryInstructions ?? {}), ['acme/widgets', 'acme/gadgets']);
    await form.close();
  });

  it("checks a query's notes against what Preview showed, and leaves them to the API without one", async () => {
    const form = renderForm(undefined, {
      previewRepositories: async () => ({ ok: true, count: 2, repositories: ['acme/a', 'acme/b'] }),
    });
    form.type('name', 'Upgrade lodash');
    form.check('source-query');
    form.type('query-owners', 'acme');
    form.type('repositoryInstructions', 'globex/site: elsewhere');
    await form.click('#submit');
    assert.equal(form.submitted.length, 1, 'without a preview the API checks the names');
    await form.click('#preview-repositories');
    await form.click('#submit');
    assert.equal(form.submitted.length, 1, 'with one, the form does');
    assert.equal(
      form.text('#repositoryInstructions-error'),
      `line 1: "globex/site" is not one of the job's repositories`,
    );
    await form.close();
  });

  it('loads a draft saved before these fields, and restores one saved with them', async () => {
    const old = renderForm({ name: 'Old draft', repositories: 'acme/a\n' });
    assert.equal(old.$('#allowCommands').checked, false);
    assert.equal(old.$('#setupCommand').value, '');
    await old.click('#submit');
    assert.equal(sent(old.submitted).allowCommands, false);
    await old.close();

    const saved = renderForm({ allowCommands: true, setupCommand: 'npm ci', repositoryInstructions: 'acme/a: x' });
    assert.equal(saved.$('#allowCommands').checked, true);
    assert.equal(saved.$('#setupCommand').value, 'npm ci');
    assert.equal(saved.$('#repositoryInstructions').value, 'acme/a: x');
    saved.type('name', 'Restored');
    const draft = saved.drafts.at(-1)!;
    assert.equal(draft.allowCommands, true);
    assert.equal(draft.setupCommand, 'npm ci');
    assert.equal(draft.repositoryInstructions, 'acme/a: x');
    await saved.close();
  });
});
