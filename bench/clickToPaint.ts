import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Frame } from 'playwright-core';
import { waitFor } from '../test/helpers/jobs';
import { REPO_ROOT } from '../test/helpers/localStack';
import { EXTENSION_ID, REPOSITORIES, startWorld } from '../test/e2e/world';

// Click-to-paint in the real workbench (code-server in Chromium, the packaged extension, the local
// stack): a click on a repository row until its diff has painted, split into where the time goes
// (the panel and its page loading, the extension's API calls, rendering), for a new panel and for
// the reused one; beside VS Code's own diff editor opening one file (the baseline). Figures only.

const run = promisify(execFile);

interface Marks {
  /** ms from the click to the frame's navigation start (0 when the panel was reused). */
  toNavigation: number;
  /** …to the inner frame's document (fake.html, which VS Code then writes the page into) having arrived. */
  toDocument: number;
  /** …to the bundle starting to run (inline in the page since issue 29; before, fetched through the webview's service worker). */
  toBundle: number;
  /** …to the bundle having set itself up (its modules run: zod's schemas, diff2html) and connected. */
  toScript: number;
  toLoadSent: number;
  toLoadAnswered: number;
  toPainted: number;
}

/** The diff page's frame, once it has painted the repository's diff. */
async function paintedFrame(page: import('playwright-core').Page, after: number): Promise<Frame> {
  return waitFor(
    'the diff to paint',
    async () => {
      for (const frame of page.frames()) {
        if (!frame.url().includes('index.html') && !frame.url().includes('fake.html')) continue;
        const painted = await frame
          .evaluate((since) => {
            const marks = performance.getEntriesByName('cody-batch:painted');
            const last = marks.at(-1);
            return last && performance.timeOrigin + last.startTime > since ? true : undefined;
          }, after)
          .catch(() => undefined);
        if (painted) return frame;
      }
      return undefined;
    },
    30_000,
    10,
  );
}

async function marksSince(frame: Frame, clicked: number): Promise<Marks> {
  // Plain JS text: tsx would decorate a function argument with helpers the page does not have.
  return frame.evaluate(`(() => {
    const since = ${clicked};
    const at = (name) => performance.timeOrigin + performance.getEntriesByName(name).at(-1).startTime - since;
    return {
      toNavigation: Math.max(0, performance.timeOrigin - since),
      toDocument: Math.max(0, performance.timeOrigin + performance.getEntriesByType('navigation')[0].domContentLoadedEventStart - since),
      toBundle: Math.max(0, at('cody-batch:bundle')),
      toScript: Math.max(0, at('cody-batch:script')),
      toLoadSent: at('cody-batch:load-sent'),
      toLoadAnswered: at('cody-batch:load-answered'),
      toPainted: at('cody-batch:painted'),
    };
  })()`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function main(): Promise<void> {
  await run('npm', ['run', 'package', '--silent'], { cwd: REPO_ROOT });
  const world = await startWorld();
  try {
    const { workbench, stack } = world;
    await workbench.activityBarItem('Cody Batch').click();
    await workbench.page
      .locator('.welcome-view-content')
      .getByRole('button', { name: 'Connect to Local Stack' })
      .click();
    const job = await stack.client.createJob({
      name: 'Bench',
      prompt: 'Replace oldFunction',
      repositories: [...REPOSITORIES],
    });
    await waitFor(
      'the job',
      async () => ((await stack.client.getJob(job.jobId)).finishedAt ? true : undefined),
      60_000,
    );
    await workbench.runCommand('Cody Batch: Refresh');
    const jobRow = workbench.treeItem(/^Bench, completed/);
    await jobRow.waitFor({ timeout: 30_000 });
    if ((await jobRow.getAttribute('aria-expanded')) !== 'true') await jobRow.click();
    const row = (name: string) => workbench.treeItem(new RegExp(`^${name} · changed`));
    await row(REPOSITORIES[0]).waitFor();

    const fresh: Marks[] = [];
    const reused: Marks[] = [];
    const editor: number[] = [];
    for (let round = 0; round < 3; round++) {
      await workbench.runCommand('View: Close All Editors');
      // A new panel: the page loads, asks, renders.
      let clicked = Date.now();
      await row(REPOSITORIES[0]).click();
      fresh.push(await marksSince(await paintedFrame(workbench.page, clicked), clicked));
      // The reused panel: only the ask and the render.
      clicked = Date.now();
      await row(REPOSITORIES[1]).click();
      reused.push(await marksSince(await paintedFrame(workbench.page, clicked), clicked));
      // VS Code's diff editor on one file of it, from the page's button.
      const diff = workbench.webview(EXTENSION_ID);
      const before = await workbench.page.locator('.monaco-diff-editor').count();
      clicked = Date.now();
      await diff.locator('.open-in-editor').first().click();
      await workbench.page.locator('.monaco-diff-editor .view-line').nth(before).waitFor({ timeout: 30_000 });
      editor.push(Date.now() - clicked);
    }
    const line = (label: string, marks: Marks[]) => {
      const m = (key: keyof Marks) =>
        median(marks.map((entry) => entry[key]))
          .toFixed(0)
          .padStart(6);
      console.log(
        `  ${label.padEnd(26)}${m('toNavigation')}${m('toDocument')}${m('toBundle')}${m('toScript')}${m('toLoadSent')}${m('toLoadAnswered')}${m('toPainted')}`,
      );
    };
    console.log(
      '\nClick to paint in the workbench (ms after the click, median of 3; code-server + Chromium, local stack)',
    );
    console.log('  what                       frame   doc bundle script asked answered painted');
    line('diff, new panel', fresh);
    line('diff, reused panel', reused);
    console.log(
      `  ${"VS Code's diff editor (baseline)".padEnd(26)}${''.padStart(36)}${median(editor).toFixed(0).padStart(8)}`,
    );
  } finally {
    await world.dispose();
  }
}
