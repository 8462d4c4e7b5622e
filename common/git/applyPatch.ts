import { existsSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { type CheckoutLinks, type OutsideLink, outsideLinks } from '../outsideLinks';
import { filePath, parsePatch } from '../patch';

// Applies a job's patch to a local checkout with `git apply --3way`, never over uncommitted work
// without asking. `--3way` works on the index and refuses files with unstaged changes, so the only
// choices on a dirty tree are "stash, apply, restore" or cancel. The stash is dropped only once it
// has been restored without conflict; in every other case it is kept, and the result says how to
// get it back. A patch that makes links out of the repository is applied only once the user has
// confirmed them (common/outsideLinks.ts). Shared by the extension and `cody-batch apply`; mocha runs
// it on real repositories.

export interface StashInfo {
  /** The stash commit, stable even if other stashes are pushed later. */
  commit: string;
  message: string;
}

export type ApplyResult =
  /** The patch applied cleanly (and any stashed work came back without conflict). */
  | {
      status: 'applied';
      files: string[];
      restoredStash: boolean /** False when stashed work came back unstaged. */;
      stagedRestored?: boolean;
      /** Submodules with changes inside them, which no stash holds: they stayed as they were. */
      submodulesLeftInPlace?: string[];
    }
  /** The patch applied with conflict markers in `conflicts`. Stashed work, if any, is still stashed. */
  | { status: 'conflicts'; files: string[]; conflicts: string[]; stash?: StashInfo }
  /** The patch applied, but bringing the stashed work back conflicted in `conflicts`; the stash is kept. */
  | { status: 'restore-conflicts'; files: string[]; conflicts: string[]; message: string; stash: StashInfo }
  /** The user chose not to touch a dirty tree. Nothing changed. */
  | { status: 'cancelled'; dirtyFiles: string[] }
  /** The patch makes links out of the repository and the user did not confirm them. Nothing changed. */
  | { status: 'outside-links'; links: OutsideLink[] }
  /** Nothing was applied: git refused the patch. Stashed work was restored, or is kept in `stash`. */
  | { status: 'failed'; message: string; stash?: StashInfo };

export interface ApplyOptions {
  /** Asked when the tree has uncommitted changes; true means "stash, apply, restore". */
  confirmStash(dirtyFiles: string[]): Promise<boolean>;
  /**
   * Asked when the patch makes links that point out of the repository; true means apply anyway.
   * Without it, such a patch is not applied.
   */
  confirmOutsideLinks?(links: OutsideLink[]): Promise<boolean>;
  /** Names the stash so the user recognises it in `git stash list`. */
  label?: string;
}

export class ApplyRefused extends Error {}

/** What became of the user's uncommitted work after an applied patch ('' when there was none). */
export function uncommittedWorkNote(result: Extract<ApplyResult, { status: 'applied' }>): string {
  const notes: string[] = [];
  if (result.restoredStash)
    notes.push(
      result.stagedRestored === false
        ? 'Your uncommitted changes were restored; those you had staged are now unstaged.'
        : 'Your uncommitted changes were restored.',
    );
  const submodules = result.submodulesLeftInPlace ?? [];
  if (submodules.length > 0)
    notes.push(
      `The changes inside the ${submodules.length === 1 ? 'submodule' : 'submodules'} ${submodules.join(', ')} ` +
        `were left in place (the patch does not touch ${submodules.length === 1 ? 'it' : 'them'}).`,
    );
  return notes.join(' ');
}

export async function applyPatch(root: string, patch: string, options: ApplyOptions): Promise<ApplyResult> {
  const git = simpleGit({ baseDir: root });
  const parsed = parsePatch(patch);
  const files = parsed.map(filePath);
  if (files.length === 0) return { status: 'failed', message: 'The patch names no files.' };
  await refuseDuringOperation(git, root);
  const links = outsideLinks(parsed, linksIn(root));
  if (links.length > 0 && !(await options.confirmOutsideLinks?.(links))) return { status: 'outside-links', links };

  const { dirty, collidingUntracked, dirtySubmodules } = await workingTreeState(git, files);
  refuseDirtySubmodulesInPatch(dirtySubmodules, files);
  let stash: StashInfo | undefined;
  if (dirty.length > 0 || collidingUntracked.length > 0) {
    const all = [...dirty, ...collidingUntracked];
    if (!(await options.confirmStash(all))) return { status: 'cancelled', dirtyFiles: all };
    stash = await pushStash(git, options.label ?? 'before applying a patch', collidingUntracked.length > 0);
  }
  const left = dirtySubmodules.length > 0 ? { submodulesLeftInPlace: dirtySubmodules } : {};

  const folder = await mkdtemp(path.join(os.tmpdir(), 'cody-batch-apply-'));
  try {
    const patchFile = path.join(folder, 'change.patch');
    await writeFile(patchFile, patch);
    try {
      await git.raw(['apply', '--3way', '--whitespace=nowarn', patchFile]);
    } catch (error) {
      const conflicts = await conflictedFiles(git);
      if (conflicts.length > 0) return { status: 'conflicts', files, conflicts, stash };
      // Nothing was applied (git apply is all or nothing): put the user's work back as it was.
      const message = gitMessage(error);
      if (stash && (await restoreStash(git, root, stash)).ok) return { status: 'failed', message };
      return { status: 'failed', message, stash };
    }
  } finally {
    await rm(folder, { recursive: true, force: true });
  }

  if (!stash) return { status: 'applied', files, restoredStash: false, ...left };
  const restored = await restoreStash(git, root, stash);
  if (restored.ok)
    return { status: 'applied', files, restoredStash: true, stagedRestored: restored.stagedRestored, ...left };
  return { status: 'restore-conflicts', files, conflicts: restored.conflicts, message: restored.message, stash };
}

/** The links already in the checkout, for the patch's links that lead through them. */
function linksIn(root: string): CheckoutLinks {
  return (relative) => {
    try {
      return readlinkSync(path.join(root, relative));
    } catch {
      return undefined;
    }
  };
}

async function refuseDuringOperation(git: SimpleGit, root: string): Promise<void> {
  const gitDir = path.resolve(root, (await git.revparse(['--git-dir'])).trim());
  for (const [marker, what] of [
    ['MERGE_HEAD', 'a merge'],
    ['rebase-merge', 'a rebase'],
    ['rebase-apply', 'a rebase or `git am`'],
    ['CHERRY_PICK_HEAD', 'a cherry-pick'],
  ] as const) {
    if (existsSync(path.join(gitDir, marker)))
      throw new ApplyRefused(`${root} is in the middle of ${what}: finish or abort it first, then apply again.`);
  }
}

/**
 * Tracked files with staged or unstaged changes, untracked files the patch would create, and
 * submodules with changes of their own. `git stash` saves nothing inside a submodule (new commits,
 * edits, untracked files there), so those are kept apart: stashing cannot protect them.
 */
async function workingTreeState(
  git: SimpleGit,
  patchFiles: readonly string[],
): Promise<{ dirty: string[]; collidingUntracked: string[]; dirtySubmodules: string[] }> {
  const output = await git.raw(['status', '--porcelain=v2', '-z', '--untracked-files=all']);
  const entries = output.split('\0');
  const dirty: string[] = [];
  const untracked: string[] = [];
  const dirtySubmodules: string[] = [];
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const kind = entry[0];
    if (kind === '?') untracked.push(entry.slice(2));
    if (kind !== '1' && kind !== '2' && kind !== 'u') continue;
    // `1 XY sub mH mI mW hH hI path`; a rename (`2`) has one field more and its source as the next entry.
    const fields = entry.split(' ');
    const fieldCount = kind === '1' ? 8 : kind === '2' ? 9 : 10;
    const file = fields.slice(fieldCount).join(' ');
    if (kind === '2') i++;
    const [staged, unstaged] = [fields[1]![0], fields[1]![1]];
    const submodule = fields[2]!.startsWith('S');
    if (!submodule) dirty.push(file);
    else {
      // A staged gitlink is in the index, which a stash does save; the submodule's own work is not.
      if (staged !== '.') dirty.push(file);
      if (unstaged !== '.') dirtySubmodules.push(file);
    }
  }
  const wanted = new Set(patchFiles);
  return { dirty, collidingUntracked: untracked.filter((file) => wanted.has(file)), dirtySubmodules };
}

