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
import './sections.css';
import { createJobProtocol } from '../../common/webviewProtocol';
import { connectHost } from '../shared/host';
import { loadNameEngine } from './nameEngine';
import { startCreateJobPage } from './page';

// The Create Job webview's entry point. The name filters' engine is loaded once the form has
// painted and the page has loaded (VS Code shows a webview's page at its load event: the engine
// does not hold that up).

void startCreateJobPage(connectHost(createJobProtocol), document.getElementById('app')!).finally(() =>
  requestAnimationFrame(() =>
    setTimeout(() => {
      if (document.readyState === 'complete') loadNameEngine(document);
      else window.addEventListener('load', () => loadNameEngine(document), { once: true });
    }, 0),
  ),
);
