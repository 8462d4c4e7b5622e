import type { RepositoryErrorCode } from '../../common/errors';

// Whether this worker may go on with its row. It beats at every turn and step and on a timer; a
// heartbeat the store refuses means the row was cancelled, swept or re-queued: stop at once, and
// leave the row to whoever moved it.

export interface StopReason {
  code: RepositoryErrorCode;
  message: string;
  /** The row is no longer ours: record nothing on it. */
  released: boolean;
  /** We were told to stop (SIGTERM): leave the row for the next attempt to claim at once. */
  handOver?: boolean;
}

export class Liveness {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private reason: StopReason | undefined;
  private lastBeat: number;

  constructor(
    private readonly heartbeat: () => Promise<boolean>,
    private readonly onTransientError: (error: unknown) => void = () => undefined,
    /** Beats closer together than this are skipped: steps can follow each other within milliseconds. */
    private readonly minIntervalMs = 1_000,
    /** When the row was last known alive (the claim itself sets heartbeatAt). */
    lastBeat = Date.now(),
  ) {
    this.lastBeat = lastBeat;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get stopped(): StopReason | undefined {
    return this.reason;
  }

  start(intervalMs: number): void {
    this.timer ??= setInterval(() => void this.beat(), Math.max(intervalMs, this.minIntervalMs));
    this.timer.unref();
  }

  /** Records a heartbeat (unless one was just recorded); false once the run must stop. */
  async beat(): Promise<boolean> {
    if (this.reason) return false;
    if (Date.now() - this.lastBeat < this.minIntervalMs) return true;
    this.lastBeat = Date.now();
    try {
      if (!(await this.heartbeat())) {
        this.stop({
          code: 'CANCELLED',
          message: 'The repository was cancelled, or another worker took it over',
          released: true,
        });
      }
    } catch (error) {
      // A store hiccup is not a cancel; the next beat tries again, and the sweeper is the backstop.
      this.onTransientError(error);
    }
    return !this.reason;
  }

  stop(reason: StopReason): void {
    if (this.reason) return;
    this.reason = reason;
    this.controller.abort();
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
