import type { PatchRevisionRequest } from './schemas';

// What the diff view and the extension say about patch revisions (hunks a reviewer left out):
// which revision is shown, of how many, and what a revision drops. Pure and browser-safe.

/** The revision a view shows and the current one (0: the worker's own diff). */
export interface RevisionNumbers {
  shown: number;
  current: number;
}

/** "Revision 2 of 2: hunks left out by a reviewer", "The original diff (revision 0; …), read-only". */
export function revisionText(revision: RevisionNumbers): string | undefined {
  if (revision.current === 0) return undefined;
  return revision.shown === 0
    ? `The original diff (revision 0; the current one is revision ${revision.current}), read-only`
    : revision.shown === revision.current
      ? `Revision ${revision.shown} of ${revision.current}: hunks left out by a reviewer`
      : `Revision ${revision.shown} of ${revision.current}, read-only`;
}

/** "2 hunks and 1 file": what a revision leaves out. */
export function droppedText(drop: PatchRevisionRequest['drop']): string {
  const hunks = drop.reduce((sum, entry) => sum + (entry.hunks?.length ?? 0), 0);
  const files = drop.filter((entry) => entry.hunks === undefined).length;
  const parts = [
    hunks ? `${hunks} ${hunks === 1 ? 'hunk' : 'hunks'}` : undefined,
    files ? `${files} ${files === 1 ? 'file' : 'files'}` : undefined,
  ].filter(Boolean);
  return parts.join(' and ') || 'nothing';
}
