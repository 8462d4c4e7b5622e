import { createHash } from 'node:crypto';
import { fingerprintRecord } from '../../common/fingerprint';
import { patchRevisionKey } from '../../common/names';
import { parsePatch, patchTotals } from '../../common/patch';
import { dropHunks } from '../../common/patchSubset';
import {
  MAX_PATCH_REVISIONS,
  type PatchRevision,
  type PatchRevisionRequest,
  type RepositoryResult,
} from '../../common/schemas';
import { moveReviewAfter } from '../store/reviews';
import { revisionPayload } from '../store/rowSignatures';
import type { ApiDependencies } from './context';
import { checkedPatch } from './custody';
import { RequestError } from './middleware/errors';

// A reviewer's revision of a repository's patch: the current one with some hunks or files left out
// (PUT /jobs/{id}/repositories/{owner%2Fname}/patch). The check that it applies is the construction
// itself (common/patchSubset.ts removes whole hunks only, so every kept hunk's old side stays
// where it was): the API has no git on Lambda, and the publish worker applies it with git anyway,
// failing the publication with PATCH_FAILED if it ever did not. The new revision is stored beside
// the original, becomes what a publish pushes, gets its own fingerprint (and so its group), and
// takes the row's review back. The patch it starts from must be the one the worker sealed (or the
// API signed), its bytes still hashing to that digest; the new revision and its digest are signed.

type Deps = Pick<ApiDependencies, 'store' | 'artifacts' | 'keys'>;

export async function savePatchRevision(
  deps: Deps,
  row: RepositoryResult,
  request: PatchRevisionRequest,
): Promise<RepositoryResult> {
  const name = row.repositoryName;
  const current = row.patchRevision ?? 0;
  if (row.status !== 'COMPLETED' || !row.diffStats?.files)
    throw new RequestError(
      'NO_DIFF',
      `${name} is ${row.status}: only a COMPLETED repository's diff has hunks to leave out`,
    );
  if (request.basedOn !== current)
    throw new RequestError(
      'PATCH_CHANGED',
      `${name}'s patch is at revision ${current} now, not ${request.basedOn}: read it again and choose the hunks from it`,
    );
  const status = row.publication?.status;
  if (status === 'queued' || status === 'publishing')
    throw new RequestError('PUBLISH_IN_PROGRESS', `${name} is being published; change its patch once that ends`);
  if (row.publishedAttempt === row.attempt || (row.pullRequestUrl && row.publishedAttempt === undefined))
    throw new RequestError(
      'PATCH_LOCKED',
      `${name}'s pull request ${row.pullRequestUrl ?? ''} already holds this attempt's diff; change it there`,
    );
  if ((row.patchRevisions?.length ?? 0) >= MAX_PATCH_REVISIONS)
    throw new RequestError('PATCH_LOCKED', `${name}'s patch has ${MAX_PATCH_REVISIONS} revisions already, the most`);

  const from = await checkedPatch(deps, row);
  const subset = dropHunks(from.bytes.toString('utf8'), request.drop);
  if (!subset.ok) throw new RequestError('VALIDATION_FAILED', `drop: ${subset.message}`);
  const files = parsePatch(subset.patch);
  if (files.length === 0)
    throw new RequestError(
      'VALIDATION_FAILED',
      `drop: that leaves nothing of ${name}'s diff; reject the repository instead`,
    );

  const revision: PatchRevision = {
    revision: current + 1,
    digest: createHash('sha256').update(subset.patch).digest('hex'),
    diffStats: patchTotals(files),
    createdAt: new Date().toISOString(),
  };
  revision.signature = deps.keys.signer.sign('revision', revisionPayload(row.jobId, name, row.attempt, revision));
  // Its own key (the digest is in it): a concurrent revision of the same number cannot overwrite it.
  await deps.artifacts.put(
    patchRevisionKey(row.jobId, name, row.attempt, revision),
    subset.patch,
    'text/x-diff; charset=utf-8',
  );
  const fingerprint = fingerprintRecord(subset.patch, row.attempt, revision.revision);
  const before = await deps.store.repositories.setPatchRevision(row.jobId, name, {
    attempt: row.attempt,
    from: current,
    revision,
    fingerprint,
  });
  if (!before)
    throw new RequestError(
      'PATCH_CHANGED',
      `${name} changed while its patch was being saved (another revision, a new attempt or a publish); read it again`,
    );
  await moveReviewAfter(deps.store, row.jobId, before, 'unreviewed');
  const after: RepositoryResult = {
    ...before,
    patchRevision: revision.revision,
    patchRevisions: [...(before.patchRevisions ?? []), revision],
    diffStats: revision.diffStats,
    fingerprint,
  };
  delete after.review;
  return after;
}
