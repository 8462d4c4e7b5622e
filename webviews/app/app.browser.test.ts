import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { request } from 'node:http';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { currentPatchDigest } from '../../common/patchDigest';
import { edit, reply } from '../../test/fakes/anthropicServer';
import { useChromium } from '../../test/helpers/chromium';
import { useWorld } from '../../test/helpers/world';
import { waitForJob } from '../../test/helpers/jobs';
import { REPO_ROOT } from '../../test/helpers/localStack';

// The web app in Chromium against the real local stack (`node dist/cli.js serve`, with the
// worker pool, real git and a loopback Claude): a person opens the link the stack prints, sees
// their jobs, opens one, its diff (and downloads the patch), its thread and its log, creates a
// job and sees it finish, cancels one. Without the token nothing is served; the token is never
// in an address after the page loaded, nor in a log. Screenshots of every page, in the light and
// the dark palette, go to test-results/web/.

const SCREENSHOTS = path.join(REPO_ROOT, 'test-results', 'web');
const API_KEY = 'sk-ant-web-test-0000000000000000';
const REPOSITORIES = ['acme/alpha', 'acme/beta', 'acme/gamma'];
/** GitLab's nested groups: a project four levels deep, in a job of its own. */
const NESTED = 'acme/platform/tools/delta';

