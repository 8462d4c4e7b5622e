import type { BulkProgress } from './client';
import type { RepositoryActionResult } from './schemas';

// What a job action (publish, merge, close, comment, delete's close) says at its end, from its
// per-repository results: one sentence, and each repository not done with why. Browser-safe: the
// extension and the web app say the same.

export interface ActionSummary {
  /** `Merged 2 of 3 pull requests of "Adopt v2"; 1 not done.` */
  message: string;
  /** All done (or nothing to do): information; else a warning with the details one click away. */
  level: 'info' | 'warning';
  /** The repositories not done: `acme/a — checks failing`. */
  notDone: { repositoryName: string; outcome: RepositoryActionResult['outcome']; reason: string }[];
  /** One line per repository, for the log. */
  lines: string[];
}

export interface ActionWords {
  /** `Merged`, `Closed`, `Commented on`, `Published`. */
  done: string;
  /** `pull requests`, `repositories`. */
  things: string;
  jobName: string;
}

export function summarizeResults(results: readonly RepositoryActionResult[], words: ActionWords): ActionSummary {
  const ok = results.filter((result) => result.outcome === 'done' || result.outcome === 'queued');
  const notDone = results
    .filter((result) => result.outcome !== 'done' && result.outcome !== 'queued')
    .map((result) => ({
      repositoryName: result.repositoryName,
      outcome: result.outcome,
      reason: result.reason ?? result.outcome,
    }));
  const of = `"${words.jobName}"`;
  const message =
    results.length === 0
      ? `No ${words.things} of ${of} matched; nothing was done.`
      : `${words.done} ${ok.length} of ${results.length} ${words.things} of ${of}${
          notDone.length > 0 ? `; ${notDone.length} not done` : ''
        }.`;
  const lines = results.map(resultLine);
  return { message, level: notDone.length > 0 ? 'warning' : 'info', notDone, lines };
}

/** `acme/b: skipped — checks failing`: one repository's result, for the log. */
export function resultLine(result: RepositoryActionResult): string {
  return `${result.repositoryName}: ${result.outcome}${result.reason ? ` — ${result.reason}` : ''}${
    result.pullRequest ? ` (${result.pullRequest.url})` : ''
  }`;
}

/**
 * A bulk action under way, as the user follows it: the count from its first second ("0 of 19
 * done"), each repository's result as it comes, the last one named, and any wait for the host.
 */
export class ActionTally {
  private readonly results = new Map<string, RepositoryActionResult>();
  private last: RepositoryActionResult | undefined;
  private wait: { seconds: number; reason?: string } | undefined;

  /** `total`: how many the action was asked for, when known before it starts. */
  constructor(private total: number | undefined) {}

  /** Results that came in; returns the new ones (a repository counts once, with its latest result). */
  add(results: readonly RepositoryActionResult[]): RepositoryActionResult[] {
    const fresh = results.filter((result) => result.outcome !== 'waiting' && !this.results.has(result.repositoryName));
    for (const result of results) if (result.outcome !== 'waiting') this.results.set(result.repositoryName, result);
    if (fresh.length > 0) {
      this.last = fresh.at(-1);
      this.wait = undefined;
    }
    return fresh;
  }

  /** The host asked to wait (a rate limit) before the rest. */
  waiting(seconds: number | undefined, reason?: string): void {
    this.wait = seconds ? { seconds, reason } : undefined;
  }

  /** The whole is known now (the server chose by a filter). */
  setTotal(total: number): void {
    this.total = total;
  }

  get done(): number {
    return this.results.size;
  }

  /** `3 of 19 done · 1 not done · acme/c: skipped · waiting 60 s: secondary rate limit`. */
  line(): string {
    const all = [...this.results.values()];
    const notDone = all.filter((result) => result.outcome !== 'done' && result.outcome !== 'queued').length;
    const parts = [
      `${all.length - notDone}${this.total !== undefined ? ` of ${this.total}` : ''} done`,
      notDone > 0 ? `${notDone} not done` : undefined,
      this.last ? `${this.last.repositoryName}: ${this.last.outcome}` : undefined,
      this.wait ? `waiting ${this.wait.seconds} s: ${this.wait.reason ?? "the code host's rate limit"}` : undefined,
    ];
    return parts.filter(Boolean).join(' · ');
  }
}

/** What a bulk action tells whoever follows it (the extension's notification, the web app's box). */
export interface ActionProgress {
  /** Results that came in (a repository counts once). */
  add(results: readonly RepositoryActionResult[]): void;
  /** The host asked to wait before the rest. */
  waiting(seconds: number | undefined, reason?: string): void;
  /** A line of its own, for an action that counts in other words (a publish's worker run). */
  say(message: string): void;
}

/** The typed client's bulk progress (pullRequestActionAll), into an action's progress. */
export function bulkProgress(progress: ActionProgress): (bulk: BulkProgress) => void {
  return (bulk) => {
    progress.add(bulk.results);
    progress.waiting(bulk.waitingSeconds, bulk.reason);
  };
}
