import { DiffLayout, ViewPlace, type DiffPanelState, type diffProtocol } from '../../common/webviewProtocol';
import { showErrorAbove } from '../shared/dom';
import type { Host } from '../shared/host';
import { keptState, openKeys, restoreScroll } from '../shared/viewMemory';
import { type DiffView, renderDiffView } from './render';

// The diff page: asks the extension for the patch and renders it. The layout is this panel's
// saved choice (setState, so it survives hiding the panel and reloading the window), else the
// last one chosen in any diff panel, which the extension remembers. The files open and the scroll
// position are kept the same way, so switching tabs back shows the same place. When the panel is
// reused for another repository or attempt (the `show` event), the page loads again, from the top:
// that is also how an approval moves on to the next repository. Next/Previous File and Approve/
// Reject from the keyboard arrive as events (`goToFile`, `reviewRequested`) and do what the buttons do.
// A group view and an earlier revision are kept in the state too, so a reload shows them again.

export async function startDiffPage(host: Host<typeof diffProtocol>, root: HTMLElement): Promise<void> {
  const document = root.ownerDocument;
  const window = document.defaultView;
  // The verification failure above a kept change stays: it says why the change is there.
  const report = (error: unknown) => showErrorAbove(root, error, '.notice.error:not(.verify-failure)');
  let view: DiffView | undefined;
  // Registered once: it keeps whatever the page shows now.
  const { set, update } = keptState<DiffPanelState>(host, root, 'data-path');

  const show = async (fresh: boolean) => {
    try {
      // Read the saved layout alone: DiffPanelState would fill in its default for a panel that has none.
      const saved = host.getState() as { layout?: unknown } | undefined;
      const savedLayout = DiffLayout.optional().catch(undefined).parse(saved?.layout);
      const place = fresh ? {} : ViewPlace.parse(saved ?? {});
      // Marks for `npm run bench -- webview`, which reads where click-to-paint goes.
      performance.mark('cody-batch:load-sent');
      const data = await host.client.request('load', {});
      performance.mark('cody-batch:load-answered');
      const layout = savedLayout ?? data.layout ?? 'side-by-side';
      set({
        jobId: data.jobId,
        repositoryName: data.repositoryName,
        // An earlier attempt is kept for a reload; the current one is whichever is latest then.
        ...(data.attempt !== data.attempts?.at(-1)?.attempt ? { attempt: data.attempt } : {}),
        jobName: data.jobName,
        ...(data.group ? { group: data.group.fingerprint } : {}),
        // An earlier revision is kept for a reload too; the current one is whichever is latest then.
        ...(data.revision && data.revision.shown !== data.revision.current ? { revision: data.revision.shown } : {}),
        layout,
        ...place,
      });
      if (fresh) window?.scrollTo(0, 0);
      view = renderDiffView(
        root,
        data,
        { layout, open: place.open },
        {
          openInDiffEditor: (path) => void host.client.request('openFileInDiffEditor', { path }).catch(report),
          apply: () => void host.client.request('applyToLocalCheckout', {}).catch(report),
          download: () => void host.client.request('downloadPatch', {}).catch(report),
          openPullRequest: () => void host.client.request('openPullRequest', {}).catch(report),
          layoutChanged: (value) => {
            update({ layout: value });
            void host.client.request('rememberLayout', { layout: value }).catch(report);
          },
          showAttempt: (attempt) => void host.client.request('showAttempt', { attempt }).catch(report),
          // The digest of the patch this page painted: the API approves only that one.
          review: async (reviewState, note) => {
            await host.client.request('review', { state: reviewState, note, digest: data.digest });
          },
          showRepository: async (direction) => {
            const answer = await host.client.request('showRepository', { direction });
            return answer.done ? undefined : answer.message;
          },
          viewedChanged: (path, viewed) => void host.client.request('setViewed', { path, viewed }).catch(report),
          reviewGroup: async (verdict, members) =>
            (await host.client.request('reviewGroup', { state: verdict, members })).message,
          openMember: (repositoryName) => void host.client.request('openMember', { repositoryName }).catch(report),
          showSurroundings: (repositoryName) => host.client.request('showSurroundings', { repositoryName }),
          openGroup: (fingerprint) => void host.client.request('openGroup', { fingerprint }).catch(report),
          revisePatch: async (request) => {
            const answer = await host.client.request('revisePatch', request);
            return answer.done ? undefined : answer.message;
          },
          showRevision: (revision) => void host.client.request('showRevision', { revision }).catch(report),
          dropEverywhere: async (scope, request) => {
            const answer = await host.client.request('dropEverywhere', { ...request, scope });
            if (!answer.done) throw new Error(answer.message ?? 'Nothing was dropped.');
            return answer.message;
          },
          reload: () => {
            root.setAttribute('aria-busy', 'true');
            void show(false);
          },
        },
      );
      window?.requestAnimationFrame(() => window.setTimeout(() => performance.mark('cody-batch:painted'), 0));
      await view.settled;
      update({ open: openKeys(root, 'data-path') });
      if (window && !fresh) restoreScroll(window, place.scrollY);
    } catch (error) {
      root.replaceChildren();
      report(error);
    }
  };
  host.client.on('goToFile', ({ direction }) => {
    if (view && !view.goToFile(direction))
      view.review.say(`This is the ${direction === 'next' ? 'last' : 'first'} file.`);
  });
  host.client.on('reviewRequested', ({ state: verdict }) => view?.review.review(verdict));
  host.client.on('changed', ({ message }) => view?.stale(message));
  host.client.on('show', () => {
    root.setAttribute('aria-busy', 'true');
    void show(true);
  });
  await show(false);
}