/** A patch that changes a submodule with uncommitted work in it would be applied beside work no stash holds. */
function refuseDirtySubmodulesInPatch(dirtySubmodules: readonly string[], patchFiles: readonly string[]): void {
  const touched = dirtySubmodules.filter((submodule) =>
    patchFiles.some((file) => file === submodule || file.startsWith(`${submodule}/`)),
  );
  if (touched.length === 0) return;
  throw new ApplyRefused(
    `${touched.join(', ')} ${touched.length === 1 ? 'has' : 'have'} uncommitted changes inside (new commits, ` +
      'edits or untracked files), which git stash cannot save, and the patch changes ' +
      `${touched.length === 1 ? 'it' : 'them'}. Commit or stash them inside the submodule, then apply again; ` +
      'nothing was changed.',
  );
}

/**
 * `git stash push`, and the stash it made. It exits 0 without a stash when it finds nothing it can
 * save, and then the top of refs/stash is someone's older stash: compare before and after.
 */
async function pushStash(git: SimpleGit, label: string, includeUntracked: boolean): Promise<StashInfo | undefined> {
  const message = `cody-batch: ${label}`;
  const top = async () => (await git.raw(['rev-parse', '--verify', '--quiet', 'refs/stash']).catch(() => '')).trim();
  const before = await top();
  try {
    await git.raw(['stash', 'push', ...(includeUntracked ? ['--include-untracked'] : []), '-m', message]);
  } catch (error) {
    throw new ApplyRefused(
      `git stash could not save your uncommitted changes; nothing was changed.\n${gitMessage(error)}`,
    );
  }
  const commit = await top();
  if (!commit || commit === before) return undefined;
  return { commit, message };
}

