import { StaleWatch } from '../../common/viewChanges';
import { type PageContext, poll } from './page';

// A page that shows what may change elsewhere (a diff, a change group, a job's overview) looks
// again at what it painted, as VS Code's panels do (extension/webviews/viewWatch.ts): every few
// seconds while the tab is visible, at once when the tab is shown again, and when another tab of this browser acted
// on the same job (`jobTouched`: localStorage's `storage` event reaches the other tabs). A review,
// a revision or a new attempt made anywhere else (the CLI, VS Code, another reviewer) is found by
// the next look. What a look compares, and when a finding counts, is common/viewChanges.ts's
// `StaleWatch`; a diff or group page is told with its `changed` event and says "this changed —
// reload"; the job page paints the overview and its rows again (they hold no half-made choice).

const TOUCHED_PREFIX = 'cody-batch.jobTouched:';

/** How often an open page looks again, as VS Code's default `codyBatch.refreshIntervalSeconds`. */
export const LOOK_MS = 5_000;

export interface PageWatch {
  /** The page painted anew; `check` says why what it painted is not what is there any more. */
  painted(check: () => Promise<string | undefined>): void;
  /** The API refused to act on what the page shows (409): say it changed, now. */
  changed(message: string): void;
  /** Refuses an action while the page shows what is not there any more. */
  unchanged(): void;
}

export function watchPage(
  context: PageContext,
  options: { jobId: string; intervalMs: number; say(message: string): void },
): PageWatch {
  const { document, window } = context;
  const watch = new StaleWatch(options.say);
  let check: (() => Promise<string | undefined>) | undefined;
  // A look that fails (the API out of reach for a moment) is tried again at the next one.
  const look = () =>
    check && document.visibilityState === 'visible' ? watch.look(check).catch(() => undefined) : Promise.resolve();
  poll(
    context,
    options.intervalMs,
    async () => {
      await look();
      return true;
    },
    () => undefined,
  );
  const onVisible = () => void look();
  const onStorage = (event: StorageEvent) => {
    if (event.key === TOUCHED_PREFIX + options.jobId) void look();
  };
  document.addEventListener('visibilitychange', onVisible);
  window.addEventListener('storage', onStorage);
  context.onLeave(() => {
    document.removeEventListener('visibilitychange', onVisible);
    window.removeEventListener('storage', onStorage);
  });
  return {
    painted: (next) => {
      check = next;
      watch.painted();
    },
    changed: (message) => watch.changed(message),
    unchanged: () => watch.unchanged(),
  };
}

/** This tab acted on the job: the other tabs' open views of it look again now. */
export function jobTouched(window: Window, jobId: string): void {
  try {
    window.localStorage.setItem(TOUCHED_PREFIX + jobId, `${Date.now()}-${Math.random()}`);
  } catch {
    // Storage full or refused: the other tabs find it at their next look.
  }
}
