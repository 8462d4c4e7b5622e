import type { RepositoryResult } from './schemas';
import type { AttemptChoice } from './webviewProtocol';

// A repository's attempts as the diff and thread views offer them, the same for the extension and
// the web app: every attempt with how it ended, and which one a view shows. Browser-safe.

/** Every attempt of a repository, oldest first, with how each ended. */
export function attemptChoices(repository: RepositoryResult): AttemptChoice[] {
  return [
    ...(repository.previousAttempts ?? []).map((previous) => ({ attempt: previous.attempt, status: previous.status })),
    { attempt: repository.attempt, status: repository.status },
  ].sort((a, b) => a.attempt - b.attempt);
}

/** How the shown attempt ended: the row itself for the current one, else its entry in previousAttempts. */
export function attemptOutcome(repository: RepositoryResult, attempt: number | undefined) {
  if (attempt === undefined || attempt === repository.attempt) return repository;
  const previous = repository.previousAttempts?.find((entry) => entry.attempt === attempt);
  if (!previous) throw new Error(`${repository.repositoryName} has no attempt ${attempt}`);
  return previous;
}

/** A command job's change whose verification failed, kept to be read (not applied). */
export function hasKeptFailedDiff(repository: Pick<RepositoryResult, 'status' | 'error' | 'diffStats'>): boolean {
  return repository.status === 'FAILED' && repository.error?.code === 'VERIFY_FAILED' && !!repository.diffStats;
}
