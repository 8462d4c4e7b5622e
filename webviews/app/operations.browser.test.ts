import assert from 'node:assert/strict';
import { useChromium } from '../../test/helpers/chromium';
import { cancelledJobWithPlantedRow } from '../../test/helpers/localStack';
import { useWorld } from '../../test/helpers/world';

// A large job's retry answers from the job item and its rows move in an operation: the web app's
// job page follows that operation as the CLI and VS Code do, and says so when it stops.

describe('web app in Chromium: bulk operations', function () {
  this.timeout(180_000);
  // No workers: the rows stay as the test leaves them.
  const world = useWorld({ stack: { concurrency: 0 } });
  const chrome = useChromium();

  it('a retry of a large job that stops (a row written around the API) says why, not "done"', async () => {
    const { stack } = world;
    const job = await cancelledJobWithPlantedRow(stack);

    const context = await chrome.browser.newContext();
    const page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${stack.apiUrl}/#token=${encodeURIComponent(stack.token)}`);
    await page.waitForSelector('table.jobs tbody tr[data-job-id]');
    await page.goto(`${stack.apiUrl}/#/jobs/${job.jobId}`);
    await page.locator('#retry-job').click();
    await page.waitForFunction(
      () => /stopped/.test(document.querySelector('[role="alert"]')?.textContent ?? ''),
      null,
      {
        timeout: 60_000,
      },
    );
    const alert = await page.locator('[role="alert"]').first().innerText();
    assert.match(alert, /^Retrying failed: The retry stopped: .*acme\/u0500/);
    assert.equal((await stack.client.getJob(job.jobId)).status, 'CANCELLED', 'nothing was started');
    await context.close();
  });
});
