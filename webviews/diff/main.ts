import '../shared/base.css';
import './style.css';
import { DiffLayout, DiffPanelState, diffProtocol } from '../../common/webviewProtocol';
import { h } from '../shared/dom';
import { connectHost } from '../shared/host';
import { renderDiffView } from './render';

// The diff webview's entry point: asks the extension for the patch and renders it; the layout
// choice is kept with setState, so it survives hiding the panel and reloading the window.

const host = connectHost(diffProtocol);
const root = document.getElementById('app')!;
const saved = DiffPanelState.partial().safeParse(host.getState() ?? {});
let state = saved.success ? saved.data : {};

function report(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  root.querySelector('.notice.error')?.remove();
  root.prepend(h(document, 'p', { class: 'notice error', role: 'alert' }, message));
}

async function main(): Promise<void> {
  const data = await host.client.request('load', {});
  const layout = DiffLayout.catch('side-by-side').parse(state.layout);
  state = { jobId: data.jobId, repositoryName: data.repositoryName, layout };
  host.setState(state);
  renderDiffView(root, data, { layout }, {
    openInDiffEditor: (path) => void host.client.request('openFileInDiffEditor', { path }).catch(report),
    apply: () => void host.client.request('applyToLocalCheckout', {}).catch(report),
    download: () => void host.client.request('downloadPatch', {}).catch(report),
    openPullRequest: () => void host.client.request('openPullRequest', {}).catch(report),
    layoutChanged: (value) => {
      state = { ...state, layout: value };
      host.setState(state);
    },
  });
}

main().catch((error) => {
  root.removeAttribute('aria-busy');
  root.replaceChildren();
  report(error);
});
