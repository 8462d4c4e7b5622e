import type { PatchRevision, Publication, RepositoryResult, Review } from '../../common/schemas';
import type { ApiKeys, Signer, Verifier, WorkerSeal } from './signing';

// What each signature and seal on a repository row covers (backend/store/signing.ts says who holds
// which key). Every payload names the job and the repository, so a signature copied onto another
// row verifies nowhere else.
//
// | record | written by | signed / sealed by | checked by |
// |---|---|---|---|
// | task: note, task revision | API (create, retry, continue) | API | the worker, before it clones |
// | result: base commit, diffDigest | worker (when it stores the diff) | worker seal | the API, before it approves or publishes |
// | push: pushedBranch, pushedCommit | worker (after a push) | worker seal | the next worker to push: its lease |
// | patch revision and its digest | API | API | the API; a publication carries it on |
// | approval: attempt, revision, digest, base | API (review) | API | the publish worker |
// | publication: what to push, onto what, replacing what | API (publish) | API | the publish worker |

export type Intent = NonNullable<Publication['intent']>;

/** What a row's task signature covers: what the worker runs for it. */
export function taskPayload(row: RepositoryResult) {
  return {
    jobId: row.jobId,
    repositoryName: row.repositoryName,
    taskRevision: row.taskRevision ?? 1,
    note: row.note ?? null,
  };
}

export function signTask(signer: Signer, row: RepositoryResult): string {
  return signer.sign('task', taskPayload(row));
}

export function taskVerifies(verifier: Verifier, row: RepositoryResult): boolean {
  return verifier.verifies('task', taskPayload(row), row.taskSignature);
}

/** The worker's result: the commit its diff was made against, and the digest of that diff. */
export function resultPayload(
  row: Pick<RepositoryResult, 'jobId' | 'repositoryName' | 'attempt' | 'base' | 'diffDigest'>,
) {
  return {
    jobId: row.jobId,
    repositoryName: row.repositoryName,
    attempt: row.attempt,
    base: row.base ?? null,
    diffDigest: row.diffDigest ?? null,
  };
}

/** The branch and commit the row pushed last, when it records both. */
export function pushedOf(row: RepositoryResult): { branch: string; commit: string } | undefined {
  return row.pushedBranch && row.pushedCommit ? { branch: row.pushedBranch, commit: row.pushedCommit } : undefined;
}

export function pushPayload(jobId: string, repositoryName: string, pushed: { branch: string; commit: string }) {
  return { jobId, repositoryName, ...pushed };
}

/** The push the row records, if a worker sealed it; undefined when there is none or its seal fails. */
export function sealedPush(seal: WorkerSeal, row: RepositoryResult): { branch: string; commit: string } | undefined {
  const pushed = pushedOf(row);
  return pushed && seal.verifies('push', pushPayload(row.jobId, row.repositoryName, pushed), row.pushSeal)
    ? pushed
    : undefined;
}

/**
 * A row's task at another revision (a retry, a revised continue), signed; undefined when its
 * present signature does not verify: its note may have been written around the API, and signing it
 * again would launder it.
 */
export function resignedTask(signer: Signer, row: RepositoryResult, taskRevision: number): string | undefined {
  if (!taskVerifies(signer, row)) return undefined;
  return signTask(signer, { ...row, taskRevision });
}

export function revisionPayload(jobId: string, repositoryName: string, attempt: number, revision: PatchRevision) {
  return { jobId, repositoryName, attempt, revision: revision.revision, digest: revision.digest };
}

/** The row's current patch with its digest and base, once its signature or seal is checked; else why not. */
export function verifiedPatch(
  keys: ApiKeys,
  row: RepositoryResult,
):
  | { ok: true; patchRevision: number; digest: string; base: { branch: string; commit: string } }
  | { ok: false; message: string } {
  const name = row.repositoryName;
  if (!row.base || !row.diffDigest || !keys.workerSeal.verifies('result', resultPayload(row), row.resultSeal))
    return {
      ok: false,
      message: `${name}'s recorded base commit and diff digest carry no valid worker seal (written around the workers, or before seals): retry it`,
    };
  const current = row.patchRevision ?? 0;
  if (current === 0) return { ok: true, patchRevision: 0, digest: row.diffDigest, base: row.base };
  const revision = row.patchRevisions?.find((entry) => entry.revision === current);
  if (
    !revision ||
    !keys.signer.verifies('revision', revisionPayload(row.jobId, name, row.attempt, revision), revision.signature)
  )
    return {
      ok: false,
      message: `${name}'s patch revision ${current} carries no valid signature of the API: leave its hunks out again, or retry it`,
    };
  return { ok: true, patchRevision: current, digest: revision.digest, base: row.base };
}

export function approvalPayload(
  jobId: string,
  repositoryName: string,
  review: Pick<Review, 'attempt' | 'patchRevision' | 'digest' | 'baseCommit'>,
) {
  return {
    jobId,
    repositoryName,
    state: 'approved',
    attempt: review.attempt,
    patchRevision: review.patchRevision ?? null,
    digest: review.digest ?? null,
    baseCommit: review.baseCommit ?? null,
  };
}

export function approvalVerifies(verifier: Verifier, row: RepositoryResult): boolean {
  const review = row.review;
  return (
    review?.state === 'approved' &&
    verifier.verifies('approval', approvalPayload(row.jobId, row.repositoryName, review), review.signature)
  );
}

export function publicationPayload(jobId: string, repositoryName: string, runId: string, intent: Intent) {
  return { jobId, repositoryName, runId, intent };
}

export function publicationVerifies(verifier: Verifier, row: RepositoryResult): boolean {
  const publication = row.publication;
  return (
    publication?.intent !== undefined &&
    verifier.verifies(
      'publication',
      publicationPayload(row.jobId, row.repositoryName, publication.runId, publication.intent),
      publication.signature,
    )
  );
}
