import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FrameLocator, Locator } from 'playwright-core';
import { git } from '../helpers/git';
import { repositoriesByName, repositoryNamesOf, waitFor, waitForJob } from '../helpers/jobs';
import { waitForText } from './harness/workbench';
import {
  CHANGED_FILE,
  EXTENSION_ID,
  NEW_LINE,
  OLD_LINE,
  QUERY_OWNER,
  QUERY_REPOSITORIES,
  REPOSITORIES,
  REVIEWER,
  startWorld,
  SUMMARY,
  WORKSPACE_REPOSITORY,
  type World,
} from './world';

// What a user does with Cody Batch, in a real VS Code workbench (code-server in Chromium), against
// the real local stack: connect, create a job, review its diff, apply it, read Claude's thread,
// keep local work safe, cancel a running job, and get told about bad input. Each step asserts what
// the user would see, and saves a screenshot under test-results/e2e/.

const JOB_NAME = 'Adopt newFunction v2';
const PROMPT = 'Replace every oldFunction(x) with newFunction(x, { version: 2 }).';

describe('Cody Batch in a VS Code workbench', () => {
  let world: World;
  const timings: Array<{ step: string; ms: number }> = [];
  let stepStarted = 0;
  // Set by afterEach: in an `after` hook mocha's currentTest is the suite's last test, which never
  // ran when an earlier step failed (bail), so it cannot tell whether to print the diagnostics.
  let failedStep: string | undefined;

  before(async function () {
    this.timeout(180_000);
    const started = Date.now();
    world = await startWorld();
    timings.push({ step: 'start: stack, code-server, workbench', ms: Date.now() - started });
  });

  beforeEach(() => {
    stepStarted = Date.now();
  });

  afterEach(async function () {
    const title = this.currentTest?.title ?? 'step';
    const failed = this.currentTest?.state === 'failed';
    if (failed) failedStep ??= title;
    timings.push({ step: title, ms: Date.now() - stepStarted });
    const slug = title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40);
    if (world) await world.workbench.screenshot(failed ? `FAILED-${slug}` : slug);
  });

  after(async function () {
    this.timeout(60_000);
    if (world && failedStep) {
      console.log(
        `\n"${failedStep}" failed.\n\ncode-server output:\n${world.codeServer.output().slice(-4000)}\n\nlocal stack output:\n${world.stack.output().slice(-4000)}`,
      );
    }
    await world?.dispose();
    console.log('\n  Timings:');
    for (const { step, ms } of timings) console.log(`    ${(ms / 1000).toFixed(1).padStart(6)} s  ${step}`);
    console.log(`    ${(timings.reduce((sum, { ms }) => sum + ms, 0) / 1000).toFixed(1).padStart(6)} s  in all`);
  });

  it('1. connects to the local stack, and the tree shows no jobs', async () => {
    const { workbench } = world;
    const icon = workbench.activityBarItem('Cody Batch');
    await icon.waitFor({ timeout: 30_000 });
    await icon.click();
    const connect = workbench.page
      .locator('.welcome-view-content')
      .getByRole('button', { name: 'Connect to Local Stack' });
    await connect.waitFor({ timeout: 30_000 });
    await workbench.screenshot('welcome-view');
    await connect.click();
    await waitForText(workbench.page.locator('.welcome-view-content'), /No jobs yet/, 30_000);
    assert.equal(await workbench.page.getByRole('treeitem').count(), 0, 'the tree lists no jobs');
  });

  it('2. creates a job from the form; it ends completed with counts and +a −d per repository', async () => {
    const { workbench, stack } = world;
    await workbench.runCommand('Cody Batch: Create Job');
    const form = workbench.webview(EXTENSION_ID);
    await fill(form, 'name', JOB_NAME);
    await fill(form, 'prompt', PROMPT);
    await fill(form, 'repositories', REPOSITORIES.join('\n'));
    await workbench.screenshot('create-job-form');
    await form.getByRole('button', { name: /create job/i }).click();

    await workbench.notification(`job "${JOB_NAME}" created`).waitFor({ timeout: 30_000 });
    const job = workbench.treeItem(new RegExp(`^${JOB_NAME}, completed, 3/3 done`));
    await job.waitFor({ timeout: 90_000 });
    const rows = workbench.page.getByRole('treeitem');
    assert.match(
      (await rows.first().getAttribute('aria-label')) ?? '',
      new RegExp(`^${JOB_NAME}`),
      'the new job is at the top',
    );
    if ((await job.getAttribute('aria-expanded')) !== 'true') await job.click();
    // Grouped under "Changed (3)", the job's only group, open by itself once the job ended (even if
    // the tree showed it collapsed beside a Running group mid-run).
    const changed = workbench.treeItem(/^Changed \(3\)/);
    await changed.waitFor({ timeout: 15_000 });
    await waitFor(
      'the Changed group to be open',
      async () => ((await changed.getAttribute('aria-expanded')) === 'true' ? true : undefined),
      15_000,
    );
    for (const repository of REPOSITORIES) {
      const row = workbench.treeItem(`${repository} · changed, +1 −1`);
      await row.waitFor({ timeout: 15_000 });
      assert.match(await row.innerText(), /changed[\s\S]*\+1 −1/, `${repository} shows its state and +a −d`);
    }

    const [created] = (await stack.client.listJobs()).items;
    assert.equal(created?.name, JOB_NAME);
    assert.equal(created?.status, 'COMPLETED');
    assert.deepEqual(created?.counts, {
      total: 3,
      pending: 0,
      running: 0,
      completed: 3,
      noChanges: 0,
      failed: 0,
      cancelled: 0,
    });
  });

  it('3. shows the diff of the repository that matches the workspace', async () => {
    const { workbench } = world;
    await workbench.runCommand('View: Close All Editors');
    await workbench.clickInlineAction(workbench.treeItem(new RegExp(`^${WORKSPACE_REPOSITORY} · `)), 'View Diff');
    const diff = workbench.webview(EXTENSION_ID);
    await waitForText(diff.locator('body'), new RegExp(CHANGED_FILE.replace('/', '\\/')), 30_000);
    await waitForText(diff.locator('body'), /newFunction\(id, \{ version: 2 \}\)/);
    const added = diff.locator('.d2h-ins').filter({ hasText: 'newFunction(id, { version: 2 })' });
    assert.ok((await added.count()) > 0, 'the added line is marked as an insertion');
  });

  it('4. applies the patch to the local checkout', async () => {
    const { workbench, workspace } = world;
    const file = path.join(workspace, CHANGED_FILE);
    assert.ok((await readFile(file, 'utf8')).includes(OLD_LINE));
    await workbench
      .webview(EXTENSION_ID)
      .getByRole('button', { name: /apply to local checkout/i })
      .click();
    await workbench.notification(/applied to 1 file in widgets/).waitFor({ timeout: 30_000 });
    const text = await readFile(file, 'utf8');
    assert.ok(text.includes(NEW_LINE), 'the change is on disk in the workspace');
    assert.ok(!text.includes(OLD_LINE));
  });

  it('4b. approves the diff from the view: the panel moves on to the next unreviewed repository, the progress line counts it, and Alt+PageDown steps on', async () => {
    const { workbench, stack } = world;
    const diff = workbench.webview(EXTENSION_ID);
    await waitForText(diff.locator('#review-progress'), /^0 of 3 reviewed$/, 30_000);
    await diff.locator('#review-note').fill('Looks right');
    await diff.getByRole('button', { name: 'Approve', exact: true }).click();
    // The tree's order is acme/gadgets, acme/gizmos, acme/widgets: after the last, round to the top.
    await waitForText(diff.locator('h1'), /^acme\/gadgets$/, 30_000);
    await waitForText(diff.locator('#review-progress'), /^1 of 3 reviewed · 1 approved, 0 rejected$/);
    await waitForText(diff.locator('#review-status'), /Approved acme\/widgets\. Next unreviewed: acme\/gadgets\./);
    await workbench.editorTab(/Diff: acme\/gadgets/).waitFor({ timeout: 15_000 });
    const job = (await stack.client.listJobs()).items.find((item) => item.name === JOB_NAME)!;
    const reviewed = await stack.client.getRepository(job.jobId, WORKSPACE_REPOSITORY);
    assert.equal(reviewed.review?.state, 'approved');
    assert.equal(reviewed.review?.note, 'Looks right');
    assert.equal(reviewed.review?.attempt, reviewed.attempt, 'the attempt that was shown');
    assert.deepEqual((await stack.client.getJob(job.jobId)).reviewCounts, { unreviewed: 2, approved: 1, rejected: 0 });
    // From the keyboard, with the focus in the diff view.
    await diff.locator('h1').click();
    await workbench.page.keyboard.press('Alt+PageDown');
    await waitForText(diff.locator('h1'), /^acme\/gizmos$/, 15_000);
  });

  it("5. shows Claude's thread: the prompt, a tool call and the summary", async () => {
    const { workbench } = world;
    await workbench.runCommand('View: Close All Editors');
    await workbench.clickInlineAction(
      workbench.treeItem(new RegExp(`^${WORKSPACE_REPOSITORY} · `)),
      'View Claude Thread',
    );
    const thread = workbench.webview(EXTENSION_ID);
    await waitForText(thread.locator('body'), new RegExp(escapeRegExp(SUMMARY)), 30_000);
    // The task is in the system prompt, folded away at the top; the user opens it.
    await thread.locator('summary', { hasText: 'System prompt' }).click();
    await waitForText(thread.locator('details.system'), new RegExp(escapeRegExp(PROMPT)));
    const edit = thread
      .locator('summary', { hasText: 'str_replace_based_edit_tool' })
      .filter({ hasText: `str_replace ${CHANGED_FILE}` });
    assert.equal(await edit.count(), 1, 'the str_replace tool call');
    await edit.click();
    await waitForText(edit.locator('xpath=..'), new RegExp(escapeRegExp(NEW_LINE.trim())));
  });

  it('6. refuses to apply over uncommitted work, and cancel leaves every file as it was', async () => {
    const { workbench, workspace } = world;
    await writeFile(path.join(workspace, 'README.md'), '# local notes, not committed\n');
    const before = await snapshot(world);
    await workbench.runCommand('View: Close All Editors');
    await workbench.clickInlineAction(
      workbench.treeItem(new RegExp(`^${WORKSPACE_REPOSITORY} · `)),
      'Apply Patch to Local Checkout',
    );
    const question = workbench.dialog(/uncommitted/i);
    await question.waitFor({ timeout: 30_000 });
    await workbench.screenshot('asked-about-local-work');
    assert.ok(await question.getByRole('button', { name: /stash, apply, restore/i }).isVisible());
    await question.getByRole('button', { name: 'Cancel' }).click();
    await question.waitFor({ state: 'hidden' });
    await workbench.notification(/nothing was applied; widgets is unchanged/).waitFor({ timeout: 15_000 });
    assert.deepEqual(await snapshot(world), before, 'every file, the index and the stash list are as they were');
    assert.equal(await git(workspace, 'stash', 'list'), '');
  });

  it('7. cancels a running job from the tree', async () => {
    const { workbench, stack } = world;
    const job = await stack.client.createJob({
      name: 'Slow command',
      description: 'Sleeps until cancelled',
      command: 'sleep 60',
      repositories: ['acme/gadgets'],
      createPullRequests: false,
    });
    await waitFor(
      'the job to run',
      async () => ((await stack.client.getJob(job.jobId)).status === 'RUNNING' ? true : undefined),
      30_000,
    );
    await workbench.runCommand('Cody Batch: Refresh');
    const running = workbench.treeItem(/^Slow command, running/);
    await running.waitFor({ timeout: 30_000 });
    assert.ok(
      (await running.locator('.codicon-sync.codicon-modifier-spin, .codicon-sync\\~spin').count()) > 0,
      'the spinner shows',
    );
    await workbench.screenshot('running-job');
    await workbench.clickInlineAction(running, 'Cancel Job');
    // A cancel asks first, naming what it stops.
    const question = workbench.dialog(/Cancel "Slow command"\? This stops 1 running repository/);
    await question.waitFor({ timeout: 30_000 });
    await question.getByRole('button', { name: 'Cancel Job' }).click();
    await workbench.treeItem(/^Slow command, cancelled/).waitFor({ timeout: 30_000 });
    await workbench.treeItem('acme/gadgets · cancelled').waitFor();
    assert.equal((await stack.client.getJob(job.jobId)).status, 'CANCELLED');
  });

  it('8. shows a validation message for a bad repository name, and creates nothing', async () => {
    const { workbench, stack } = world;
    const jobsBefore = (await stack.client.listJobs()).items.length;
    await workbench.runCommand('View: Close All Editors');
    await workbench.runCommand('Cody Batch: Create Job');
    const form = workbench.webview(EXTENSION_ID);
    await fill(form, 'name', 'Bad input');
    await fill(form, 'prompt', PROMPT);
    await fill(form, 'repositories', 'acme/widgets\nacme_gadgets');
    await form.getByRole('button', { name: /create job/i }).click();
    await waitForText(form.locator('body'), /"acme_gadgets" is not a repository in the form owner\/name/);
    // Give a submit that slipped through the time to reach the API before counting.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal((await stack.client.listJobs()).items.length, jobsBefore, 'no job was created');
    assert.equal(
      await workbench.editorTab('Cody Batch: Create Job').count(),
      1,
      'the form stays open with what was typed',
    );
    assert.equal(await form.locator('#name input').inputValue(), 'Bad input');
  });

  it('9. run again with a new selection while the form is open, keeps the typed prompt and offers the selection', async () => {
    const { workbench, workspace } = world;
    // Open a file from the workspace (the palette without ">" goes to files) and select it all.
    const input = workbench.page.locator('.quick-input-widget .quick-input-box input');
    await workbench.page.keyboard.press('F1');
    await input.waitFor();
    await input.fill(path.basename(CHANGED_FILE));
    await workbench.page
      .locator('.quick-input-list .monaco-list-row')
      .filter({ hasText: path.basename(CHANGED_FILE) })
      .first()
      .click();
    await input.waitFor({ state: 'hidden' });
    await workbench.page.locator('.monaco-editor .view-lines').first().click();
    await workbench.page.keyboard.press('Control+A');

    // The form's tab was hidden, so its page is rebuilt from the saved draft when revealed.
    await workbench.runCommand('Cody Batch: Create Job');
    const form = workbench.webview(EXTENSION_ID);
    await form.locator('#prompt-offer').waitFor({ state: 'visible', timeout: 30_000 });
    await workbench.screenshot('create-job-offers-selection');
    assert.equal(await form.locator('#prompt textarea').inputValue(), PROMPT, 'the typed prompt is not overwritten');
    assert.equal(await form.locator('#name input').inputValue(), 'Bad input', 'the rest of the draft is there too');
    await form.locator('#offer-append').click();
    const selected = await readFile(path.join(workspace, CHANGED_FILE), 'utf8');
    await waitFor(
      'the selection to be appended',
      async () =>
        (await form.locator('#prompt textarea').inputValue()) === `${PROMPT}\n\n${selected}` ? true : undefined,
      10_000,
    );
    assert.equal(await form.locator('#prompt-offer').isVisible(), false);
  });

  it('10. chooses repositories by owner, previews them, samples one, continues with a revised prompt, and opens templated pull requests', async () => {
    const { workbench, stack, github, claude } = world;
    const name = 'Sampled rename';
    const revisedPrompt = `${PROMPT} Keep the import line as it is.`;
    // The form from step 9 is still open with its draft: the fields are filled over it.
    await workbench.runCommand('Cody Batch: Create Job');
    const form = workbench.webview(EXTENSION_ID);
    // The page is the one step 9 left (its draft's name), settled before anything is typed over it.
    await form.locator('#app:not([aria-busy]) #job-form').waitFor({ timeout: 30_000 });
    await fill(form, 'name', name);
    await fill(form, 'prompt', PROMPT);
    await waitFor(
      'the form to take the new name',
      async () => ((await form.locator('#name input').inputValue()) === name ? true : undefined),
      10_000,
    );
    await form.locator('#source-query').click();
    await fill(form, 'query-owners', QUERY_OWNER);
    await form.locator('#preview-repositories').click();
    const previewed = form.locator('#preview-list li .name');
    await waitFor('the preview', async () => ((await previewed.count()) > 0 ? true : undefined), 30_000);
    const shown = await previewed.allInnerTexts();
    assert.deepEqual(shown, [...QUERY_REPOSITORIES], 'the preview shows the names the owner query gives');
    await waitForText(form.locator('#preview-summary'), /The query gives 2 repositories/);
    await form.locator('#preview').scrollIntoViewIfNeeded();
    await workbench.screenshot('create-job-preview');

    await fill(form, 'sample', '1');
    await form.locator('#createPullRequests').click();
    await fill(form, 'pr-title', '{{job.name}} in ');
    await form.locator('#pr-placeholders [data-placeholder="{{repository}}"]').click();
    assert.equal(await form.locator('#pr-title input').inputValue(), '{{job.name}} in {{repository}}');
    await waitForText(form.locator('#pr-title-preview'), new RegExp(`^Title for ${shown[0]}: ${name} in ${shown[0]}$`));
    await fill(form, 'pr-labels', 'cody-batch');
    await fill(form, 'pr-reviewers', REVIEWER);
    await workbench.screenshot('create-job-by-query');
    await form.getByRole('button', { name: /create job/i }).click();
    await workbench.notification(`job "${name}" created`).waitFor({ timeout: 30_000 });

    const created = (await stack.client.listJobs()).items.find((job) => job.name === name)!;
    assert.deepEqual(
      await repositoryNamesOf(stack.client, created.jobId),
      [...shown].sort(),
      'the job runs exactly what the preview showed',
    );
    assert.deepEqual(created.repositoryQuery?.owners, [QUERY_OWNER]);
    const sampled = await waitForJob(stack.client, created.jobId, { status: 'SAMPLED', timeoutMs: 90_000 });
    assert.equal(sampled.counts.completed, 1, 'one repository ran');
    await workbench.runCommand('Cody Batch: Refresh');
    await workbench.treeItem(new RegExp(`^${name}, sampled, 1/2 sampled · 1 waiting`)).waitFor({ timeout: 30_000 });
    await workbench.screenshot('sampled-job');

    // Continued through the API client: the tree's Continue action is not on main yet.
    await stack.client.continueJob(created.jobId, { prompt: revisedPrompt });
    const done = await waitForJob(stack.client, created.jobId, { timeoutMs: 120_000 });
    const rows = await repositoriesByName(stack.client, created.jobId);
    assert.equal(done.status, 'COMPLETED', JSON.stringify([...rows.values()].map((row) => row.error)));
    assert.deepEqual(
      done.taskRevisions?.map(({ revision, prompt }) => ({ revision, prompt })),
      [{ revision: 2, prompt: revisedPrompt }],
    );
    const again = [...rows.values()].find((row) => row.sampled)!;
    assert.equal(again.attempt, 2, 'the sampled repository ran again with the revised prompt');
    assert.equal(again.previousAttempts?.[0]?.status, 'COMPLETED', 'its first attempt stays readable');
    for (const repository of shown) {
      const lastCall = claude.requests.filter((request) => request.repository === repository).at(-1)!;
      assert.ok(JSON.stringify(lastCall.body).includes(revisedPrompt), `${repository} ran with the revised prompt`);
      const pull = github.pulls.find((candidate) => `${candidate.owner}/${candidate.repo}` === repository);
      assert.ok(pull, `a pull request for ${repository}`);
      assert.deepEqual(
        { title: pull.title, labels: pull.labels, reviewers: pull.reviewers },
        { title: `${name} in ${repository}`, labels: ['cody-batch'], reviewers: [REVIEWER] },
      );
    }
    await workbench.runCommand('Cody Batch: Refresh');
    await workbench.treeItem(new RegExp(`^${name}, completed, 2/2 done`)).waitFor({ timeout: 30_000 });
  });

  it('11. triages a 12-repository job: groups with counts, Find, the kept failed change, Run Again on Failed, and a command job from the keyboard', async () => {
    const { workbench, stack, hosting } = world;
    const services = Array.from({ length: 10 }, (_, i) => `acme/svc-${String(i + 1).padStart(2, '0')}`);
    for (const name of services)
      await hosting.create(name, {
        'README.md': `# ${name}\n`,
        ...(name === 'acme/svc-10' ? { VERIFY_FAILS: 'yes\n' } : {}),
      });
    const missing = ['acme/missing-1', 'acme/missing-2'];
    const job = await stack.client.createJob({
      name: 'Twelve services',
      command: 'echo "changed by the batch" >> README.md',
      verifyCommand: 'if [ -f VERIFY_FAILS ]; then echo "1 test failing" >&2; exit 1; fi',
      repositories: [...services, ...missing],
    });
    await waitFor(
      'the job to finish',
      async () => ((await stack.client.getJob(job.jobId)).finishedAt ? true : undefined),
      90_000,
    );
    await workbench.runCommand('View: Close All Editors');
    await workbench.runCommand('Cody Batch: Refresh');
    const jobRow = workbench.treeItem(
      /^Twelve services, completed with errors, 2 failed · 1 failing verification · 12\/12 done/,
    );
    await jobRow.waitFor({ timeout: 30_000 });
    await jobRow.click();
    for (const group of [
      'Failed (2), failed repositories',
      'CLONE_FAILED (2), 2 failed',
      'Verify failed (1), verify failed repositories',
      'Changed (9), changed repositories',
    ])
      await workbench.treeItem(group).waitFor({ timeout: 15_000 });
    await workbench.treeItem('acme/missing-1 · failed · CLONE_FAILED').waitFor();
    const verifyFailed = workbench.treeItem(/^acme\/svc-10 · verify failed, \+1 −0/);
    await verifyFailed.waitFor();
    await workbench.screenshot('tree-grouped-dark');

    // Find (Ctrl+Alt+F) "failed": the focus moves to a failed row, and the failed rows are marked.
    // Two clicks on the job give the tree the focus on it and leave it open as it was.
    await jobRow.click();
    await workbench.treeItem('Changed (9), changed repositories').waitFor({ state: 'hidden' });
    await jobRow.click();
    await workbench.treeItem('Changed (9), changed repositories').waitFor();
    await workbench.page.keyboard.press('Control+Alt+F');
    await workbench.page.keyboard.type('failed');
    await waitFor(
      'Find to focus a failed row',
      async () => {
        const focused = await workbench.page
          .locator('.monaco-list-row.focused')
          .first()
          .getAttribute('aria-label')
          .catch(() => null);
        return focused && /failed/i.test(focused) ? focused : undefined;
      },
      10_000,
    );
    assert.ok(
      (await workbench.treeItem('acme/missing-2 · failed · CLONE_FAILED').locator('.highlight').count()) > 0,
      'a failed repository row is marked as a match',
    );
    await workbench.screenshot('tree-find-failed');
    await workbench.page.keyboard.press('Escape');

    // The kept change of the failed verification, with the failure above it.
    await verifyFailed.click();
    const diff = workbench.webview(EXTENSION_ID);
    await waitForText(diff.locator('body'), /Verification failed\./, 30_000);
    await waitForText(diff.locator('body'), /changed by the batch/);
    assert.equal(
      await diff.getByRole('button', { name: /apply to local checkout/i }).count(),
      0,
      'not offered to apply',
    );
    assert.equal(
      await workbench.editorTab(/Diff: acme\/svc-10 \(Twelve services\)/).count(),
      1,
      'the job in the title',
    );
    await workbench.screenshot('diff-verify-failed-dark');

    // Run Again on Failed: the form holds exactly the two failures and the failed verification.
    await workbench.runCommand('View: Close All Editors');
    await jobRow.click();
    await workbench.runCommand('Cody Batch: Run Again on Failed…');
    const form = workbench.webview(EXTENSION_ID);
    await form.locator('#repositories').waitFor({ timeout: 30_000 });
    await waitFor(
      'the form to be filled',
      async () => ((await form.locator('#name input').inputValue()) === 'Twelve services' ? true : undefined),
      15_000,
    );
    const listed = (await form.locator('#repositories textarea').inputValue()).split('\n').filter(Boolean).sort();
    assert.deepEqual(listed, ['acme/missing-1', 'acme/missing-2', 'acme/svc-10']);
    assert.equal(await form.locator('#command input').inputValue(), 'echo "changed by the batch" >> README.md');
    await workbench.screenshot('run-again-on-failed');
    await workbench.runCommand('View: Close All Editors');

    // The keyboard alone: open the form, fill it, choose the command mode, create the job.
    await runFromKeyboard(world, 'Cody Batch: Create Job');
    const blank = workbench.webview(EXTENSION_ID);
    await blank.locator('#name').waitFor({ timeout: 30_000 });
    await waitFor(
      'the Name field to have the focus',
      async () => ((await blank.locator('#name').evaluate((el) => el.matches(':focus-within'))) ? true : undefined),
      15_000,
    );
    const keys = workbench.page.keyboard;
    await keys.type('Keyboard command job');
    await keys.press('Tab'); // description
    await keys.press('Tab'); // how the change is made
    await keys.press('ArrowDown'); // a shell command
    await keys.press('Tab');
    await keys.type('echo keyboard >> README.md');
    await keys.press('Tab'); // verify command
    await keys.press('Tab'); // repositories from: a list
    await keys.press('Tab'); // repositories
    await keys.type('acme/svc-01');
    await workbench.screenshot('create-job-keyboard');
    await keys.press('Control+Enter');
    await workbench.notification('job "Keyboard command job" created').waitFor({ timeout: 30_000 });
    const created = (await stack.client.listJobs()).items.find((item) => item.name === 'Keyboard command job');
    assert.equal(created?.command, 'echo keyboard >> README.md');
    assert.equal(created?.prompt, undefined);
    assert.deepEqual(await repositoryNamesOf(stack.client, created!.jobId), ['acme/svc-01']);
  });

  it('12. publishes the approved repositories from the job row, merges one from the tree, and the row icons and the overview follow', async () => {
    const { workbench, stack, github } = world;
    const name = 'Publish after review';
    const job = await stack.client.createJob({
      name,
      command: 'echo "reviewed change" >> README.md',
      repositories: [...REPOSITORIES],
    });
    await waitForJob(stack.client, job.jobId, { timeoutMs: 90_000 });
    // Approved through the API client, with the digest of the diff read: the diff view's Approve is another change.
    const [first, second, third] = REPOSITORIES;
    for (const repository of [first, second]) {
      const { digest } = await stack.client.getDiff(job.jobId, repository);
      await stack.client.reviewRepository(job.jobId, repository, { state: 'approved', digest });
    }
    await workbench.runCommand('View: Close All Editors');
    await workbench.runCommand('Cody Batch: Refresh');
    const jobRow = workbench.treeItem(new RegExp(`^${name}, completed, 3/3 done · 2 approved`));
    await jobRow.waitFor({ timeout: 30_000 });

    // Publish Approved… from the job row's menu: a modal names the count, then the publish runs to its end.
    await jobMenu(world, jobRow, 'Publish Approved…');
    const ask = workbench.dialog(/Open pull requests for 2 repositories approved/);
    await ask.getByRole('button', { name: 'Publish', exact: true }).click();
    await workbench.notification(`Published 2 of 2 repositories of "${name}".`).waitFor({ timeout: 90_000 });
    const pulls = new Map(
      github.pulls.filter((pull) => pull.head.includes(job.jobId)).map((pull) => [`${pull.owner}/${pull.repo}`, pull]),
    );
    assert.deepEqual([...pulls.keys()].sort(), [first, second].sort(), 'a pull request for each approved one');

    // CI on the loopback GitHub: green on one, red on the other; Refresh Pull Requests reads it.
    pulls.get(first)!.checkRuns.push({ name: 'ci', status: 'completed', conclusion: 'success' });
    pulls.get(second)!.checkRuns.push({ name: 'ci', status: 'completed', conclusion: 'failure' });
    await workbench.runCommand('View: Close All Editors');
    await workbench.clickInlineAction(jobRow, 'Show Job Overview');
    const overview = workbench.webview(EXTENSION_ID);
    const count = (group: string, key: string) => overview.locator(`dl[data-group="${group}"] [data-key="${key}"] dd`);
    await waitForText(count('review', 'approved'), /^2$/, 30_000);
    await waitForText(count('pull-requests', 'open'), /^2$/);
    await waitForText(count('pull-requests', 'merged'), /^0$/);
    await jobMenu(world, jobRow, 'Refresh Pull Requests');
    const row = (repository: string, words: string) =>
      workbench.treeItem(new RegExp(`^${escapeRegExp(repository)} · changed, .*${words}`));
    const green = row(first, 'approved · PR open · checks passing');
    const red = row(second, 'approved · PR open · checks failing');
    if ((await jobRow.getAttribute('aria-expanded')) !== 'true') await jobRow.click();
    await green.waitFor({ timeout: 30_000 });
    await red.waitFor();
    assert.equal(
      await green.locator('.custom-view-tree-node-item-icon.codicon-git-pull-request').count(),
      1,
      'an open pull request’s icon',
    );
    await workbench.treeItem(new RegExp(`^${escapeRegExp(third)} · changed, \\+1 −0$`)).waitFor();
    await workbench.screenshot('tree-pull-requests');

    // Merge Ready Pull Requests…: only the green one is ready; squash, after a modal naming it.
    await jobMenu(world, jobRow, 'Merge Ready Pull Requests…');
    await workbench.page.locator('.quick-input-widget').getByText('Squash and merge').click();
    const confirm = workbench.dialog(/Merge 1 pull request of/);
    await waitForText(confirm, new RegExp(escapeRegExp(first)));
    await confirm.getByRole('button', { name: 'Merge 1 pull request', exact: true }).click();
    await workbench.notification(`Merged 1 of 1 pull requests of "${name}".`).waitFor({ timeout: 60_000 });
    assert.equal(pulls.get(first)!.merged, true);
    assert.equal(pulls.get(first)!.mergeMethod, 'squash');
    assert.equal(pulls.get(second)!.merged, false, 'a pull request with failing checks is not merged');
    const merged = row(first, 'approved · PR merged');
    await merged.waitFor({ timeout: 30_000 });
    assert.equal(
      await merged.locator('.custom-view-tree-node-item-icon.codicon-git-merge').count(),
      1,
      'a merged pull request’s icon',
    );
    // The overview, open all along, loaded again when the tree did.
    await waitForText(count('pull-requests', 'merged'), /^1$/, 30_000);
    await waitForText(count('pull-requests', 'open'), /^1$/);
    await overview.locator('svg.burndown-chart').waitFor({ timeout: 15_000 });
    await workbench.screenshot('job-overview');
  });

  it('13. reviews at scale: the overview shows 2 change groups with the outlier flagged, and approving the big group approves its 5 rows', async () => {
    const { workbench, stack, hosting } = world;
    const name = 'Review at scale';
    // Five repositories get the same edit amid their own code; the sixth also writes package-lock.json.
    const names = Array.from({ length: 6 }, (_, i) => `acme/scale-${i}`);
    for (const [index, repository] of names.entries())
      await hosting.create(repository, {
        'src/main.js': `${'// own code\n'.repeat(index + 1)}export const value = oldFunction(1);\n`,
        ...(index === 5 ? { '.lock-too': 'yes\n' } : {}),
      });
    const job = await stack.client.createJob({
      name,
      command:
        "sed -i 's/oldFunction(/newFunction(/' src/main.js && if [ -f .lock-too ]; then echo '{}' > package-lock.json; fi",
      repositories: names,
    });
    await waitForJob(stack.client, job.jobId, { timeoutMs: 90_000 });
    await workbench.runCommand('View: Close All Editors');
    await workbench.runCommand('Cody Batch: Refresh');
    const jobRow = workbench.treeItem(new RegExp(`^${name}, completed, 6/6 done`));
    await jobRow.waitFor({ timeout: 30_000 });
    await workbench.clickInlineAction(jobRow, 'Show Job Overview');
    const overview = workbench.webview(EXTENSION_ID);
    const groups = overview.locator('.group-list .group');
    await groups.nth(1).waitFor({ timeout: 30_000 });
    assert.equal(await groups.count(), 2);
    await waitForText(groups.nth(0).locator('.group-title'), /5 repositories · the same change/);
    await waitForText(groups.nth(1).locator('.group-title'), /1 · outlier: touches package-lock\.json/);
    await workbench.screenshot('overview-change-groups');

    await groups.nth(0).getByRole('button', { name: 'Approve group' }).click();
    await waitForText(overview.locator('.changes [role="status"]'), /Approved 5 repositories\./, 30_000);
    await waitForText(groups.nth(0).locator('.group-reviewed'), /5 of 5 reviewed · 5 approved/);
    if ((await jobRow.getAttribute('aria-expanded')) !== 'true') await jobRow.click();
    const approved = workbench.page.getByRole('treeitem', { name: /^acme\/scale-\d · changed, .*approved/ });
    await waitFor(
      '5 approved rows in the tree',
      async () => ((await approved.count()) === 5 ? true : undefined),
      30_000,
    );
    await workbench.treeItem(/^acme\/scale-5 · changed, \+\d+ −\d+$/).waitFor();
  });
});

