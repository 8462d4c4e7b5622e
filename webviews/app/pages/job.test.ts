import assert from 'node:assert/strict';
import { bearerAuth, CodyBatchClient } from '../../../common/client';
import type { FakePull } from '../../../test/fakes/githubServer';
import { makeDom } from '../../../test/helpers/dom';
import { jobWithPulls } from '../../../test/helpers/pullRequests';
import { useWorld } from '../../../test/helpers/world';
import type { PageContext } from '../page';
import { renderJobPage } from './job';

// The web app's job page, its bulk pull-request actions, against the API (in process, on a real
// dynalite and artifact folder) and Octokit against the loopback GitHub: Merge pull requests… names
// the count it asks about, shows "0 of 3 done" before the first pull request answers, lists each
// result, and ends with a summary whose not-done ones are behind "Show Not Done"; Refresh pull
// requests says what it read.

const TOKEN = 'ghp_FAKEgithubTOKENforJobPageTests012345678';
const API_TOKEN = 'api-token';

describe('web app job page: bulk pull-request actions that talk', function () {
  this.timeout(120_000);
  const world = useWorld({ token: TOKEN, github: {}, api: { token: API_TOKEN, retentionDays: 7 } });

  it('Merge pull requests… counts from before the first answer, lists each, and ends with Show Not Done', async () => {
    const { github } = world;
    const { store, artifacts, app } = world.api;
    const dom = makeDom();
    const line = () => dom.root.querySelector('#action-results .progress-line')?.textContent ?? '(no count)';
    // What the page is still asking the API (it reads the job again after an action): awaited before the end.
    let inFlight = 0;
    // What the page showed when each merge request left for the API.
    const shownAtRequest: string[] = [];
    const client = new CodyBatchClient({
      baseUrl: 'http://cody-batch.test',
      auth: bearerAuth(API_TOKEN),
      fetch: (async (input: URL, init?: RequestInit) => {
        if (String(input).endsWith('/pull-requests/merge')) shownAtRequest.push(line());
        inFlight++;
        try {
          return await app.request(input.toString(), init);
        } finally {
          inFlight--;
        }
      }) as typeof fetch,
    });
    const passing = [{ name: 'ci', status: 'completed', conclusion: 'success' }] as FakePull['checkRuns'];
    const { job } = await jobWithPulls(
      { client, store, artifacts, github },
      {
        'acme/one': { checkRuns: passing },
        'acme/two': { checkRuns: passing },
        'acme/moved': { checkRuns: passing },
        'acme/failing': { statuses: [{ context: 'ci', state: 'failure' }] },
      },
    );
    // Someone pushes to one between the look and the merge: GitHub refuses it.
    github.options.beforeMerge = (pull) => {
      if (pull.repo === 'moved') pull.headSha = 'f'.repeat(40);
    };
    await client.refreshPullRequests(job.jobId);

    const leaving: (() => void)[] = [];
    const asked: string[] = [];
    const window = dom.window as unknown as Window;
    window.confirm = (question?: string) => {
      asked.push(question ?? '');
      return true;
    };
    const context: PageContext = {
      client,
      window,
      document: dom.document,
      root: dom.root,
      apiUrl: 'http://cody-batch.test',
      navigate: () => undefined,
      announce: () => undefined,
      onLeave: (stop) => leaving.push(stop),
      setTitle: () => undefined,
    };
    const until = async (what: string, check: () => boolean) => {
      for (let tries = 0; !check(); tries++) {
        if (tries > 2_000) throw new Error(`The page never showed ${what}: ${dom.root.textContent}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    try {
      await renderJobPage(context, job.jobId);
      dom.root.querySelector<HTMLButtonElement>('#merge-prs')!.click();
      await until('the summary', () => /^Merged/.test(line()));
      // Three are ready by their rows (the failing one is not asked about); the question names them.
      assert.deepEqual(asked, [
        "Merge the job's 3 pull requests that are ready (open, checks passing or none, no changes requested)?",
      ]);
      assert.deepEqual(shownAtRequest, ['Merging: 0 of 3 done'], 'the count showed before the first answer');
      assert.deepEqual(
        [...dom.root.querySelectorAll('#action-results ol.action-lines li')]
          .map((item) => item.getAttribute('data-repository'))
          .sort(),
        ['acme/moved', 'acme/one', 'acme/two'],
        'one line per repository',
      );
      assert.equal(line(), 'Merged 2 of 3 pull requests of "Follow"; 1 not done.');
      const notDone = dom.root.querySelector<HTMLElement>('#not-done')!;
      assert.equal(notDone.hidden, true);
      dom.root.querySelector<HTMLButtonElement>('#show-not-done')!.click();
      assert.equal(notDone.hidden, false);
      assert.match(notDone.textContent ?? '', /^acme\/moved — GitHub refused to merge it/);

      // Refresh pull requests says what it read, where it was asked.
      await until('the refresh button', () => !!dom.root.querySelector('#refresh-prs'));
      dom.root.querySelector<HTMLButtonElement>('#refresh-prs')!.click();
      await until('what the refresh read', () =>
        /^Read the pull requests/.test(dom.root.querySelector('#action-results')?.textContent ?? ''),
      );
      assert.equal(
        dom.root.querySelector('#action-results')?.textContent,
        'Read the pull requests of "Follow" again: 2 open · 2 merged.',
      );
    } finally {
      for (const stop of leaving) stop();
      // Quiet for a while: a read the page made after the last one ended has ended too.
      let quiet = 0;
      await until('no request under way', () => {
        quiet = inFlight === 0 ? quiet + 1 : 0;
        return quiet > 10;
      });
      await dom.close();
    }
  });
});
