import { ApiError } from './client';
import { filePath, parseHunks, parsePatch } from './patch';
import { dropHunks } from './patchSubset';
import type { JobChanges, PatchRevisionRequest, RepositoryActionResult, RepositoryResult } from './schemas';

// "Fix once for many": what a reviewer marked to drop in one diff (a lockfile, a hunk that should
// not be there), dropped from every member of its change group or every repository of the job, one
// new revision each. A file goes by its path; a hunk by its change (its removed and added lines, in
// order, as the fingerprint reads them), wherever it sits in the other repository's file. A
// repository with nothing that matches is left as it is, and said so; one where the drop would
// leave nothing is left too (reject it instead). Browser-safe: the extension and the web app run it.

export type Drop = PatchRevisionRequest['drop'];

/** What to look for in the other patches: whole files by path, hunks by path and change. */
export interface DropPattern {
  files: string[];
  hunks: { path: string; change: string }[];
}

/** A hunk's change: its `-`, `+` and `\` lines, in order (context and line numbers left out). */
function changeOf(lines: readonly string[]): string {
  return lines.filter((line) => line[0] === '-' || line[0] === '+' || line[0] === '\\').join('\n');
}

/** The pattern of `drop`, made on the patch it was marked on. */
export function dropPattern(patch: string, drop: Drop): DropPattern {
  const files = new Map(parsePatch(patch).map((file) => [filePath(file), file]));
  const pattern: DropPattern = { files: [], hunks: [] };
  for (const entry of drop) {
    const file = files.get(entry.path);
    if (!file) continue;
    if (entry.hunks === undefined) {
      pattern.files.push(entry.path);
      continue;
    }
    const hunks = parseHunks(file.text);
    for (const index of entry.hunks) {
      const hunk = hunks[index];
      if (hunk) pattern.hunks.push({ path: entry.path, change: changeOf(hunk.lines) });
    }
  }
  return pattern;
}

/** What matches `pattern` in `patch`, as a revision's drop; undefined when nothing does. */
export function dropsFor(patch: string, pattern: DropPattern): Drop | undefined {
  const drop: Drop = [];
  const wholeFiles = new Set(pattern.files);
  for (const file of parsePatch(patch)) {
    const path = filePath(file);
    if (wholeFiles.has(path)) {
      drop.push({ path });
      continue;
    }
    const wanted = new Set(pattern.hunks.filter((hunk) => hunk.path === path).map((hunk) => hunk.change));
    if (wanted.size === 0 || file.binary) continue;
    const hunks = parseHunks(file.text)
      .map((hunk, index) => (wanted.has(changeOf(hunk.lines)) ? index : -1))
      .filter((index) => index >= 0);
    if (hunks.length > 0) drop.push({ path, hunks });
  }
  return drop.length > 0 ? drop : undefined;
}

/** What a drop across many repositories needs of the API. */
export interface DropClient {
  getRepository(jobId: string, repositoryName: string): Promise<RepositoryResult>;
  getDiff(jobId: string, repositoryName: string, options: { revision?: number }): Promise<{ patch?: string }>;
  revisePatch(jobId: string, repositoryName: string, request: PatchRevisionRequest): Promise<RepositoryResult>;
}

export interface DropProgress {
  done: number;
  total: number;
  /** The results so far, each as it came. */
  results: RepositoryActionResult[];
}

