import assert from 'node:assert/strict';
import type { Job } from '../../common/schemas';
import { overviewProtocol } from '../../common/webviewProtocol';
import { makeDom } from '../../test/helpers/dom';
import { webviewHost } from '../../test/helpers/webviewHost';
import { OVERVIEW_CHANGES, OVERVIEW_JOB, OVERVIEW_ROWS } from './fixture';
import { startOverviewPage } from './page';

// The overview page against the extension's end of the protocol: what it shows, what a click on a
// failed repository asks for, and that it loads again when told the job changed.

const countOf = (root: HTMLElement, group: string, key: string) =>
  root.querySelector(`dl[data-group="${group}"] [data-key="${key}"] dd`)?.textContent;

/** The extension's answers to what a test does not look at: each action done. */
const ACTIONS_DONE = {
  openRepository: () => ({ done: true }),
  reviewGroup: () => ({ done: true }),
  followUpGroup: () => ({ done: true }),
  openGroup: () => ({ done: true }),
};

describe('Job overview page', () => {
  it('shows counts, cost, failures by code and an accessible burndown, and opens a failure’s log', async () => {
    const dom = makeDom();
    const opened: string[] = [];
    const { host } = webviewHost(overviewProtocol, {
      ...ACTIONS_DONE,
      load: () => ({ job: OVERVIEW_JOB, repositories: OVERVIEW_ROWS }),
      openRepository: ({ repositoryName, view }) => {
        opened.push(`${view}:${repositoryName}`);
        return { done: true };
      },
    });
    const page = await startOverviewPage(host, dom.root);
    try {
      const root = dom.root;
      assert.equal(root.querySelector('h1')?.textContent, 'Overview: Adopt v2');
      assert.equal(countOf(root, 'run', 'failed'), '3');
      assert.equal(countOf(root, 'review', 'approved'), '3');
      assert.equal(countOf(root, 'pull-requests', 'merged'), '1');
      assert.equal(root.querySelector('.cost')?.textContent, '$1.23');
      const groups = [...root.querySelectorAll('.failure-group')].map((group) => group.getAttribute('data-code'));
      assert.deepEqual(groups, ['CLONE_FAILED', 'VERIFY_FAILED']);
      const buttons = [...root.querySelectorAll<HTMLButtonElement>('.failure-group button')];
      buttons.find((button) => button.textContent?.includes('acme/clone-2'))!.click();
      buttons.find((button) => button.textContent?.includes('acme/verify'))!.click();
      await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(opened, ['log:acme/clone-2', 'diff:acme/verify']);
      const svg = root.querySelector('svg.burndown-chart')!;
      assert.equal(svg.getAttribute('role'), 'img');
      assert.match(svg.querySelector('desc')!.textContent!, /2 points .* now 2 open, 1 merged, 0 closed/);
      assert.equal(svg.querySelectorAll('[data-series] path').length, 3);
      assert.equal(root.querySelectorAll('.burndown-table tbody tr').length, 2);
      // Nothing a row says becomes markup.
      assert.equal(root.querySelector('script'), null);
    } finally {
      page.stop();
      await dom.close();
    }
  });

  it('loads again when the extension says the job changed', async () => {
    const dom = makeDom();
    let job: Job = { ...OVERVIEW_JOB, burndown: [] };
    const { host, push } = webviewHost(overviewProtocol, { ...ACTIONS_DONE, load: () => ({ job, repositories: [] }) });
    const page = await startOverviewPage(host, dom.root);
    try {
      assert.match(dom.root.querySelector('.burndown-section')!.textContent!, /No pull requests followed yet/);
      job = {
        ...OVERVIEW_JOB,
        pullRequestCounts: { ...OVERVIEW_JOB.pullRequestCounts!, open: 1, merged: 2 },
      };
      push('changed', {});
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(countOf(dom.root, 'pull-requests', 'merged'), '2');
      assert.ok(dom.root.querySelector('svg.burndown-chart'));
    } finally {
      page.stop();
      await dom.close();
    }
  });

  it('lists the change groups in words, opens one, and approves a group with the members it shows', async () => {
    const dom = makeDom();
    const asked: unknown[] = [];
    let changes = OVERVIEW_CHANGES;
    const { host } = webviewHost(overviewProtocol, {
      ...ACTIONS_DONE,
      load: () => ({ job: OVERVIEW_JOB, repositories: OVERVIEW_ROWS, changes }),
      openGroup: (params) => {
        asked.push(params);
        return { done: true };
      },
      followUpGroup: (params) => {
        asked.push(params);
        return { done: true };
      },
      reviewGroup: (params) => {
        asked.push(params);
        if (params.fingerprint === changes.groups[2]!.fingerprint)
          return { done: false, message: 'The group changed since it was shown (acme/d has a new diff): look again.' };
        changes = {
          ...changes,
          groups: changes.groups.map((group, index) =>
            index === 0 ? { ...group, reviewCounts: { approved: 2, rejected: 0, unreviewed: 0 } } : group,
          ),
        };
        return { done: true, message: 'Approved 2 repositories.' };
      },
    });
    const page = await startOverviewPage(host, dom.root);
    const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
    const group = (index: number) => dom.root.querySelectorAll<HTMLElement>('.group-list .group')[index]!;
    const press = (index: number, label: string) =>
      [...group(index).querySelectorAll('button')].find((button) => button.textContent === label)!.click();
    try {
      assert.equal(dom.root.querySelector('#changes-heading')?.textContent, 'Changes (3 distinct)');
      assert.deepEqual(
        [...dom.root.querySelectorAll('.group-title')].map((title) => title.textContent?.trim()),
        [
          '2 repositories · the same change',
          '1 · a variant of the same change: only indentation differs',
          '1 · outlier: touches package-lock.json, which the largest group does not',
        ],
      );
      assert.equal(group(0).querySelector('.group-reviewed')?.textContent, '1 of 2 reviewed · 1 approved');
      press(0, 'Open group');
      press(0, 'Approve group');
      await settle();
      assert.deepEqual(asked, [
        { fingerprint: 'a'.repeat(64) },
        // Each member with the digest of its patch the page was given: the API refuses any other.
        {
          fingerprint: 'a'.repeat(64),
          state: 'approved',
          members: [
            { repositoryName: 'acme/a', digest: 'd'.repeat(64) },
            { repositoryName: 'acme/b', digest: 'e'.repeat(64) },
          ],
        },
      ]);
      assert.equal(dom.root.querySelector('.changes [role="status"]')?.textContent, 'Approved 2 repositories.');
      assert.equal(group(0).querySelector('.group-reviewed')?.textContent, '2 of 2 reviewed · 2 approved');
      assert.equal(
        [...group(0).querySelectorAll('button')].find((b) => b.textContent === 'Approve group')!.disabled,
        true,
      );
      // Follow up…: the group's members as shown, for the host to ask which round.
      asked.length = 0;
      press(0, 'Follow up…');
      await settle();
      assert.deepEqual(asked, [
        { fingerprint: 'a'.repeat(64), repositories: ['acme/a', 'acme/b'], title: '2 repositories · the same change' },
      ]);
      // Refused: the page loads again and says why.
      press(2, 'Reject group');
      await settle();
      assert.match(dom.root.querySelector('.changes [role="alert"]')!.textContent!, /The group changed since/);
    } finally {
      page.stop();
      await dom.close();
    }
  });

  it('says a group has members in other surroundings, and sends its approval to the group view', async () => {
    const dom = makeDom();
    const [main, ...rest] = OVERVIEW_CHANGES.groups;
    const changes = {
      ...OVERVIEW_CHANGES,
      groups: [{ ...main!, surroundings: [{ repositories: ['acme/b'] }] }, ...rest],
    };
    const { host } = webviewHost(overviewProtocol, {
      ...ACTIONS_DONE,
      load: () => ({ job: OVERVIEW_JOB, repositories: OVERVIEW_ROWS, changes }),
    });
    const page = await startOverviewPage(host, dom.root);
    try {
      const first = dom.root.querySelector<HTMLElement>('.group-list .group')!;
      assert.match(
        first.querySelector('.group-surroundings-note')!.textContent!,
        /Same lines, different surroundings: 1 member has the change with other code around it; open it before approving/,
      );
      const approve = [...first.querySelectorAll('button')].find((button) => button.textContent === 'Approve group')!;
      assert.equal(approve.disabled, true);
      assert.match(approve.title, /^Open the group first/);
      const reject = [...first.querySelectorAll('button')].find((button) => button.textContent === 'Reject group')!;
      assert.equal(reject.disabled, false);
    } finally {
      page.stop();
      await dom.close();
    }
  });
});
