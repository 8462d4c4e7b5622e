// How a page re-reads what may still change (a running job, a thread Claude is still writing):
// one read waits at a time, a new one takes its place, and none starts once the page is stopped.

export interface Refresh {
  readonly stopped: boolean;
  /** Runs `read` after the page's interval, in place of the one waiting; nothing once stopped. */
  later(read: () => void): void;
  /** Drops the read waiting, if any. */
  cancel(): void;
  /** Drops the read waiting, and starts none after. */
  stop(): void;
}

export function pageRefresh(refreshMs: number): Refresh {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cancel = () => clearTimeout(timer);
  return {
    get stopped() {
      return stopped;
    },
    later(read) {
      cancel();
      if (!stopped) timer = setTimeout(read, refreshMs);
    },
    cancel,
    stop() {
      stopped = true;
      cancel();
    },
  };
}
