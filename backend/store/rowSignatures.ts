import type { FollowUp, PatchRevision, Publication, RepositoryResult, Review } from '../../common/schemas';
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

/**
 * What a row's task signature covers: what the worker runs for it — and, once the row has had a
 * follow-up round, what that round was asked to do (which attempt, why, on which branch, the
 * instruction): a round pushes to a branch, so none written around the API is run.
 */
export function taskPayload(row: RepositoryResult) {
  return {
    jobId: row.jobId,
    repositoryName: row.repositoryName,
    taskRevision: row.taskRevision ?? 1,
    note: row.note ?? null,
    ...(row.followUp ? { followUp: askedRound(row.followUp) } : {}),
  };
}

/** What the API asked of a round (what the worker writes of it, its head and trigger, is sealed with its result). */
export function askedRound(round: FollowUp) {
  return {
    attempt: round.attempt,
    round: round.round,
    reason: round.reason,
    push: round.push,
    requestedAt: round.requestedAt,
    branch: round.branch,
    baseBranch: round.baseBranch,
    instruction: round.instruction ?? null,
    instructionSource: round.instructionSource ?? null,
    since: round.since ?? null,
  };
}

/** Whether two versions of a row run the same task (its signature holds for both). */
export function sameTask(a: RepositoryResult, b: RepositoryResult): boolean {
  return JSON.stringify(taskPayload(a)) === JSON.stringify(taskPayload(b));
}

export function signTask(signer: Signer, row: RepositoryResult): string {
  return signer.sign('task', taskPayload(row));
}

export function taskVerifies(verifier: Verifier, row: RepositoryResult): boolean {
  return verifier.verifies('task', taskPayload(row), row.taskSignature);
}

/**
 * The worker's result: the commit its diff was made against, and the digest of that diff; for a
 * follow-up round also the branch it goes onto and the head it started from (and the base it
 * merged), which its push builds on and leases.
 */
export function resultPayload(
  row: Pick<RepositoryResult, 'jobId' | 'repositoryName' | 'attempt' | 'base' | 'diffDigest'> & {
    round?: RoundResult;
  },
) {
  return {
    jobId: row.jobId,
    repositoryName: row.repositoryName,
    attempt: row.attempt,
    base: row.base ?? null,
    diffDigest: row.diffDigest ?? null,
    ...(row.round ? { round: row.round } : {}),
  };
}

/** What a round's worker found and seals with its result. */
export interface RoundResult {
  branch: string;
  head: string;
  mergedBase: string | null;
}

/** The round a row's current attempt is, as its result seal covers it; undefined for no round (or one without a head). */
export function roundResultOf(row: Pick<RepositoryResult, 'attempt' | 'followUp'>): RoundResult | undefined {
  const round = row.followUp?.attempt === row.attempt ? row.followUp : undefined;
  return round?.head ? { branch: round.branch, head: round.head, mergedBase: round.mergedBase ?? null } : undefined;
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
 * A row's task as it runs next (another revision, a round), signed; undefined when its
 * present signature does not verify: its note may have been written around the API, and signing it
 * again would launder it.
 */
export function resignedTask(signer: Signer, row: RepositoryResult, next: RepositoryResult): string | undefined {
  if (!taskVerifies(signer, row)) return undefined;
  return signTask(signer, next);
}

export function revisionPayload(jobId: string, repositoryName: string, attempt: number, revision: PatchRevision) {
  return { jobId, repositoryName, attempt, revision: revision.revision, digest: revision.digest };
}

/** The row's current patch with its digest and base, once its signature or seal is checked; else why not. */
export function verifiedPatch(
  keys: ApiKeys,
  row: RepositoryResult,
):
  | {
      ok: true;
      patchRevision: number;
      digest: string;
      base: { branch: string; commit: string };
      round?: RoundResult;
    }
  | { ok: false; message: string } {
  const name = row.repositoryName;
  const round = roundResultOf(row);
  if (
    !row.base ||
    !row.diffDigest ||
    !keys.workerSeal.verifies('result', resultPayload({ ...row, round }), row.resultSeal)
  )
    return {
      ok: false,
      message: `${name}'s recorded base commit and diff digest carry no valid worker seal (written around the workers, or before seals): retry it`,
    };
  const current = row.patchRevision ?? 0;
  if (current === 0)
    return { ok: true, patchRevision: 0, digest: row.diffDigest, base: row.base, ...(round ? { round } : {}) };
  const revision = row.patchRevisions?.find((entry) => entry.revision === current);
  if (
    !revision ||
    !keys.signer.verifies('revision', revisionPayload(row.jobId, name, row.attempt, revision), revision.signature)
  )
    return {
      ok: false,
      message: `${name}'s patch revision ${current} carries no valid signature of the API: leave its hunks out again, or retry it`,
    };
  return { ok: true, patchRevision: current, digest: revision.digest, base: row.base, ...(round ? { round } : {}) };
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
