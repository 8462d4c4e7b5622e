import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PatchRevisionRequest } from '../../common/schemas';
import type { DiffLayout, GroupShown } from '../../common/webviewProtocol';
import { makeDom } from '../../test/helpers/dom';
import { useHostedRepository } from '../../test/helpers/git';
import { type DiffViewActions, renderDiffView } from './render';

// Dropping hunks and files in the diff view (DOM), on a patch made by real git: a Drop toggle on
// each hunk header and file, the rows of what is marked struck through, and Save sending exactly
// what is marked as a revision of the revision shown. And the group view's section.

const lines = (count: number, changed: Record<number, string> = {}) =>
  `${Array.from({ length: count }, (_, index) => changed[index + 1] ?? `line ${index + 1}`).join('\n')}\n`;

/** The diff view's job and repository, as the extension names them. */
const WIDGETS = { jobId: 'j', repositoryName: 'acme/widgets', jobName: 'x' };

describe('diff view: dropping hunks, and the group view (DOM)', function () {
  this.timeout(30_000);
  const hosted = useHostedRepository('acme/widgets', { 'src/long.ts': lines(40), 'package-lock.json': '{}\n' });
  let patch: string;

  before(async () => {
    patch = await hosted.patchFrom(async (checkout) => {
      await writeFile(path.join(checkout, 'src/long.ts'), lines(40, { 2: 'first change', 35: 'second change' }));
      await writeFile(path.join(checkout, 'package-lock.json'), '{ "lockfileVersion": 3 }\n');
    });
  });

  function recorder(refusal?: string) {
    const sent: PatchRevisionRequest[] = [];
    const calls: string[] = [];
    const actions: DiffViewActions = {
      openInDiffEditor: () => undefined,
      apply: () => undefined,
      download: () => undefined,
      openPullRequest: () => undefined,
      layoutChanged: () => undefined,
      showAttempt: () => undefined,
      viewedChanged: () => undefined,
      reload: () => undefined,
      dropEverywhere: async (scope, request) => {
        calls.push(`everywhere ${scope} ${JSON.stringify(request.drop)}`);
        return 'Dropped package-lock.json from 14 of 15 repositories of "x"; 1 not done.';
      },
      review: async () => undefined,
      showRepository: async () => undefined,
      reviewGroup: async (state, members) => {
        calls.push(`${state} ${members.map((member) => `${member.repositoryName}@${member.digest[0]}`).join(',')}`);
        return `Approved ${members.length} repositories.`;
      },
      openMember: (name) => calls.push(`open ${name}`),
      showSurroundings: async () => ({ hunks: [], moreHunks: 0 }),
      openGroup: (fingerprint) => calls.push(`group ${fingerprint.slice(0, 4)}`),
      revisePatch: async (request) => {
        sent.push(request);
        return refusal;
      },
      showRevision: (revision) => calls.push(`revision ${revision}`),
    };
    return { sent, calls, actions };
  }

  for (const layout of ['line-by-line', 'side-by-side'] as DiffLayout[]) {
    it(`marks a hunk and a file to drop and saves them as a revision of the one shown (${layout})`, async () => {
      const dom = makeDom();
      const { sent, actions } = recorder();
      renderDiffView(
        dom.root,
        {
          ...WIDGETS,
          patch,
          revisable: true,
          revision: { shown: 0, current: 0 },
        },
        { layout },
        actions,
      );
      const hunkButtons = [...dom.root.querySelectorAll<HTMLButtonElement>('button[data-drop="hunk"]')];
      assert.deepEqual(
        hunkButtons.map((button) => button.getAttribute('aria-label')),
        ['Drop hunk 1 of package-lock.json', 'Drop hunk 1 of src/long.ts', 'Drop hunk 2 of src/long.ts'],
      );
      const dropLine = dom.root.querySelector<HTMLElement>('.drop-line')!;
      assert.equal(dropLine.hidden, true, 'nothing marked, nothing to save');
      hunkButtons[2]!.click();
      assert.equal(hunkButtons[2]!.getAttribute('aria-pressed'), 'true');
      const longFile = dom.root.querySelector('details.file[data-path="src/long.ts"]')!;
      const struck = [...longFile.querySelectorAll('tr.dropped')].map((row) => row.textContent ?? '');
      assert.ok(
        struck.some((text) => text.includes('second change')),
        'the dropped hunk’s rows are marked',
      );
      assert.ok(!struck.some((text) => text.includes('first change')), 'the kept hunk’s are not');
      dom.root.querySelector<HTMLButtonElement>('button[data-drop="file"][data-path="package-lock.json"]')!.click();
      assert.equal(dropLine.hidden, false);
      assert.equal(dom.root.querySelector('#drop-summary')!.textContent, '1 hunk and 1 file marked to drop');
      dom.root.querySelector<HTMLButtonElement>('#save-revision')!.click();
      await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(sent, [
        { basedOn: 0, drop: [{ path: 'package-lock.json' }, { path: 'src/long.ts', hunks: [1] }] },
      ]);
      // Clear takes every mark back.
      dom.root.querySelector<HTMLButtonElement>('#clear-drops')!.click();
      assert.equal(dom.root.querySelectorAll('[aria-pressed="true"][data-drop]').length, 0);
      assert.equal(dom.root.querySelectorAll('tr.dropped').length, 0);
      assert.equal(dropLine.hidden, true);
      await dom.close();
    });
  }

  it('in a group view, drops what is marked from every member or the whole job, never from the shown one alone', async () => {
    const dom = makeDom();
    const { calls, sent, actions } = recorder();
    renderDiffView(
      dom.root,
      {
        ...WIDGETS,
        patch,
        group: {
          fingerprint: 'a'.repeat(64),
          title: '15 repositories · the same change',
          representative: 'acme/widgets',
          members: [{ repositoryName: 'acme/widgets', state: 'unreviewed' }],
        },
        revision: { shown: 0, current: 0 },
        dropScopes: ['group', 'job'],
      },
      { layout: 'line-by-line' },
      actions,
    );
    dom.root.querySelector<HTMLButtonElement>('button[data-drop="file"][data-path="package-lock.json"]')!.click();
    assert.equal(dom.root.querySelector('#save-revision'), null, 'no revision of the representative alone');
    assert.ok(dom.root.querySelector('#drop-job'), 'the whole job is one click away');
    dom.root.querySelector<HTMLButtonElement>('#drop-group')!.click();
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(calls, ['everywhere group [{"path":"package-lock.json"}]']);
    assert.deepEqual(sent, []);
    assert.match(dom.root.querySelector('#revision-status')!.textContent!, /^Dropped package-lock\.json from 14 of 15/);
    await dom.close();
  });

  it('says why a revision was refused, and refuses to drop everything', async () => {
    const dom = makeDom();
    const { actions } = recorder('Not saved: the patch can take no new revision now (PATCH_LOCKED).');
    renderDiffView(
      dom.root,
      {
        ...WIDGETS,
        patch,
        revisable: true,
        revision: { shown: 1, current: 1 },
      },
      { layout: 'line-by-line' },
      actions,
    );
    assert.equal(
      dom.root.querySelector('#revision-text')!.textContent,
      'Revision 1 of 1: hunks left out by a reviewer',
    );
    dom.root.querySelector<HTMLButtonElement>('button[data-drop="hunk"]')!.click();
    dom.root.querySelector<HTMLButtonElement>('#save-revision')!.click();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const status = dom.root.querySelector('#revision-status')!;
    assert.equal(status.getAttribute('role'), 'alert');
    assert.match(status.textContent!, /PATCH_LOCKED/);
    for (const button of dom.root.querySelectorAll<HTMLButtonElement>('button[data-drop="file"]')) button.click();
    assert.equal(dom.root.querySelector<HTMLButtonElement>('#save-revision')!.disabled, true);
    assert.match(status.textContent!, /leaves nothing of the diff/);
    await dom.close();
  });

  it('shows an earlier revision read-only, with the way back to the current one', async () => {
    const dom = makeDom();
    const { calls, actions } = recorder();
    renderDiffView(
      dom.root,
      { ...WIDGETS, patch, revision: { shown: 0, current: 2 } },
      { layout: 'line-by-line' },
      actions,
    );
    assert.match(dom.root.querySelector('#revision-text')!.textContent!, /^The original diff \(revision 0/);
    assert.equal(dom.root.querySelectorAll('[data-drop]').length, 0, 'nothing to drop on a read-only revision');
    assert.equal(dom.root.querySelector('#apply'), null, 'apply takes the current revision: not offered here');
    assert.equal(dom.root.querySelector('#download'), null);
    dom.root.querySelector<HTMLButtonElement>('#show-current')!.click();
    assert.deepEqual(calls, ['revision 2']);
    await dom.close();
  });

  it('shows a group: its members open their own diffs, and Approve group sends the members listed', async () => {
    const dom = makeDom();
    const { calls, actions } = recorder();
    const group: GroupShown = {
      fingerprint: 'a'.repeat(64),
      title: '3 repositories · the same change',
      representative: 'acme/widgets',
      members: [
        { repositoryName: 'acme/widgets', state: 'unreviewed', digest: '1'.repeat(64) },
        { repositoryName: 'acme/gadgets', state: 'approved', digest: '2'.repeat(64) },
        { repositoryName: 'acme/tools', state: 'unreviewed', digest: '3'.repeat(64) },
      ],
    };
    const view = renderDiffView(dom.root, { ...WIDGETS, patch, group }, { layout: 'line-by-line' }, actions);
    assert.equal(dom.root.querySelector('#group-title')!.textContent, '3 repositories · the same change');
    // Apply and Download take the representative's patch, and say whose.
    assert.equal(dom.root.querySelector('#apply')!.textContent, "Apply acme/widgets's patch");
    assert.equal(dom.root.querySelector('#download')!.textContent, "Download acme/widgets's patch");
    const members = [...dom.root.querySelectorAll<HTMLElement>('.group-members li')];
    assert.deepEqual(
      members.map((li) => [li.dataset.repository, li.dataset.state]),
      [
        ['acme/widgets', 'unreviewed'],
        ['acme/gadgets', 'approved'],
        ['acme/tools', 'unreviewed'],
      ],
    );
    members[2]!.querySelector('button')!.click();
    dom.root.querySelector<HTMLButtonElement>('#approve-group')!.click();
    await new Promise((resolve) => setTimeout(resolve, 10));
    // Each member with the digest it was shown with.
    assert.deepEqual(calls, ['open acme/tools', 'approved acme/widgets@1,acme/gadgets@2,acme/tools@3']);
    assert.equal(dom.root.querySelector('.group-status')!.textContent, 'Approved 3 repositories.');
    assert.equal(dom.root.querySelector('#approve'), null, 'no single-repository review in a group view');
    // Approve from the keyboard says where to go instead.
    view.review.review('approved');
    assert.match(dom.root.querySelector('#review-status')!.textContent!, /^This is a group view: Approve group/);
    await dom.close();
  });

  it('shows members in other surroundings apart, and approves the group only once each was shown', async () => {
    const dom = makeDom();
    const { calls, actions } = recorder();
    const asked: string[] = [];
    actions.showSurroundings = async (name) => {
      asked.push(name);
      return {
        hunks: [
          {
            path: 'src/server.js',
            header: '@@ -1,7 +1,7 @@ export function handle(request) {',
            lines: [
              { text: '-  checkAuth(request);', differs: false },
              { text: '   if (false) {', differs: true },
              { text: '+  checkAuth(request);', differs: false },
            ],
            moreLines: 0,
          },
        ],
        moreHunks: 0,
      };
    };
    const group: GroupShown = {
      fingerprint: 'b'.repeat(64),
      title: '4 repositories · the same change',
      representative: 'acme/harmless',
      members: ['acme/dead-code', 'acme/harmless', 'acme/other', 'acme/third'].map((repositoryName, index) => ({
        repositoryName,
        state: 'unreviewed' as const,
        digest: String(index).repeat(64),
      })),
      surroundings: [
        { repositories: ['acme/dead-code', 'acme/third'], opened: false },
        { repositories: ['acme/other'], opened: false },
      ],
    };
    renderDiffView(
      dom.root,
      { jobId: 'j', repositoryName: 'acme/harmless', jobName: 'x', patch, group },
      { layout: 'line-by-line' },
      actions,
    );
    const approve = dom.root.querySelector<HTMLButtonElement>('#approve-group')!;
    const reject = dom.root.querySelector<HTMLButtonElement>('#reject-group')!;
    assert.equal(approve.disabled, true, 'not before the other surroundings are shown');
    assert.equal(reject.disabled, false, 'rejecting needs nothing shown');
    assert.match(
      dom.root.querySelector('#surroundings-note')!.textContent!,
      /^Same lines, different surroundings: 2 members have/,
    );
    const variants = [...dom.root.querySelectorAll<HTMLElement>('.surroundings-list > li')];
    assert.deepEqual(
      variants.map((li) => [li.dataset.repository, li.dataset.opened]),
      [
        ['acme/dead-code', 'false'],
        ['acme/other', 'false'],
      ],
    );
    assert.match(variants[0]!.textContent!, /acme\/dead-code and 1 alike/);
    variants[0]!.querySelector<HTMLButtonElement>('.show-surroundings')!.click();
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(asked, ['acme/dead-code']);
    const differing = variants[0]!.querySelector('.line.differs')!;
    assert.equal(differing.textContent, '!    if (false) {\n');
    assert.equal(variants[0]!.dataset.opened, 'true');
    assert.equal(approve.disabled, true, 'one is still not shown');
    assert.match(dom.root.querySelector('#surroundings-note')!.textContent!, /open the 1 not opened yet/);
    // Opening the member's own diff counts too.
    const other = [...dom.root.querySelectorAll<HTMLElement>('.group-members li')].find(
      (li) => li.dataset.repository === 'acme/other',
    )!;
    other.querySelector('button')!.click();
    assert.equal(approve.disabled, false);
    assert.match(dom.root.querySelector('#surroundings-note')!.textContent!, /all 2 opened/);
    approve.click();
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(calls, ['open acme/other', 'approved acme/dead-code@0,acme/harmless@1,acme/other@2,acme/third@3']);
    await dom.close();
  });

  it('gives an outlier a secondary Approve, and offers the next unreviewed group once a group is reviewed', async () => {
    const outlier = makeDom();
    const { calls, actions } = recorder();
    const next = { fingerprint: 'b'.repeat(64), title: '1 · outlier: touches package-lock.json' };
    renderDiffView(
      outlier.root,
      {
        ...WIDGETS,
        patch,
        group: {
          fingerprint: 'b'.repeat(64),
          title: next.title,
          kind: 'outlier',
          representative: 'acme/widgets',
          members: [{ repositoryName: 'acme/widgets', state: 'unreviewed' }],
        },
      },
      { layout: 'line-by-line' },
      actions,
    );
    assert.equal(outlier.root.querySelector('#approve-group')!.classList.contains('primary'), false);
    await outlier.close();

    const done = makeDom();
    renderDiffView(
      done.root,
      {
        ...WIDGETS,
        patch,
        group: {
          fingerprint: 'a'.repeat(64),
          title: '5 repositories · the same change',
          kind: 'main',
          representative: 'acme/widgets',
          members: [{ repositoryName: 'acme/widgets', state: 'approved' }],
          next,
        },
      },
      { layout: 'line-by-line' },
      actions,
    );
    const go = done.root.querySelector<HTMLButtonElement>('#next-group')!;
    assert.equal(go.textContent, 'Next unreviewed group: 1 · outlier: touches package-lock.json');
    assert.ok(go.classList.contains('primary'), 'what to do next is the primary button now');
    go.click();
    assert.deepEqual(calls, ['group bbbb']);
    await done.close();
  });
});
