import assert from 'node:assert/strict';
import { createJobProtocol, type Handlers } from '../../common/webviewProtocol';
import { makeDom } from '../../test/helpers/dom';
import { createGitHosting, type GitHosting } from '../../test/helpers/git';
import { notesOf, repositoryNamesOf, waitFor } from '../../test/helpers/jobs';
import { startStackProcess, type StackProcess } from '../../test/helpers/localStack';
import { webviewHost } from '../../test/helpers/webviewHost';
import { startCreateJobPage } from '../../webviews/createJob/page';
import { previewRepositories, submitDraft } from './createJobRequests';

// The Create Job page's Preview and Create Job through the webview protocol (both ends validate
// every message) to the extension's handlers, and through the real client to the real local stack,
// whose code host is a folder of bare repositories: what the user sees is what the API answered.

type Control = HTMLElement & { value: string; checked: boolean };
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('Create Job page: Preview and create through the protocol, on the local stack', function () {
  this.timeout(60_000);
  let hosting: GitHosting;
  let stack: StackProcess;
  const local = { kind: 'token' as const, apiUrl: 'http://127.0.0.1', local: true };

  before(async () => {
    hosting = await createGitHosting();
    for (const name of ['acme/api', 'acme/web', 'acme/worker', 'globex/site'])
      await hosting.create(name, { 'a.txt': `${name}\n` });
    // Workers paused: the test looks at the jobs as created.
    stack = await startStackProcess({ env: { CODY_BATCH_GIT_BASE: hosting.gitBase, CODY_BATCH_CONCURRENCY: '0' } });
  });
  after(async () => {
    await stack?.dispose();
    await hosting?.dispose();
  });

  async function openPage() {
    const handlers: Handlers<typeof createJobProtocol> = {
      load: () => ({ prompt: 'Replace oldFunction', connected: true }),
      pickWorkspaceRepositories: () => ({ repositories: [] }),
      loadRepositoriesFromFile: () => ({ repositories: [], skipped: [] }),
      previewRepositories: (request) => previewRepositories(stack.client, request, local),
      sandbox: async () => ({ status: await stack.client.sandbox() }),
      submit: ({ draft }) => submitDraft(draft, (request) => stack.client.createJob(request), local),
      close: () => ({ done: true }),
      takeOfferedPrompt: () => ({ prompt: undefined }),
      takeOfferedDraft: () => ({ draft: undefined }),
    };
    const dom = makeDom();
    const panel = webviewHost(createJobProtocol, handlers);
    await startCreateJobPage(panel.host, dom.root);
    const $ = (selector: string) => dom.root.querySelector(selector) as Control;
    const event = (name: string) => new dom.window.Event(name, { bubbles: true }) as unknown as Event;
    const type = (id: string, value: string) => {
      $(`#${id}`).value = value;
      $(`#${id}`).dispatchEvent(event('input'));
    };
    /** Clicks, then waits for the answer: the button is enabled again once it is in. */
    const click = async (selector: string) => {
      $(selector).click();
      await waitFor(`${selector} to be done`, async () => ($(selector)?.hasAttribute('disabled') ? undefined : true));
      await settle();
    };
    const names = () => [...dom.root.querySelectorAll('#preview-list li .name')].map((item) => item.textContent);
    type('name', 'Adopt v2');
    $('#source-query').checked = true;
    $('#source-query').dispatchEvent(event('change'));
    return { dom, panel, $, type, click, names };
  }

  it('previews an owner query, and creates a job of exactly the names kept', async () => {
    const page = await openPage();
    page.type('query-owners', 'acme');
    await page.click('#preview-repositories');
    assert.deepEqual(page.names(), ['acme/api', 'acme/web', 'acme/worker']);
    assert.match(page.$('#preview-summary').textContent!, /The query gives 3 repositories/);

    await page.click('#preview-list li[data-repository="acme/web"] button.remove');
    page.type('sample', '1');
    const before = (await stack.client.listJobs()).items.length;
    await page.click('#submit');
    const jobs = (await stack.client.listJobs()).items;
    assert.equal(jobs.length, before + 1, page.$('#form-error').textContent!);
    assert.deepEqual(await repositoryNamesOf(stack.client, jobs[0]!.jobId), ['acme/api', 'acme/worker']);
    assert.deepEqual(jobs[0]!.sample, { size: 1 });
    await page.dom.close();
  });

  it("shows the API's refusal of a query, and creates nothing", async () => {
    const page = await openPage();
    page.type('query-owners', 'nobody');
    await page.click('#preview-repositories');
    assert.equal(page.$('#preview-error').hidden, false);
    assert.match(page.$('#preview-error').textContent!, /nobody/);
    assert.deepEqual(page.names(), []);

    // The folder host lists owners only: a topic is refused with what to do instead.
    page.type('query-owners', '');
    page.type('query-topics', 'payments');
    await page.click('#preview-repositories');
    assert.match(page.$('#preview-error').textContent!, /topic/i);

    // Created without a preview: the API's refusal lands on the fields it names.
    page.type('query-topics', '');
    page.type('query-owners', 'acme');
    page.type('sample', '3');
    const before = (await stack.client.listJobs()).items.length;
    await page.click('#submit');
    assert.match(page.$('#sample-error').textContent!, /must be less than the number of repositories \(3\)/);
    assert.equal((await stack.client.listJobs()).items.length, before, 'no job was created');
    await page.dom.close();
  });

  it("creates a job with commands, a setup command and notes, and puts the API's refusal of a note on its line", async () => {
    const page = await openPage();
    page.type('query-owners', 'acme');
    page.$('#allowCommands').checked = true;
    page.$('#allowCommands').dispatchEvent(new page.dom.window.Event('change', { bubbles: true }) as unknown as Event);
    page.type('setupCommand', 'npm ci');
    // Not previewed: only the API knows what the query gives, and globex/site is not in it.
    page.type('repositoryInstructions', 'acme/web: use pnpm\nglobex/site: elsewhere\n');
    const before = (await stack.client.listJobs()).items.length;
    await page.click('#submit');
    assert.equal(
      page.$('#repositoryInstructions-error').textContent,
      `line 2: "globex/site" is not one of the job's repositories`,
    );
    assert.equal((await stack.client.listJobs()).items.length, before, 'no job was created');

    page.type('repositoryInstructions', 'ACME/Web: use pnpm\n');
    await page.click('#submit');
    const job = (await stack.client.listJobs()).items[0]!;
    assert.equal((await stack.client.listJobs()).items.length, before + 1, page.$('#form-error').textContent!);
    assert.equal(job.allowCommands, true);
    assert.equal(job.setupCommand, 'npm ci');
    assert.deepEqual(await notesOf(stack.client, job.jobId), { 'acme/web': 'use pnpm' });
    await page.dom.close();
  });

  it('says what holds around the commands, and sends the allowed hosts as sandbox.allowHosts after checking them', async () => {
    const page = await openPage();
    await waitFor('the sandbox note', async () => (page.$('#sandbox-state').hidden ? undefined : true));
    // This suite's stack runs without the sandbox (test/setup.ts): the note says so, as a warning.
    assert.match(page.$('#sandbox-state').textContent!, /^No command sandbox\. The command sandbox is off/);
    assert.equal(page.$('#sandbox-state').className, 'notice error');
    page.type('query-owners', 'acme');
    page.type('setupCommand', 'npm ci');
    page.type('allowHosts', 'registry.example.com, https://bad.example/\n');
    const before = (await stack.client.listJobs()).items.length;
    await page.click('#submit');
    assert.match(page.$('#allowHosts-error').textContent!, /"https:\/\/bad\.example\/" is not a host/);
    assert.equal((await stack.client.listJobs()).items.length, before, 'no job was created');
    page.type('allowHosts', 'Registry.Example.com\n# our mirror\n10.0.0.5:8080, registry.example.com\n');
    await page.click('#submit');
    const job = (await stack.client.listJobs()).items[0]!;
    assert.equal((await stack.client.listJobs()).items.length, before + 1, page.$('#form-error').textContent!);
    assert.deepEqual(job.sandbox, { allowHosts: ['registry.example.com', '10.0.0.5:8080'] });
    await page.dom.close();
  });

  it('refuses a malformed preview request at the protocol, before the API', async () => {
    const page = await openPage();
    await assert.rejects(
      page.panel.host.client.request('previewRepositories', { repositoryQuery: { owners: ['../etc'] } }),
      /Bad "previewRepositories" request: "\.\.\/etc" is not an owner/,
    );
    await page.dom.close();
  });
});
