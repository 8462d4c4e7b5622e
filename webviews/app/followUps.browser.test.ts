import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { branchName } from '../../common/names';
import { edit, reply } from '../../test/fakes/anthropicServer';
import { useChromium } from '../../test/helpers/chromium';
import { bare, type FollowUpWorld, firstMessageText, scripted, startFollowUpWorld } from '../../test/helpers/followUps';
import { waitForJob } from '../../test/helpers/jobs';
import { REPO_ROOT } from '../../test/helpers/localStack';

// Follow-ups in the web app, in Chromium against the real local stack with the loopback GitHub and
// Claude: the job page offers the same four rounds as VS Code; Send instruction… opens the text
// entry view in a dialog, sends one instruction pushed at once, and the round's diff page shows
// what triggered it above the diff. A change group of the overview follows up the same way. And
// Publish… on the job page follows the publish's worker run to each repository's outcome, as VS
// Code and the CLI do: "queued" is not "published".

const SCREENSHOTS = path.join(REPO_ROOT, 'test-results', 'web');
const GITHUB_TOKEN = 'ghp_FAKEgithubTOKENforWebFollowUps012345678';
const API_KEY = 'sk-ant-web-follow-up-0000000000000000';
const REPOSITORY = 'acme/alpha';
const OTHER = 'acme/beta';
const INSTRUCTION = 'Add a comment line saying where newFunction came from.';

describe('web app in Chromium: follow-up rounds', function () {
  this.timeout(180_000);
  const chrome = useChromium();
  let world: FollowUpWorld;

  before(async () => {
    world = await startFollowUpWorld({
      token: GITHUB_TOKEN,
      anthropicKey: API_KEY,
      repositories: {
        [REPOSITORY]: { 'src/main.js': 'const value = oldFunction(1);\n' },
        [OTHER]: { 'src/main.js': 'const other = oldFunction(2);\n' },
      },
      script: scripted((_repository, first) =>
        first.includes('<owner_instruction>')
          ? {
              edits: reply.tools(edit.insert('src/main.js', 0, '// from the v2 migration')),
              summary: 'Added the comment line.',
            }
          : {
              edits: reply.tools(edit.strReplace('src/main.js', 'oldFunction(', 'newFunction(')),
              summary: 'Replaced oldFunction.',
            },
      ),
    });
    await mkdir(SCREENSHOTS, { recursive: true });
  });
  after(() => world?.dispose());

  it('sends one instruction from the job page, pushed at once, and the round’s diff page shows it above the diff', async () => {
    const { stack, hosting, anthropic: claude } = world;
    const created = await world.finishedJob({ repositories: [REPOSITORY] });
    await stack.client.refreshPullRequests(created.jobId);
    const branch = branchName(created.jobId);
    const opened = await bare(hosting, REPOSITORY, 'rev-parse', branch);

    const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${stack.apiUrl}/#token=${encodeURIComponent(stack.token)}`);
    await page.waitForSelector('table.jobs tbody tr[data-job-id]');
    await page.goto(`${stack.apiUrl}/#/jobs/${created.jobId}`);
    for (const title of ['Fix Failing Checks…', 'Address Review…', 'Update Branches…', 'Send Instruction…'])
      await page.getByRole('button', { name: title, exact: true }).waitFor();

    await page.getByRole('button', { name: 'Send Instruction…', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: /Follow up on the job’s open pull requests/ });
    await dialog.waitFor();
    await dialog.locator('#compose-text').fill(INSTRUCTION);
    await dialog.locator('#follow-up-push').check();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'follow-up-dialog.png') });
    await dialog.locator('#compose-send').click();
    await page.waitForFunction(() =>
      /Started rounds on 1 of 1 pull requests/.test(document.querySelector('#action-results')?.textContent ?? ''),
    );
    await dialog.waitFor({ state: 'detached' });
    await waitForJob(stack.client, created.jobId);
    const row = await stack.client.getRepository(created.jobId, REPOSITORY);
    assert.equal(row.status, 'COMPLETED', JSON.stringify(row.error));
    assert.deepEqual([row.followUp?.reason, row.followUp?.push, row.publishedAttempt], ['instruction', 'auto', 2]);
    assert.match(firstMessageText(claude.requestsOf(REPOSITORY).at(-1)!.body), new RegExp(INSTRUCTION));
    const head = await bare(hosting, REPOSITORY, 'rev-parse', branch);
    assert.equal(await bare(hosting, REPOSITORY, 'rev-parse', `${head}^`), opened, 'pushed on top of the head');

    await page.goto(`${stack.apiUrl}/#/jobs/${created.jobId}/repositories/${encodeURIComponent(REPOSITORY)}/diff`);
    const round = page.locator('.follow-up-round');
    await round.waitFor();
    assert.match((await round.locator('h2').textContent()) ?? '', /Follow-up round 1: following an instruction/);
    assert.match((await round.textContent()) ?? '', new RegExp(INSTRUCTION));
    await page.screenshot({ path: path.join(SCREENSHOTS, 'follow-up-diff.png'), fullPage: true });

    // The overview's change group follows up through the same dialog, its members chosen.
    await page.goto(`${stack.apiUrl}/#/jobs/${created.jobId}`);
    const group = page.locator('#job-overview .group-list .group').first();
    await group.getByRole('button', { name: 'Follow up…' }).click();
    const groupDialog = page.getByRole('dialog', { name: /Follow up on the change group/ });
    await groupDialog.waitFor();
    await groupDialog.getByLabel('Fix Failing Checks').check();
    await groupDialog.locator('#follow-up-start').click();
    await page.waitForFunction(() =>
      /Started rounds on 0 of 1 pull requests/.test(document.querySelector('#action-results')?.textContent ?? ''),
    );
    assert.match((await page.locator('#action-results').textContent()) ?? '', /nothing to act on: its checks are none/);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('Publish… counts a repository published once its pull request is open, and says why one was not', async () => {
    const { stack, hosting, github } = world;
    const created = await world.finishedJob({ repositories: [REPOSITORY, OTHER], createPullRequests: false });
    // Someone else's branch of the job's name already in OTHER: a push never moves a branch we did not make.
    const main = await bare(hosting, OTHER, 'rev-parse', 'HEAD');
    await bare(hosting, OTHER, 'update-ref', `refs/heads/${branchName(created.jobId)}`, main);

    const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${stack.apiUrl}/#token=${encodeURIComponent(stack.token)}`);
    await page.waitForSelector('table.jobs tbody tr[data-job-id]');
    await page.goto(`${stack.apiUrl}/#/jobs/${created.jobId}`);
    await page.getByRole('button', { name: 'Publish…', exact: true }).click();
    await page.waitForFunction(() =>
      /Published \d+ of 2 repositories/.test(document.querySelector('#action-results')?.textContent ?? ''),
    );
    const said = (await page.locator('#action-results').textContent()) ?? '';
    assert.match(said, /Published 1 of 2 repositories/, said);
    assert.match(said, new RegExp(`${OTHER}.*not ours|${OTHER}.*exists`, 's'), said);
    // What it said is what happened.
    const [published, refused] = await Promise.all([
      stack.client.getRepository(created.jobId, REPOSITORY),
      stack.client.getRepository(created.jobId, OTHER),
    ]);
    assert.equal(published.publication?.status, 'published');
    assert.equal(refused.publication?.status, 'failed');
    assert.equal(github.pulls.filter((pull) => pull.head.includes(created.jobId)).length, 1);
    await context.close();
  });
});
