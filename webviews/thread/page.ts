import { type ThreadPanelState, ViewPlace, type threadProtocol } from '../../common/webviewProtocol';
import { showErrorAbove } from '../shared/dom';
import type { Host } from '../shared/host';
import { pageRefresh } from '../shared/refresh';
import { keptState, restoreScroll } from '../shared/viewMemory';
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
  const refresh = pageRefresh(options.refreshMs ?? 4000);
  const page: ThreadPage = { stop: refresh.stop };
  const report = (error: unknown) => showErrorAbove(root, error);
  const actions = {
    openLink: (url: string) => void host.client.request('openLink', { url }).catch(report),
    showAttempt: (attempt: number) => void host.client.request('showAttempt', { attempt }).catch(report),
  };

  let data: ThreadViewData | undefined;
  // Registered once: it keeps whatever the page shows now.
  const kept = keptState<ThreadPanelState>(host, root, 'data-key');
  /** Loads and renders; `fresh`: the panel now shows another attempt, from the top. */
  const show = async (fresh: boolean): Promise<boolean> => {
    try {
      const place = fresh ? {} : ViewPlace.parse(host.getState() ?? {});
      const loaded = await host.client.request('load', {});
      data = loaded;
      kept.set({
        jobId: loaded.jobId,
        repositoryName: loaded.repositoryName,
        ...(loaded.attempt !== loaded.attempts?.at(-1)?.attempt ? { attempt: loaded.attempt } : {}),
        jobName: loaded.jobName,
        ...place,
      });
      if (fresh) root.replaceChildren();
      renderThreadView(root, loaded, actions, { open: place.open });
      if (fresh) window.scrollTo(0, 0);
      else restoreScroll(window, place.scrollY);
      return true;
    } catch (error) {
      report(error);
      return false;
    }
  };
  host.client.on('show', () => {
    void show(true).then(() => refresh.later(() => void poll()));
  });
  if (!(await show(false))) return page;

  const poll = async (): Promise<void> => {
    if (refresh.stopped || !data || !running(data.status)) return;
    if (document.visibilityState === 'visible') {
      try {
        const fresh = await host.client.request('refresh', {});
        const before = data;
        const grew = fresh.thread.messages.length !== before.thread.messages.length || fresh.status !== before.status;
        data = { ...before, ...fresh, error: fresh.error };
        if (grew && !refresh.stopped) {
          const atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
          renderThreadView(root, data, actions);
          if (atBottom) window.scrollTo(0, document.body.scrollHeight);
        }
      } catch (error) {
        report(error);
      }
    }
    refresh.later(() => void poll());
  };
  refresh.later(() => void poll());
  return page;
}
