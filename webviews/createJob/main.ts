import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-radio/index.js';
import '@vscode-elements/elements/dist/vscode-radio-group/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '../shared/base.css';
import './style.css';
import { CreateJobPanelState, createJobProtocol } from '../../common/webviewProtocol';
import { h } from '../shared/dom';
import { connectHost } from '../shared/host';
import { renderCreateJobForm } from './form';

// The Create Job webview's entry point. The draft is kept with setState, so a reload (or moving
// the panel) loses nothing typed.

const host = connectHost(createJobProtocol);
const root = document.getElementById('app')!;
const saved = CreateJobPanelState.safeParse(host.getState() ?? {});

async function main(): Promise<void> {
  const loaded = await host.client.request('load', {});
  renderCreateJobForm(
    root,
    { prompt: loaded.prompt, apiUrl: loaded.apiUrl, draft: saved.success ? saved.data.draft : undefined },
    {
      pickWorkspaceRepositories: async () => (await host.client.request('pickWorkspaceRepositories', {})).repositories,
      loadRepositoriesFromFile: () => host.client.request('loadRepositoriesFromFile', {}),
      submit: async (draft) => {
        const result = await host.client.request('submit', { draft });
        if (result.ok) {
          host.setState({});
          await host.client.request('close', {});
          return { ok: true };
        }
        return result;
      },
      cancel: () => void host.client.request('close', {}),
      draftChanged: (draft) => host.setState({ draft } satisfies CreateJobPanelState),
    },
  );
}

main().catch((error) => {
  root.removeAttribute('aria-busy');
  root.replaceChildren(h(document, 'p', { class: 'notice error', role: 'alert' }, error instanceof Error ? error.message : String(error)));
});