describe('web app in Chromium, on the local stack', function () {
  this.timeout(180_000);
  const world = useWorld({
    repositories: Object.fromEntries(
      [...REPOSITORIES, NESTED].map((name) => [
        name,
        { 'README.md': `# ${name}\n`, 'src/main.js': `const value = oldFunction(1);\nmodule.exports = value;\n` },
      ]),
    ),
    anthropic: {
      apiKey: API_KEY,
      script: [
        reply.tools(edit.view('src/main.js')),
        reply.tools(edit.strReplace('src/main.js', 'oldFunction(1)', 'newFunction(1, { version: 2 })')),
        reply.text('Replaced **oldFunction** with newFunction. See https://example.com/migration'),
      ],
    },
    stack: true,
  });
  const chrome = useChromium();
  let jobId: string;
  const consoleLines: string[] = [];
  const addresses: string[] = [];

  before(async () => {
    const job = await world.stack.client.createJob({
      name: 'Move to newFunction',
      description: 'The web test’s first job',
      prompt: 'Replace oldFunction(x) with newFunction(x, { version: 2 }).',
      repositories: REPOSITORIES,
    });
    jobId = job.jobId;
    await waitForJob(world.stack.client, jobId);
    await mkdir(SCREENSHOTS, { recursive: true });
  });

  /** A tab of its own (sessionStorage is per tab), recording its console and every address it asks for. */
  async function newTab(colorScheme: 'light' | 'dark' = 'light'): Promise<{ context: BrowserContext; page: Page }> {
    const context = await chrome.browser.newContext({
      colorScheme,
      acceptDownloads: true,
      viewport: { width: 1280, height: 900 },
    });
    const page = await context.newPage();
    page.on('console', (message) => consoleLines.push(message.text()));
    page.on('pageerror', (error) => consoleLines.push(`pageerror: ${error.message}`));
    page.on('request', (request) => addresses.push(request.url()));
    page.on('framenavigated', (frame) => addresses.push(frame.url()));
    page.on('dialog', (dialog) => void dialog.accept());
    return { context, page };
  }

  function link(): string {
    return `${world.stack.apiUrl}/#token=${encodeURIComponent(world.stack.token)}`;
  }

  async function signedIn(colorScheme: 'light' | 'dark' = 'light') {
    const tab = await newTab(colorScheme);
    await tab.page.goto(link());
    await tab.page.waitForSelector('table.jobs tbody tr[data-job-id]');
    return tab;
  }

  /** Both palettes of what the tab shows now. */
  async function screenshots(page: Page, name: string) {
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${colorScheme}.png`), fullPage: true });
    }
    await page.emulateMedia({ colorScheme: 'light' });
  }

  it('refuses a request without the token, and a page of another origin cannot use the API even with it', async () => {
    const bare = await fetch(`${world.stack.apiUrl}/jobs`);
    assert.equal(bare.status, 401);
    const preflight = await fetch(`${world.stack.apiUrl}/jobs`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    assert.equal(preflight.headers.get('access-control-allow-origin'), null, 'no CORS grant');
    const { context, page } = await newTab();
    await page.goto('about:blank');
    const outcome = await page.evaluate(
      async ({ url, token }) => {
        try {
          const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
          return `read ${response.status}`;
        } catch (error) {
          return `refused: ${(error as Error).name}`;
        }
      },
      { url: `${world.stack.apiUrl}/jobs`, token: world.stack.token },
    );
    assert.equal(outcome, 'refused: TypeError', 'the browser refuses a cross-origin read of the API');
    // The app's files carry a strict CSP (no inline script, no framing) as a header, and in the page.
    const index = await fetch(`${world.stack.apiUrl}/`);
    const csp = index.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(await index.text(), /http-equiv="Content-Security-Policy"/);
    const rebound = await new Promise<number | undefined>((resolve, reject) =>
      request(`${world.stack.apiUrl}/`, { headers: { host: 'evil.example' } }, (response) => {
        response.resume();
        resolve(response.statusCode);
      })
        .on('error', reject)
        .end(),
    );
    assert.equal(rebound, 421, 'a request naming another host (DNS rebinding) is refused');
    await context.close();
  });

  it('signs in from the printed link, drops the token from the address, and lists the jobs', async () => {
    assert.ok(world.stack.output().includes(link()), 'npm start prints the link');
    const { context, page } = await signedIn();
    assert.equal(new URL(page.url()).hash, '#/jobs', 'the token left the address');
    const row = page.locator(`tr[data-job-id="${jobId}"]`);
    assert.match(await row.innerText(), /Move to newFunction/);
    assert.match(await row.innerText(), /completed/);
    assert.match(await row.innerText(), /3\/3 done/);
    const stored = await page.evaluate(() => ({
      session: Object.keys(sessionStorage),
      local: JSON.stringify({ ...localStorage }),
      cookie: document.cookie,
    }));
    assert.ok(stored.session.includes('cody-batch.token'));
    assert.ok(!stored.local.includes(world.stack.token), 'not in localStorage');
    assert.equal(stored.cookie, '', 'no cookie');
    await page.reload();
    await page.waitForSelector('table.jobs tbody tr[data-job-id]');
    await screenshots(page, 'jobs');
    await context.close();
  });

  it('asks for the token when there is none, and refuses a wrong one', async () => {
    const { context, page } = await newTab('dark');
    await page.goto(`${world.stack.apiUrl}/`);
    await page.waitForSelector('#token-form');
    await screenshots(page, 'sign-in');
    await page.fill('#token', 'not-the-token-0000000000000000000000');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[role="alert"]');
    assert.match(await page.innerText('[role="alert"]'), /not this stack’s token/);
    await page.fill('#token', world.stack.token);
    await page.keyboard.press('Enter');
    await page.waitForSelector('table.jobs tbody tr[data-job-id]');
    await context.close();
  });

  it('opens a job, a diff (and downloads its patch), a thread and a log, and Back walks them', async () => {
    const { context, page } = await signedIn();
    // With the keyboard: the job's link, Enter; focus lands on the new page's heading, for a screen reader.
    await page.focus(`tr[data-job-id="${jobId}"] a`);
    await page.keyboard.press('Enter');
    await page.waitForSelector('details.group[data-status="COMPLETED"] li[data-repository]');
    await page.waitForFunction(() => document.activeElement?.tagName === 'H1');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Move to newFunction');
    assert.equal(await page.getAttribute('#announcer', 'aria-live'), 'polite', 'changes are said politely');
    assert.equal(await page.innerText('h1'), 'Move to newFunction');
    assert.match(await page.innerText('details.group[data-status="COMPLETED"] > summary'), /Changed \(3\)/);
    await screenshots(page, 'job');
    const jobUrl = page.url();
    // A repository's name goes to its diff.
    assert.match(
      (await page.getAttribute('li[data-repository="acme/alpha"] a.name', 'href')) ?? '',
      /#\/jobs\/[^/]+\/repositories\/acme%2Falpha\/diff$/,
    );
    // Scrolled down, the job's header with its actions stays on top, opaque: nothing shows through or over it.
    const size = page.viewportSize()!;
    await page.setViewportSize({ width: size.width, height: 420 });
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    const onTop = await page.evaluate(() => {
      const header = document.querySelector('#app > header.page')!;
      const box = header.getBoundingClientRect();
      // Across the whole width, the page's margins too: nothing scrolls by beside it.
      const points = [4, window.innerWidth / 2, window.innerWidth - 24].map((x) =>
        document.elementFromPoint(x, box.bottom - 4),
      );
      return box.top === 0 && points.every((hit) => !!hit && header.contains(hit));
    });
    assert.equal(onTop, true, 'the header is what is seen where it is');
    await page.setViewportSize(size);
    await page.evaluate(() => window.scrollTo(0, 0));

    const alpha = page.locator('li[data-repository="acme/alpha"]');
    await alpha.getByRole('link', { name: 'Diff' }).click();
    await page.waitForSelector('#app:not([aria-busy]) details.file');
    assert.match(page.url(), /#\/jobs\/[^/]+\/repositories\/acme%2Falpha\/diff$/);
    assert.match(await page.innerText('#app'), /newFunction/);
    assert.equal(await page.isVisible('#apply'), false, 'apply needs VS Code: not offered');
    await screenshots(page, 'diff');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    assert.equal(download.suggestedFilename(), `acme-alpha-${jobId}.patch`);
    const saved = await readFile((await download.path())!, 'utf8');
    assert.equal(saved, (await world.stack.client.getDiff(jobId, 'acme/alpha')).patch);

    await page.goBack();
    await page.waitForSelector('li[data-repository="acme/alpha"]');
    assert.equal(page.url(), jobUrl, 'Back returns to the job');
    await page.locator('li[data-repository="acme/alpha"]').getByRole('link', { name: 'Thread' }).click();
    await page.waitForSelector('#app:not([aria-busy]) article.turn');
    assert.match(await page.innerText('#app'), /Replaced/);
    await screenshots(page, 'thread');

    await page.goBack();
    await page.locator('li[data-repository="acme/alpha"]').getByRole('link', { name: 'Log' }).click();
    await page.waitForSelector('pre.log');
    await page.waitForFunction(() => (document.querySelector('pre.log')?.textContent ?? '').length > 20);
    await screenshots(page, 'log');

    // A pasted link opens the same page in a new tab once signed in there.
    const diffUrl = jobUrl.replace(/#.*$/, `#/jobs/${jobId}/repositories/acme%2Fbeta/diff`);
    await page.goto(diffUrl);
    await page.waitForSelector('#app:not([aria-busy]) details.file');
    await context.close();
  });

  it('creates a job from the form and follows it to the end; cancels another', async () => {
    const { context, page } = await signedIn();
    await page.click('nav.app-bar a[data-page="create"]');
    await page.waitForSelector('#app:not([aria-busy]) #job-form');
    await page.waitForFunction(() => document.activeElement?.id === 'name');
    await page.keyboard.type('Created in the browser');
    await page.keyboard.press('Tab'); // description
    await page.keyboard.press('Tab'); // the mode radios
    await page.keyboard.press('ArrowDown'); // a command
    await page.keyboard.press('Tab');
    await page.keyboard.type("sed -i 's/oldFunction/renamedFunction/' src/main.js");
    await page.locator('#repositories textarea').focus();
    await page.keyboard.type('acme/alpha\nacme/gamma');
    await screenshots(page, 'create-job');
    await page.keyboard.press('Control+Enter');
    await page.waitForURL(/#\/jobs\/[a-z0-9]{26}$/);
    const created = decodeURIComponent(page.url().split('/').at(-1)!);
    // The page follows the running job on its own, to its end.
    await page
      .waitForFunction(() => document.querySelector('#job-status')?.textContent === 'completed', undefined, {
        timeout: 60_000,
      })
      .catch(async (error) => {
        const job = await world.stack.client.getJob(decodeURIComponent(page.url().split('/').at(-1)!));
        throw new Error(`${error.message}; the job: ${JSON.stringify(job)}; the page: ${await page.innerText('#app')}`);
      });
    assert.match(await page.innerText('#job-summary'), /2\/2 done/);
    assert.equal((await world.stack.client.getJob(created)).name, 'Created in the browser');

    const slow = await world.stack.client.createJob({
      name: 'Slow one',
      description: '',
      command: 'sleep 120',
      repositories: ['acme/beta'],
    });
    await page.goto(page.url().replace(/#.*$/, `#/jobs/${slow.jobId}`));
    await page.waitForSelector('#cancel-job');
    await page.click('#cancel-job');
    await page.waitForFunction(() => /cancel/.test(document.querySelector('#job-status')?.textContent ?? ''));
    const ended = await waitForJob(world.stack.client, slow.jobId);
    assert.equal(ended.status, 'CANCELLED');
    await context.close();
  });

  it('reviews in the browser as in VS Code: the overview counts, Approve moves on, Viewed stays, a change group approved at once', async () => {
    const { context, page } = await signedIn();
    await page.goto(`${world.stack.apiUrl}/#/jobs/${jobId}`);
    const count = (group: string, key: string) =>
      page.locator(`#job-overview dl[data-group="${group}"] [data-key="${key}"] dd`).textContent();
    await page.waitForSelector('#job-overview dl[data-group="review"]');
    assert.equal(await count('run', 'completed'), '3', "the overview is the job's");
    assert.equal(await count('review', 'approved'), '0');

    await page.goto(`${world.stack.apiUrl}/#/jobs/${jobId}/repositories/acme%2Falpha/diff`);
    await page.waitForSelector('#app:not([aria-busy]) #review-progress');
    assert.equal(await page.textContent('#review-progress'), '0 of 3 reviewed');
    await page.fill('#review-note', 'reads right');
    await page.click('#approve');
    await page.waitForURL(/repositories\/acme%2Fbeta\/diff$/);
    await page.waitForFunction(() => document.querySelector('#review-progress')?.textContent?.startsWith('1 of 3'));
    assert.equal(await page.textContent('#review-status'), 'Approved acme/alpha. Next unreviewed: acme/beta.');
    const alpha = await world.stack.client.getRepository(jobId, 'acme/alpha');
    assert.equal(alpha.review?.state, 'approved');
    assert.equal(alpha.review?.note, 'reads right');

    // Viewed is kept in this browser: the file comes back folded and ticked.
    const file = page.locator('details.file').first();
    await file.locator('label.viewed').click();
    await page.waitForFunction(() => !document.querySelector('details.file')?.hasAttribute('open'));
    await page.reload();
    await page.waitForSelector('#app:not([aria-busy]) details.file');
    assert.equal(await page.locator('details.file').first().getAttribute('open'), null, 'still folded');
    assert.equal(await page.locator('details.file').first().locator('label.viewed input').isChecked(), true);

    await page.goto(`${world.stack.apiUrl}/#/jobs/${jobId}`);
    await page.waitForFunction(
      () =>
        document.querySelector('#job-overview dl[data-group="review"] [data-key="approved"] dd')?.textContent === '1',
    );

    // The three made the same change: one group, opened as its representative's diff with its members,
    // and approved there in one go.
    const group = page.getByRole('listitem', { name: '3 repositories · the same change' });
    await group.getByRole('button', { name: 'Open group' }).click();
    await page.waitForURL(/\/diff\?group=[0-9a-f]{64}$/);
    await page.waitForSelector('#app:not([aria-busy]) details.file');
    await page.getByRole('button', { name: 'Approve group' }).click();
    await page.waitForFunction(() => /Approved 3 repositories/.test(document.querySelector('#app')?.textContent ?? ''));
    const rows = await world.stack.client.allRepositories(jobId);
    assert.deepEqual(
      rows.map((row) => row.review?.state),
      ['approved', 'approved', 'approved'],
    );
    for (const name of REPOSITORIES) await world.stack.client.reviewRepository(jobId, name, { state: 'unreviewed' });
    await context.close();
  });

  it('shows and downloads a repository four levels deep by its whole name', async () => {
    const nested = await world.stack.client.createJob({
      name: 'Nested groups',
      command: "sed -i 's/oldFunction(/newFunction(/' src/main.js",
      repositories: [NESTED],
    });
    await waitForJob(world.stack.client, nested.jobId);
    const { context, page } = await signedIn();
    await page.goto(`${world.stack.apiUrl}/#/jobs/${nested.jobId}`);
    const row = page.locator(`li[data-repository="${NESTED}"]`);
    await row.getByRole('link', { name: 'Diff' }).click();
    await page.waitForSelector('#app:not([aria-busy]) details.file');
    assert.match(page.url(), /#\/jobs\/[^/]+\/repositories\/acme%2Fplatform%2Ftools%2Fdelta\/diff$/);
    assert.match(await page.innerText('#app'), /acme\/platform\/tools\/delta/);
    assert.match(await page.innerText('#app'), /newFunction/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    assert.equal(download.suggestedFilename(), `acme-platform-tools-delta-${nested.jobId}.patch`);
    await context.close();
  });

  it('never acts on what it did not paint: a diff, a group and the overview changed elsewhere say so, and act once reloaded', async () => {
    const { context, page } = await signedIn();
    /** The person comes back to the tab (a look at what it shows, as its timer would do). */
    const comeBack = (tab: Page) => tab.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    const diffOf = (name: string) =>
      `${world.stack.apiUrl}/#/jobs/${jobId}/repositories/${encodeURIComponent(name)}/diff`;

    // Another tab of this browser approves the repository this one shows: this one says so at once.
    await page.goto(diffOf('acme/gamma'));
    await page.waitForSelector('#app:not([aria-busy]) #approve:not([disabled])');
    const other = await context.newPage();
    await other.goto(link());
    await other.waitForSelector('table.jobs');
    await other.goto(`${world.stack.apiUrl}/#/jobs/${jobId}`);
    await other.getByRole('button', { name: 'Approve acme/gamma' }).click();
    await other.waitForSelector('li[data-repository="acme/gamma"] button[aria-pressed="true"]');
    await page.waitForSelector('#stale-notice');
    assert.match(await page.innerText('#stale-notice'), /acme\/gamma was approved elsewhere since this was shown/);
    assert.equal(await page.isDisabled('#approve'), true, 'Approve waits for the reload');
    assert.equal(await page.isDisabled('#reject'), true);
    await page.click('#reload-view');
    await page.waitForSelector('#app:not([aria-busy]) #approve:not([disabled])');
    assert.equal(await page.isVisible('#stale-notice'), false);
    assert.match(
      (await page.getAttribute('#review-state', 'class')) ?? '',
      /state-approved/,
      'it shows the approval now',
    );

    // A group page: a member reviewed elsewhere (the CLI, another reviewer) is found by its next look.
    await page.goto(`${world.stack.apiUrl}/#/jobs/${jobId}`);
    const group = page.getByRole('listitem', { name: '3 repositories · the same change' });
    await group.getByRole('button', { name: 'Open group' }).click();
    await page.waitForURL(/\/diff\?group=[0-9a-f]{64}$/);
    await page.waitForSelector('#app:not([aria-busy]) details.file');
    const beta = await world.stack.client.getRepository(jobId, 'acme/beta');
    await world.stack.client.reviewRepository(jobId, 'acme/beta', { state: 'rejected', attempt: beta.attempt });
    await comeBack(page);
    await page.waitForSelector('#stale-notice');
    assert.match(await page.innerText('#stale-notice'), /Reviews of this group’s repositories changed/);
    assert.equal(await page.getByRole('button', { name: 'Approve group' }).isDisabled(), true);
    assert.equal(
      (await world.stack.client.getRepository(jobId, 'acme/beta')).review?.state,
      'rejected',
      'nothing was approved over it',
    );

    // The overview of a finished job paints the reviews made elsewhere, its rows with it.
    await page.goto(`${world.stack.apiUrl}/#/jobs/${jobId}`);
    const approvedCount = '#job-overview dl[data-group="review"] [data-key="approved"] dd';
    await page.waitForFunction((selector) => document.querySelector(selector)?.textContent === '1', approvedCount);
    const alpha = await world.stack.client.getRepository(jobId, 'acme/alpha');
    await world.stack.client.reviewRepository(jobId, 'acme/alpha', {
      state: 'approved',
      attempt: alpha.attempt,
      digest: currentPatchDigest(alpha),
    });
    await comeBack(page);
    await page.waitForFunction((selector) => document.querySelector(selector)?.textContent === '2', approvedCount);
    await page.waitForSelector('li[data-repository="acme/alpha"] button[aria-pressed="true"]');
    for (const name of REPOSITORIES) await world.stack.client.reviewRepository(jobId, name, { state: 'unreviewed' });
    await context.close();
  });

  it('a page whose API is out of reach says so, never "Loading…" for ever, and loads once it is back', async () => {
    const { context, page } = await signedIn();
    // The network drops every request to the API (the stack stopped, the laptop went offline).
    const api = (url: URL) => url.origin === new URL(world.stack.apiUrl).origin && url.pathname.startsWith('/jobs');
    await page.route(api, (route) => route.abort('connectionrefused'));
    for (const address of [`#/jobs/${jobId}`, `#/jobs/${jobId}/repositories/acme%2Falpha/diff`, '#/jobs']) {
      await page.goto(`${world.stack.apiUrl}/${address}`);
      await page.waitForSelector('#app [role="alert"]');
      assert.match(await page.innerText('#app [role="alert"]'), /could not be reached/, address);
      assert.equal(await page.getAttribute('#app', 'aria-busy'), null, `${address}: not busy`);
      assert.equal(await page.locator('#app .loading').count(), 0, `${address}: no "Loading…" left`);
    }
    await page.unroute(api);
    await page.goto(`${world.stack.apiUrl}/#/jobs/${jobId}`);
    await page.waitForSelector('li[data-repository="acme/alpha"]');
    assert.equal(await page.locator('#app [role="alert"]').count(), 0);
    await context.close();
  });

  it('never had the token in an address after the first, nor in a log', () => {
    const after = addresses.filter((address) => !address.startsWith(link()));
    assert.ok(after.length > 20, 'the tabs asked for many addresses');
    assert.deepEqual(
      after.filter((address) => address.includes(world.stack.token)),
      [],
    );
    assert.deepEqual(
      consoleLines.filter((line) => line.includes(world.stack.token)),
      [],
    );
    // And the strict CSP cost the views nothing: no script, style or request of theirs was refused.
    assert.deepEqual(
      consoleLines.filter((line) => /Content Security Policy|pageerror/.test(line)),
      [],
    );
    // The stack prints the link once (for the person who started it), and logs the token nowhere else.
    assert.equal(world.stack.output().split(world.stack.token).length - 1, 1);
  });
});
