import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-radio/index.js';
import '@vscode-elements/elements/dist/vscode-radio-group/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { createJobProtocol } from '../../../common/webviewProtocol';
import { startCreateJobPage } from '../../createJob/page';
import { inPageHost } from '../../shared/host';
import type { PageContext } from '../page';
import { createJobHandlers } from '../viewHandlers';
import { services, sessionState } from './views';

// The Create Job page: the form of VS Code's Create Job panel. Loaded (with its VS Code Elements)
// when the page is first opened.

export async function renderCreateJobPage(context: PageContext) {
  context.setTitle('Create Job');
  const host = inPageHost(
    createJobProtocol,
    createJobHandlers(services(context), context.apiUrl),
    sessionState(context.window, 'createJob'),
  );
  await startCreateJobPage(host, context.root);
}
