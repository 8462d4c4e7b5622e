import '../shared/base.css';
import './style.css';
import { diffProtocol } from '../../common/webviewProtocol';
import { connectHost } from '../shared/host';
import { startDiffPage } from './page';

// The diff webview's entry point.

void startDiffPage(connectHost(diffProtocol), document.getElementById('app')!);
