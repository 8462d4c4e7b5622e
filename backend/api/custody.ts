import { createHash } from 'node:crypto';
import { patchRevisionKey } from '../../common/names';
import { currentPatchDigest } from '../../common/patchDigest';
import type { RepositoryResult, Review, ReviewState } from '../../common/schemas';
import { approvalPayload, verifiedPatch } from '../store/rowSignatures';
import type { ApiDependencies } from './context';
import { RequestError } from './middleware/errors';

// The API's side of the chain of custody (docs/architecture.md): before it signs an approval or a
// publication it checks that the row's patch is what the workers recorded (their seal over the
// base commit and digest, or its own signature over a patch revision), that the stored bytes still
// hash to that digest, and, for a review, that it is the digest the reviewer was shown.

type Deps = Pick<ApiDependencies, 'artifacts' | 'keys'>;

/** The row's current patch, checked: its revision, digest, base and bytes. RequestError when it cannot be vouched for. */
export async function checkedPatch(deps: Deps, row: RepositoryResult) {
  const patch = vouchedPatch(deps, row);
  const stored = await deps.artifacts.get(
    patchRevisionKey(row.jobId, row.repositoryName, row.attempt, {
      revision: patch.patchRevision,
      digest: patch.digest,
    }),
  );
  if (!stored)
    throw new RequestError('NOT_FOUND', `The diff of ${row.repositoryName} is missing from the artifact store`);
  const actual = createHash('sha256').update(stored.body).digest('hex');
  if (actual !== patch.digest)
    throw new RequestError(
      'PATCH_CHANGED',
      `The stored diff of ${row.repositoryName} no longer hashes to the digest recorded for it ` +
        `(${patch.digest.slice(0, 12)}): it was changed around Cody Batch. Retry the repository`,
    );
  return { ...patch, bytes: stored.body };
}

/** The row's current patch as its seal or signature vouches for it (its bytes unread). RequestError when it cannot be. */
function vouchedPatch(deps: Pick<Deps, 'keys'>, row: RepositoryResult) {
  const patch = verifiedPatch(deps.keys, row);
  if (!patch.ok) throw new RequestError('UNVERIFIED_ROW', patch.message);
  return patch;
}

/** What a review request must agree with before it is written, and the approval's signed fields. */
export interface CheckedReview {
  state: ReviewState;
  note?: string;
  /** The row must still be at this attempt and patch revision when the review is written. */
  attempt: number;
  patchRevision?: number;
  approval?: Pick<Review, 'patchRevision' | 'digest' | 'baseCommit' | 'signature'>;
}

/**
 * Checks a review against the row: an approval must name the digest of the current patch (the one
 * the reviewer was shown), which must still be what is stored; a rejection that names a digest must
 * name the current one. The approval is signed, binding the repository, attempt, patch revision,
 * digest and base commit: what a publish will push.
 */
export async function checkReview(
  deps: Deps,
  row: RepositoryResult,
  request: { state: ReviewState; note?: string; attempt?: number; digest?: string },
  /** `storedBytes: false`: the patch's seal or signature only, its stored bytes hashed by the caller already. */
  options: { storedBytes?: boolean } = {},
): Promise<CheckedReview> {
  const name = row.repositoryName;
  const attempt = request.attempt ?? row.attempt;
  const base: CheckedReview = {
    state: request.state,
    ...(request.note !== undefined ? { note: request.note } : {}),
    attempt,
  };
  if (request.state === 'approved' && request.digest === undefined)
    throw new RequestError(
      'VALIDATION_FAILED',
      `digest: approving ${name} needs the digest of the patch you were shown (the diff's x-cody-batch-patch-digest header, or the SHA-256 of its bytes)`,
    );
  if (request.digest === undefined || request.state === 'unreviewed' || row.status !== 'COMPLETED') return base;
  if (attempt !== row.attempt) return base; // the store refuses it, saying the row moved on
  const current = currentPatchDigest(row);
  if (request.digest !== current)
    throw new RequestError(
      'PATCH_CHANGED',
      `${name}'s patch is not the one you were shown ` +
        `(${request.digest.slice(0, 12)}${current ? `; it is ${current.slice(0, 12)} now` : ''}): ` +
        `read the diff again and review that`,
    );
  if (request.state !== 'approved') return { ...base, patchRevision: row.patchRevision ?? 0 };
  const patch = options.storedBytes === false ? vouchedPatch(deps, row) : await checkedPatch(deps, row);
  const fields = { attempt, patchRevision: patch.patchRevision, digest: patch.digest, baseCommit: patch.base.commit };
  return {
    ...base,
    patchRevision: patch.patchRevision,
    approval: {
      patchRevision: patch.patchRevision,
      digest: patch.digest,
      baseCommit: patch.base.commit,
      signature: deps.keys.signer.sign('approval', approvalPayload(row.jobId, name, fields)),
    },
  };
}
