import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '../shared/base.css';
import './style.css';
import { textEntryProtocol } from '../../common/webviewProtocol';
import { connectHost } from '../shared/host';
import { startTextEntryPage } from './page';

// The text entry webview's entry point.

void startTextEntryPage(connectHost(textEntryProtocol), document.getElementById('app')!);
