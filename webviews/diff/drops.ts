import { droppedText } from '../../common/patchRevisionText';
import type { PatchRevisionRequest } from '../../common/schemas';

// The hunks and files a reviewer marked to drop from the shown patch, before saving them as a new
// revision. A file with every hunk marked goes as the whole file (the API drops it whole anyway).
// Pure: the diff view's buttons toggle marks, its Save button sends `request`.

export class DropMarks {
  /** Per path: 'file', or the hunk indexes (from 0) marked. */
  private readonly marks = new Map<string, 'file' | Set<number>>();

  /** `hunkCounts`: each file's path and how many hunks it has, in the patch's order. */
  constructor(private readonly hunkCounts: ReadonlyMap<string, number>) {}

  fileMarked(path: string): boolean {
    return this.marks.get(path) === 'file';
  }

  hunkMarked(path: string, hunk: number): boolean {
    const mark = this.marks.get(path);
    return mark === 'file' || (mark instanceof Set && mark.has(hunk));
  }

  /** Marks the whole file or takes the mark back; returns whether it is marked now. */
  toggleFile(path: string): boolean {
    if (this.fileMarked(path)) this.marks.delete(path);
    else this.marks.set(path, 'file');
    return this.fileMarked(path);
  }

  /** Marks one hunk or takes its mark back; returns whether it is marked now. */
  toggleHunk(path: string, hunk: number): boolean {
    const mark = this.marks.get(path);
    if (mark === 'file') {
      // Keeping one hunk of a file marked whole: every other hunk stays marked.
      const count = this.hunkCounts.get(path) ?? 0;
      this.marks.set(path, new Set([...Array(count).keys()].filter((index) => index !== hunk)));
    } else {
      const set = mark ?? new Set<number>();
      if (set.has(hunk)) set.delete(hunk);
      else set.add(hunk);
      if (set.size === 0) this.marks.delete(path);
      else this.marks.set(path, set);
    }
    return this.hunkMarked(path, hunk);
  }

  clear(): void {
    this.marks.clear();
  }

  /** What to leave out, in the patch's order; empty when nothing is marked. */
  drop(): PatchRevisionRequest['drop'] {
    const drop: PatchRevisionRequest['drop'] = [];
    for (const [path, count] of this.hunkCounts) {
      const mark = this.marks.get(path);
      if (mark === undefined) continue;
      if (mark === 'file' || mark.size >= count) drop.push({ path });
      else drop.push({ path, hunks: [...mark].sort((a, b) => a - b) });
    }
    return drop;
  }

  /** The request that saves the marks as a revision of `basedOn` (the revision shown). */
  request(basedOn: number): PatchRevisionRequest | undefined {
    const drop = this.drop();
    return drop.length ? { basedOn, drop } : undefined;
  }

  /** Every file would go: the API refuses that (reject the repository instead). */
  dropsEverything(): boolean {
    const drop = this.drop();
    return drop.length > 0 && drop.length === this.hunkCounts.size && drop.every((entry) => !entry.hunks);
  }

  /** "2 hunks and 1 file marked to drop", or undefined when nothing is marked. */
  summary(): string | undefined {
    const drop = this.drop();
    return drop.length ? `${droppedText(drop)} marked to drop` : undefined;
  }
}
