import { DiffLayout, ViewPlace, type DiffPanelState, type diffProtocol } from '../../common/webviewProtocol';
import { h } from '../shared/dom';
import type { Host } from '../shared/host';
import { openKeys, restoreScroll, watchScroll, watchToggles } from '../shared/viewMemory';
import { renderDiffView } from './render';

// The diff page: asks the extension for the patch and renders it. The layout is this panel's
// saved choice (setState, so it survives hiding the panel and reloading the window), else the
// last one chosen in any diff panel, which the extension remembers. The files open and the scroll
// position are kept the same way, so switching tabs back shows the same place.

export async function startDiffPage(host: Host<typeof diffProtocol>, root: HTMLElement): Promise<void> {
  const document = root.ownerDocument;
  const report = (error: unknown) => {
    root.removeAttribute('aria-busy');
    root.querySelector('.notice.error')?.remove();
    root.prepend(
      h(
        document,
        'p',
        { class: 'notice error', role: 'alert' },
        error instanceof Error ? error.message : String(error),
      ),
    );
  };
  try {
    // Read the saved layout alone: DiffPanelState would fill in its default for a panel that has none.
    const saved = host.getState() as { layout?: unknown } | undefined;
    const savedLayout = DiffLayout.optional().catch(undefined).parse(saved?.layout);
    const place = ViewPlace.parse(saved ?? {});
    const data = await host.client.request('load', {});
    const layout = savedLayout ?? data.layout ?? 'side-by-side';
    let state: DiffPanelState = { jobId: data.jobId, repositoryName: data.repositoryName, layout, ...place };
    const update = (change: Partial<DiffPanelState>) => {
      state = { ...state, ...change };
      host.setState(state);
    };
    host.setState(state);
    const view = renderDiffView(
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
      },
    );
    const window = document.defaultView;
    watchToggles(root, () => update({ open: openKeys(root, 'data-path') }));
    await view.settled;
    update({ open: openKeys(root, 'data-path') });
    if (window) {
      restoreScroll(window, place.scrollY);
      watchScroll(window, (scrollY) => update({ scrollY }));
    }
  } catch (error) {
    root.replaceChildren();
    report(error);
  }
}