/** Applies the stash (with its index if possible) and drops it only when that went cleanly. */
async function restoreStash(
  git: SimpleGit,
  root: string,
  stash: StashInfo,
): Promise<{ ok: true; stagedRestored: boolean } | { ok: false; conflicts: string[]; message: string }> {
  // The index as the patch left it (its changes staged), to go back to if `--index` fails.
  const patchedIndex = (await git.raw(['write-tree']).catch(() => '')).trim();
  // git prints why a stash did not apply on stderr, and its status report on stdout; the first is the useful one.
  let failure = await stashApply(root, ['--index', stash.commit]);
  let stagedRestored = failure === undefined;
  if (failure !== undefined && patchedIndex && (await conflictedFiles(git)).length === 0) {
    // `--index` resets the index to HEAD before it merges, so it refuses any file the patch also
    // changed; the work tree is untouched. Put the patch's index back and merge the work alone,
    // then stage again what the user had staged, when that still fits.
    await git.raw(['read-tree', patchedIndex]);
    failure = await stashApply(root, [stash.commit]);
    if (failure === undefined) stagedRestored = await restage(root, stash.commit);
  }
  if (failure !== undefined) return { ok: false, conflicts: await conflictedFiles(git), message: failure };
  const reference = await stashReference(git, stash.commit);
  if (reference) await git.raw(['stash', 'drop', reference]);
  return { ok: true, stagedRestored };
}

/** Stages the stash's staged changes again (its index against its base), if they apply to the index. */
async function restage(root: string, stashCommit: string): Promise<boolean> {
  const git = simpleGit({ baseDir: root });
  const staged = await git.raw(['diff', '--binary', `${stashCommit}^1`, `${stashCommit}^2`]);
  if (!staged.trim()) return true;
  const folder = await mkdtemp(path.join(os.tmpdir(), 'cody-batch-restage-'));
  try {
    const file = path.join(folder, 'staged.patch');
    await writeFile(file, staged);
    await git.raw(['apply', '--cached', file]);
    return true;
  } catch {
    return false;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** Runs `git stash apply`; the reason when it failed, undefined when it worked. */
async function stashApply(root: string, args: string[]): Promise<string | undefined> {
  let stderr = '';
  const git = simpleGit({ baseDir: root }).outputHandler((_command, _stdout, errors) =>
    errors.on('data', (chunk: Buffer) => (stderr += chunk.toString())),
  );
  try {
    await git.raw(['stash', 'apply', ...args]);
    return undefined;
  } catch (error) {
    return gitMessage(stderr.trim() ? new Error(stderr) : error);
  }
}

/** `stash@{n}` of a stash commit, found by its id (others may have stashed meanwhile). */
export async function stashReference(git: SimpleGit, commit: string): Promise<string | undefined> {
  const list = await git.raw(['stash', 'list', '--format=%H']).catch(() => '');
  const index = list.split('\n').findIndex((line) => line.trim() === commit);
  return index === -1 ? undefined : `stash@{${index}}`;
}

async function conflictedFiles(git: SimpleGit): Promise<string[]> {
  const output = await git.raw(['diff', '--name-only', '--diff-filter=U', '-z']).catch(() => '');
  return output.split('\0').filter(Boolean);
}

function gitMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(0, 6)
    .join('\n');
}
