import '../shared/base.css';
import './style.css';
import { ThreadPanelState, threadProtocol } from '../../common/webviewProtocol';
import { h } from '../shared/dom';
import { connectHost } from '../shared/host';
import { renderThreadView, type ThreadViewData } from './render';

// The thread webview's entry point. While the repository still runs, it re-reads the thread every
// few seconds, only while the panel is visible.

const REFRESH_MS = 4000;
const host = connectHost(threadProtocol);
const root = document.getElementById('app')!;
const actions = { openLink: (url: string) => void host.client.request('openLink', { url }).catch(report) };

function report(error: unknown): void {
  root.removeAttribute('aria-busy');
  root.querySelector('.notice.error')?.remove();
  root.prepend(h(document, 'p', { class: 'notice error', role: 'alert' }, error instanceof Error ? error.message : String(error)));
}

let data: ThreadViewData | undefined;

function running(status: string): boolean {
  return status === 'PENDING' || status === 'RUNNING';
}

async function poll(): Promise<void> {
  if (!data || !running(data.status)) return;
  if (document.visibilityState === 'visible') {
    try {
      const fresh = await host.client.request('refresh', {});
      const grew = fresh.thread.messages.length !== data.thread.messages.length || fresh.status !== data.status;
      data = { ...data, ...fresh, error: fresh.error };
      if (grew) {
        const atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
        renderThreadView(root, data, actions);
        if (atBottom) window.scrollTo(0, document.body.scrollHeight);
      }
    } catch (error) {
      report(error);
    }
  }
  setTimeout(() => void poll(), REFRESH_MS);
}

async function main(): Promise<void> {
  data = await host.client.request('load', {});
  const state: ThreadPanelState = { jobId: data.jobId, repositoryName: data.repositoryName };
  host.setState(state);
  renderThreadView(root, data, actions);
  setTimeout(() => void poll(), REFRESH_MS);
}

main().catch(report);
