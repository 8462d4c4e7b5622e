import '../shared/base.css';
import './style.css';
import { composeProtocol } from '../../common/webviewProtocol';
import { connectHost } from '../shared/host';
import { startComposePage } from './page';

// The text editor webview's entry point.

void startComposePage(connectHost(composeProtocol), document.getElementById('app')!);
