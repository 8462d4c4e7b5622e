import * as vscode from 'vscode';
import { StaleWatch } from '../../common/viewChanges';
import type { Log } from '../log/output';

// An open view looks again at what it painted while it is visible: each time the Jobs view looked at
// the jobs (its poll, a refresh, the end of an action), when another panel of this window changed
// the job, and every few seconds by itself (the Jobs view polls only while a job runs, and a review
// or a revision made elsewhere — the CLI, the web app, another reviewer — moves no job to running).
// When `check` finds a difference it says so once; the page then says "this changed — reload".
// A hidden panel is not watched: VS Code rebuilds its page when it shows again, and that loads anew.
// What a look compares, and when a finding counts, is common/viewChanges.ts's `StaleWatch`.

export interface ViewWatch extends vscode.Disposable {
  /** Looks now (another panel of this window changed the job). */
  poke(): void;
  /** The page painted anew: what it shows is what is there. */
  painted(): void;
  /** The API refused to act on what the page shows (409): say it changed, now. */
  changed(message: string): void;
  /** Refuses an action while the page shows what is not there any more. */
  unchanged(): void;
  /** Why what the page shows is not what is there, if the last look found so. */
  readonly stale: string | undefined;
}

/** What a watch needs of the extension: when the Jobs view looked again, and the log. */
export interface WatchServices {
  log: Pick<Log, 'warn'>;
  jobs: { onDidLoad: vscode.Event<void> };
}

export function watchView(
  services: WatchServices,
  panel: vscode.WebviewPanel,
  options: {
    /** Why the view is stale, or undefined; undefined too when there is nothing painted to compare. */
    check(): Promise<string | undefined>;
    /** Tell the page. */
    say(message: string): void;
    /** How many refresh intervals between two looks of its own (a group's look costs more). */
    intervals?: number;
  },
): ViewWatch {
  const watch = new StaleWatch(options.say);
  const look = async () => {
    if (!panel.visible) return;
    await watch.look(options.check).catch((error: unknown) => {
      services.log.warn(`Could not look again at what a view shows: ${String(error)}`);
    });
  };
  const seconds = () =>
    (vscode.workspace.getConfiguration('codyBatch').get<number>('refreshIntervalSeconds') ?? 5) *
    (options.intervals ?? 1);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;
  const schedule = () => {
    if (disposed) return;
    timer = setTimeout(() => {
      void look().finally(schedule);
    }, seconds() * 1000);
  };
  schedule();
  const subscription = services.jobs.onDidLoad(() => void look());
  return {
    poke: () => void look(),
    painted: () => watch.painted(),
    changed: (message) => watch.changed(message),
    unchanged: () => watch.unchanged(),
    get stale() {
      return watch.stale;
    },
    dispose: () => {
      disposed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      subscription.dispose();
    },
  };
}
