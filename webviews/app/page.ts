import type { CodyBatchClient } from '../../common/client';
import type { Route } from './routes';

// What every page of the app is given: the API, where to draw, and how to leave.

export interface PageContext {
  client: CodyBatchClient;
  window: Window;
  document: Document;
  /** The page's own element, inside <main>; replaced on every navigation. */
  root: HTMLElement;
  /** The API's base URL, as the Create Job form shows it. */
  apiUrl: string;
  navigate(route: Route): void;
  /** Says `text` to screen readers (a polite live region), e.g. a running job's new status. */
  announce(text: string): void;
  /** Runs `stop` when the person leaves the page (timers, pollers). */
  onLeave(stop: () => void): void;
  /** Sets the tab's title: `{title} · Cody Batch`. */
  setTitle(title: string): void;
}

export type PageRenderer = (context: PageContext) => Promise<void> | void;

/**
 * Calls `tick` every `ms` while the page is shown and the tab visible, until it returns false
 * (the job finished) or the person leaves. A failed tick is reported and polling goes on.
 */
export function poll(
  context: PageContext,
  ms: number,
  tick: () => Promise<boolean>,
  report: (error: unknown) => void,
): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const next = () => {
    if (!stopped) timer = setTimeout(run, ms);
  };
  const run = async () => {
    if (context.document.visibilityState !== 'visible') return next();
    try {
      if (!(await tick())) return;
    } catch (error) {
      report(error);
    }
    next();
  };
  context.onLeave(() => {
    stopped = true;
    clearTimeout(timer);
  });
  next();
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
