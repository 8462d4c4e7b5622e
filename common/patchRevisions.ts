import { attemptChoices, attemptOutcome, hasKeptFailedDiff } from './attempts';
import { ApiError } from './client';
import { droppedText } from './patchRevisionText';
import type { Job, PatchRevisionRequest, RepositoryResult } from './schemas';
import type { RevisionShown } from './webviewProtocol';

// Dropping hunks in the diff view: which revision of a repository's patch a panel shows, whether
// it can take a new one, and what saving one says to the reviewer (done, or why not). Browser-safe:
// the extension's diff panel and the web app's diff page both use it.

/**
 * What a diff view shows of the row: the attempt `asked` for (else the current), whether it is a kept
 * failed change, which revision of its patch, and what to ask the API for (`request`, when `fetch`).
 */
export function patchShown(repository: RepositoryResult, asked: { attempt?: number; revision?: number }) {
  const outcome = attemptOutcome(repository, asked.attempt);
  const kept = hasKeptFailedDiff(outcome);
  const attempt = asked.attempt ?? repository.attempt;
  const isCurrent = attempt === repository.attempt;
  // Revisions are of the current attempt's patch; an earlier attempt shows its only one.
  const revision = isCurrent && !kept ? revisionShown(repository, asked.revision) : undefined;
  return {
    outcome,
    kept,
    attempt,
    isCurrent,
    revision,
    latest: revision === undefined || revision.shown === revision.current,
    /** Whether there is a patch to show: the attempt's change, or its kept failed one. */
    fetch: outcome.status === 'COMPLETED' || kept,
    request: { attempt, failed: kept, revision: revision && revision.current > 0 ? revision.shown : undefined },
  };
}

/** What every diff view says of the patch `picked` (patchShown) and `fetched`, the panel's and the web page's alike. */
export function patchFields(
  job: Pick<Job, 'jobId' | 'name'>,
  repository: RepositoryResult,
  picked: ReturnType<typeof patchShown>,
  fetched: { patch?: string; digest?: string },
) {
  return {
    jobId: job.jobId,
    repositoryName: repository.repositoryName,
    jobName: job.name,
    patch: fetched.patch,
    digest: fetched.digest,
    pullRequestUrl: picked.outcome.pullRequestUrl,
    attempt: picked.attempt,
    attempts: attemptChoices(repository),
    failure: picked.kept ? picked.outcome.error : undefined,
  };
}

/** The row's current revision (0: the worker's own diff) and the one shown (`asked`, else the current). */
export function revisionShown(row: Pick<RepositoryResult, 'patchRevision'>, asked: number | undefined): RevisionShown {
  const current = row.patchRevision ?? 0;
  return { shown: asked !== undefined && asked <= current ? asked : current, current };
}

export type RevisionOutcome =
  | { done: true; row: RepositoryResult; message: string }
  /** `stale`: the patch has another revision now; the view is to show it. */
  | { done: false; message: string; stale?: boolean };

/** Saves a revision and says what happened; a refusal the reviewer can act on is an outcome, not an error. */
export async function saveRevision(
  revise: (request: PatchRevisionRequest) => Promise<RepositoryResult>,
  repositoryName: string,
  request: PatchRevisionRequest,
): Promise<RevisionOutcome> {
  try {
    const row = await revise(request);
    const revision = row.patchRevision ?? request.basedOn + 1;
    return {
      done: true,
      row,
      message:
        `Saved revision ${revision} of ${repositoryName}: ${droppedText(request.drop)} left out. ` +
        'Its review was reset: review this revision. The original stays readable (revision 0).',
    };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const why = {
      PATCH_LOCKED: 'the patch can take no new revision now',
      PATCH_CHANGED: 'the patch changed since it was shown (another revision was saved): look at the current one',
      GROUP_CHANGED: 'the patch changed since it was shown',
    }[error.code];
    if (error.status === 409 || error.status === 400 || error.status === 404)
      return {
        done: false,
        message: `Not saved: ${why ? `${why} — ` : ''}${error.message} (${error.code}).`,
        ...(error.code === 'PATCH_CHANGED' ? { stale: true } : {}),
      };
    throw error;
  }
}
