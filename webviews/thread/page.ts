import { type ThreadPanelState, ViewPlace, type threadProtocol } from '../../common/webviewProtocol';
import { h } from '../shared/dom';
import type { Host } from '../shared/host';
import { openKeys, restoreScroll, watchScroll, watchToggles } from '../shared/viewMemory';
import { renderThreadView, type ThreadViewData } from './render';

// The thread page: asks the extension for the thread and renders it. While the repository still
// runs, it re-reads the thread every few seconds, only while the panel is visible. The sections
// the user opened and the scroll position are kept with setState, so switching tabs back (which
// rebuilds the page) shows the same place.

export interface ThreadPageOptions {
  refreshMs?: number;
}

export interface ThreadPage {
  /** Stops re-reading a running thread. */
  stop(): void;
}

function running(status: string): boolean {
  return status === 'PENDING' || status === 'RUNNING';
}

export async function startThreadPage(
  host: Host<typeof threadProtocol>,
  root: HTMLElement,
  options: ThreadPageOptions = {},
): Promise<ThreadPage> {
  const document = root.ownerDocument;
  const window = document.defaultView!;
  const refreshMs = options.refreshMs ?? 4000;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const page: ThreadPage = {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
  const report = (error: unknown) => {
    root.removeAttribute('aria-busy');
    root.querySelector('.notice.error')?.remove();
    root.prepend(
      h(
        document,
        'p',
        { class: 'notice error', role: 'alert' },
        error instanceof Error ? error.message : String(error),
      ),
    );
  };
  const actions = { openLink: (url: string) => void host.client.request('openLink', { url }).catch(report) };

  let data: ThreadViewData;
  try {
    const place = ViewPlace.parse(host.getState() ?? {});
    data = await host.client.request('load', {});
    let state: ThreadPanelState = { jobId: data.jobId, repositoryName: data.repositoryName, ...place };
    const update = (change: Partial<ThreadPanelState>) => {
      state = { ...state, ...change };
      host.setState(state);
    };
    host.setState(state);
    renderThreadView(root, data, actions, { open: place.open });
    watchToggles(root, () => update({ open: openKeys(root, 'data-key') }));
    restoreScroll(window, place.scrollY);
    watchScroll(window, (scrollY) => update({ scrollY }));
  } catch (error) {
    report(error);
    return page;
  }

  const poll = async (): Promise<void> => {
    if (stopped || !running(data.status)) return;
    if (document.visibilityState === 'visible') {
      try {
        const fresh = await host.client.request('refresh', {});
        const grew = fresh.thread.messages.length !== data.thread.messages.length || fresh.status !== data.status;
        data = { ...data, ...fresh, error: fresh.error };
        if (grew && !stopped) {
          const atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
          renderThreadView(root, data, actions);
          if (atBottom) window.scrollTo(0, document.body.scrollHeight);
        }
      } catch (error) {
        report(error);
      }
    }
    if (!stopped) timer = setTimeout(() => void poll(), refreshMs);
  };
  timer = setTimeout(() => void poll(), refreshMs);
  return page;
}
