import type { RepositoryResult } from './schemas';
import { sha256Hex } from './sha256';

// A patch's digest: the SHA-256 of its exact bytes. The worker records its diff's (`diffDigest`),
// each patch revision carries its own, the diff route says the one it serves
// (`x-cody-batch-patch-digest`), and a review sends back the one the reviewer was shown
// (docs/architecture.md, "Chain of custody"). Browser-safe.

/** The digest of the row's current patch as the row records it; undefined for a row from before digests. */
export function currentPatchDigest(
  row: Pick<RepositoryResult, 'diffDigest' | 'patchRevision' | 'patchRevisions'>,
): string | undefined {
  const revision = row.patchRevision ?? 0;
  if (revision === 0) return row.diffDigest;
  return row.patchRevisions?.find((entry) => entry.revision === revision)?.digest;
}

/** The digest of bytes as a client received them. */
export function patchDigestOf(bytes: Uint8Array): string {
  return sha256Hex(bytes);
}
