import '../shared/base.css';
import './style.css';
import { overviewProtocol } from '../../common/webviewProtocol';
import { connectHost } from '../shared/host';
import { startOverviewPage } from './page';

// The Job overview webview's entry point.

void startOverviewPage(connectHost(overviewProtocol), document.getElementById('app')!);
