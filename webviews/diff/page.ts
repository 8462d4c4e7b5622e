import { DiffLayout, type DiffPanelState, type diffProtocol } from '../../common/webviewProtocol';
import { h } from '../shared/dom';
import type { Host } from '../shared/host';
import { renderDiffView } from './render';

// The diff page: asks the extension for the patch and renders it. The layout is this panel's
// saved choice (setState, so it survives hiding the panel and reloading the window), else the
// last one chosen in any diff panel, which the extension remembers.

export async function startDiffPage(host: Host<typeof diffProtocol>, root: HTMLElement): Promise<void> {
  const document = root.ownerDocument;
  const report = (error: unknown) => {
    root.removeAttribute('aria-busy');
    root.querySelector('.notice.error')?.remove();
    root.prepend(h(document, 'p', { class: 'notice error', role: 'alert' }, error instanceof Error ? error.message : String(error)));
  };
  try {
    // Read the saved layout alone: DiffPanelState would fill in its default for a panel that has none.
    const savedLayout = DiffLayout.optional().catch(undefined).parse((host.getState() as { layout?: unknown } | undefined)?.layout);
    const data = await host.client.request('load', {});
    const layout = savedLayout ?? data.layout ?? 'side-by-side';
    let state: DiffPanelState = { jobId: data.jobId, repositoryName: data.repositoryName, layout };
    host.setState(state);
    renderDiffView(root, data, { layout }, {
      openInDiffEditor: (path) => void host.client.request('openFileInDiffEditor', { path }).catch(report),
      apply: () => void host.client.request('applyToLocalCheckout', {}).catch(report),
      download: () => void host.client.request('downloadPatch', {}).catch(report),
      openPullRequest: () => void host.client.request('openPullRequest', {}).catch(report),
      layoutChanged: (value) => {
        state = { ...state, layout: value };
        host.setState(state);
        void host.client.request('rememberLayout', { layout: value }).catch(report);
      },
    });
  } catch (error) {
    root.replaceChildren();
    report(error);
  }
}
