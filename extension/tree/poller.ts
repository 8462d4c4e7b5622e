// When the Jobs view looks at the API again, modelled on github/vscode-github-actions'
// autoRefreshManager: at the set rate while the view is visible and some job runs; while the view
// is hidden, a slow background poll (a quarter of the rate, at least every 30 s) keeps the status
// bar and the finish notification true; nothing at all once no job runs. No vscode here.

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const NODE_TIMERS: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** The slowest a hidden view polls while a job runs. */
export const BACKGROUND_MAX_MS = 30_000;

/** Milliseconds to the next poll: the set interval while visible; hidden, four times it, at most 30 s (never faster). */
export function pollDelayMs(intervalSeconds: number, visible: boolean): number {
  const visibleMs = Math.max(2, intervalSeconds) * 1000;
  return visible ? visibleMs : Math.max(visibleMs, Math.min(visibleMs * 4, BACKGROUND_MAX_MS));
}

export type PollMode = 'off' | 'visible' | 'background';

export class Poller {
  private visible = false;
  private active = false;
  private handle: unknown;

  constructor(
    private readonly poll: () => void,
    private readonly intervalSeconds: () => number,
    private readonly timers: Timers = NODE_TIMERS,
  ) {}

  /** What the poller is doing now: nothing, polling at the set rate, or slowly in the background. */
  get mode(): PollMode {
    if (this.handle === undefined) return 'off';
    return this.visible ? 'visible' : 'background';
  }

  /** The view was shown or hidden. Shown again while a job runs: look now, what it shows may be stale. */
  setVisible(visible: boolean): void {
    const shown = visible && !this.visible;
    this.visible = visible;
    this.schedule(shown ? 0 : undefined);
  }

  /** After each look: whether any job still runs. Polling stops when none does. */
  setActive(active: boolean): void {
    this.active = active;
    this.schedule();
  }

  /** (Re)starts the wait for the next poll, `delayMs` from now or at the current rate. */
  schedule(delayMs?: number): void {
    this.cancel();
    if (!this.active) return;
    this.handle = this.timers.setTimeout(() => {
      this.handle = undefined;
      this.poll();
    }, delayMs ?? pollDelayMs(this.intervalSeconds(), this.visible));
  }

  dispose(): void {
    this.cancel();
    this.active = false;
  }

  private cancel(): void {
    if (this.handle !== undefined) this.timers.clearTimeout(this.handle);
    this.handle = undefined;
  }
}
