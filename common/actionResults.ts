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
  const lines = results.map(
    (result) =>
      `${result.repositoryName}: ${result.outcome}${result.reason ? ` — ${result.reason}` : ''}${
        result.pullRequest ? ` (${result.pullRequest.url})` : ''
      }`,
  );
  return { message, level: notDone.length > 0 ? 'warning' : 'info', notDone, lines };
}

/** A bulk action's progress line: `3 done, 7 to go · waiting 60 s: secondary rate limit`. */
export function bulkProgressText(progress: {
  done: number;
  remaining: number;
  waitingSeconds?: number;
  reason?: string;
}): string {
  const counts = `${progress.done} done, ${progress.remaining} to go`;
  return progress.waitingSeconds
    ? `${counts} · waiting ${progress.waitingSeconds} s: ${progress.reason ?? "the code host's rate limit"}`
    : counts;
}
