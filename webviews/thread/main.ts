import '../shared/base.css';
import './style.css';
import { threadProtocol } from '../../common/webviewProtocol';
import { connectHost } from '../shared/host';
import { startThreadPage } from './page';

// The thread webview's entry point.

void startThreadPage(connectHost(threadProtocol), document.getElementById('app')!);