/** One repository: its current patch, what of the pattern it has, and a new revision without it. */
async function dropFromOne(
  client: DropClient,
  jobId: string,
  repositoryName: string,
  pattern: DropPattern,
): Promise<RepositoryActionResult> {
  const row = await client.getRepository(jobId, repositoryName);
  if (row.status !== 'COMPLETED')
    return { repositoryName, outcome: 'skipped', reason: `it is ${row.status.toLowerCase()}, with no diff to revise` };
  // The revision the new one is based on, whatever is saved meanwhile (that one wins: PATCH_CHANGED).
  const { patch } = await client.getDiff(jobId, repositoryName, { revision: row.patchRevision ?? 0 });
  if (!patch) return { repositoryName, outcome: 'skipped', reason: 'it has no diff' };
  const drop = dropsFor(patch, pattern);
  if (!drop) return { repositoryName, outcome: 'skipped', reason: 'nothing in its diff matches' };
  const left = dropHunks(patch, drop);
  if (left.ok && parsePatch(left.patch).length === 0)
    return { repositoryName, outcome: 'skipped', reason: 'that would leave nothing of its diff: reject it instead' };
  try {
    await client.revisePatch(jobId, repositoryName, { basedOn: row.patchRevision ?? 0, drop });
    return { repositoryName, outcome: 'done' };
  } catch (error) {
    if (error instanceof ApiError && error.status < 500)
      return { repositoryName, outcome: 'failed', reason: `${error.message} (${error.code})` };
    throw error;
  }
}

/**
 * Drops `pattern` from each of `repositories`, a few at a time, each a new revision of its current
 * patch; every repository ends with one result, reported as it comes.
 */
export async function dropEverywhere(
  client: DropClient,
  jobId: string,
  repositories: readonly string[],
  pattern: DropPattern,
  onProgress: (progress: DropProgress) => void = () => undefined,
  concurrency = 4,
): Promise<RepositoryActionResult[]> {
  const results: RepositoryActionResult[] = [];
  const queue = [...repositories];
  onProgress({ done: 0, total: repositories.length, results: [] });
  const worker = async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      const result = await dropFromOne(client, jobId, name, pattern).catch(
        (error: unknown): RepositoryActionResult => ({
          repositoryName: name!,
          outcome: 'failed',
          reason: error instanceof Error ? error.message : String(error),
        }),
      );
      results.push(result);
      onProgress({ done: results.length, total: repositories.length, results: [...results] });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, repositories.length) }, worker));
  return results;
}

/** "package-lock.json and 1 hunk of src/main.js": what the pattern drops, in words. */
export function patternText(pattern: DropPattern): string {
  const hunks = pattern.hunks.length;
  const files = pattern.files.length === 1 ? pattern.files[0]! : `${pattern.files.length} files`;
  const hunkPaths = [...new Set(pattern.hunks.map((hunk) => hunk.path))];
  const parts = [
    pattern.files.length > 0 ? files : undefined,
    hunks > 0
      ? `${hunks === 1 ? 'the hunk' : `${hunks} hunks`} like it${hunkPaths.length === 1 ? ` in ${hunkPaths[0]}` : ''}`
      : undefined,
  ].filter(Boolean);
  return parts.join(' and ') || 'nothing';
}

/** What `dropTargets` reads. */
export interface DropTargetSource {
  getChanges(jobId: string): Promise<JobChanges>;
  allRepositories(jobId: string): Promise<RepositoryResult[]>;
}

/**
 * The repositories a drop goes to: the members of the change group (`group`, else the one
 * `repositoryName` is in), or every COMPLETED repository of the job. A string says why there are none.
 */
export async function dropTargets(
  source: DropTargetSource,
  jobId: string,
  scope: 'group' | 'job',
  where: { group?: string; repositoryName: string },
): Promise<string[] | string> {
  if (scope === 'job') {
    const names = (await source.allRepositories(jobId))
      .filter((row) => row.status === 'COMPLETED')
      .map((row) => row.repositoryName);
    return names.length > 0 ? names : 'No repository of this job has a diff.';
  }
  const { groups } = await source.getChanges(jobId);
  const group = where.group
    ? groups.find((each) => each.fingerprint === where.group)
    : groups.find((each) => each.repositories.includes(where.repositoryName));
  return group ? group.repositories : `${where.repositoryName} is in no change group now: its diff changed.`;
}

/** After a drop, the group the repository is in now (each member's fingerprint moved with its revision). */
export async function groupNow(source: Pick<DropTargetSource, 'getChanges'>, jobId: string, repositoryName: string) {
  const { groups } = await source.getChanges(jobId);
  return groups.find((each) => each.repositories.includes(repositoryName));
}
