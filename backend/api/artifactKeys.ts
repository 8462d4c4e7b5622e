import { type ArtifactFile, artifactKey, patchRevisionKey } from '../../common/names';
import type { RepositoryResult } from '../../common/schemas';
import type { ApiDependencies } from './context';

// Where the API finds a repository's artifacts, old rows' keys included.

/**
 * Where an attempt's artifact is. A row from before attempts had their own keys (it has no
 * `taskRevision`) kept its latest attempt under the first attempt's keys.
 */
export async function artifactKeyOf(
  deps: Pick<ApiDependencies, 'artifacts'>,
  row: RepositoryResult,
  file: ArtifactFile,
  attempt: number,
): Promise<string> {
  const key = artifactKey(row.jobId, row.repositoryName, file, attempt);
  const older = row.taskRevision === undefined && attempt === row.attempt && attempt > 1;
  if (older && (await deps.artifacts.size(key)) === undefined) return artifactKey(row.jobId, row.repositoryName, file);
  return key;
}

/**
 * Where a revision of a row's patch is (default the current one of the current attempt; an earlier
 * attempt's revisions are not recorded, so only its revision 0). Undefined: no such revision.
 */
export async function patchKeyOf(
  deps: Pick<ApiDependencies, 'artifacts'>,
  row: RepositoryResult,
  attempt: number,
  revision = attempt === row.attempt ? (row.patchRevision ?? 0) : 0,
): Promise<string | undefined> {
  if (revision === 0) return artifactKeyOf(deps, row, 'diff.patch', attempt);
  const recorded =
    attempt === row.attempt ? row.patchRevisions?.find((entry) => entry.revision === revision) : undefined;
  return recorded && patchRevisionKey(row.jobId, row.repositoryName, attempt, recorded);
}
