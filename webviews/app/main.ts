import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-radio/index.js';
import '@vscode-elements/elements/dist/vscode-radio-group/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '../shared/base.css';
import '../diff/style.css';
import '../thread/style.css';
import '../createJob/style.css';
import '../createJob/sections.css';
import '../overview/style.css';
import '../compose/style.css';
import './palette.css';
import './app.css';
import { startApp } from './app';

// The web app's entry point (dist/web/app.js): jobs, diffs, threads and logs in a browser tab.

void startApp(window);