/** Runs a palette command from the keyboard alone. */
async function runFromKeyboard(world: World, title: string): Promise<void> {
  const { page } = world.workbench;
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await page.keyboard.press('F1');
  await input.waitFor();
  await page.keyboard.type(`${title}`);
  await page
    .locator('.quick-input-list .monaco-list-row.focused')
    .filter({ hasText: title })
    .waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden' });
}

/** Runs an action from a job row's context menu. */
async function jobMenu(world: World, row: Locator, title: string): Promise<void> {
  const { page } = world.workbench;
  await row.click({ button: 'right' });
  // VS Code's menu ignores a click that comes right after it opened; the pointer focuses the item, Enter runs it.
  const item = page.getByRole('menuitem', { name: title });
  await item.hover();
  await waitFor(
    `"${title}" to have the focus`,
    async () =>
      (await item.evaluate((el) => el.closest('.action-item')?.classList.contains('focused'))) ? true : undefined,
    5_000,
  );
  await page.keyboard.press('Enter');
}

/** Types into a form field of a webview, by the field's id. */
async function fill(form: FrameLocator, id: string, value: string): Promise<void> {
  const field = form.locator(`#${id}`);
  await field.waitFor({ timeout: 30_000 });
  await field.locator('input, textarea').first().fill(value);
}

/** Every tracked and untracked file's content, the status and the stash list of the workspace. */
async function snapshot({ workspace }: World): Promise<Record<string, string>> {
  const files = (await git(workspace, 'ls-files', '--cached', '--others', '--exclude-standard'))
    .split('\n')
    .filter(Boolean);
  const result: Record<string, string> = {
    'git status': await git(workspace, 'status', '--porcelain'),
    'git stash list': await git(workspace, 'stash', 'list'),
    'git diff --cached': await git(workspace, 'diff', '--cached'),
  };
  for (const file of files) result[file] = await readFile(path.join(workspace, file), 'utf8');
  return result;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
