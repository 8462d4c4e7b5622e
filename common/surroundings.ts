import { type FilePatch, filePath, type Hunk, parseHunks, parsePatch } from './patch';

// What a reviewer must see of a member of a change group whose change sits in other surroundings
// than the representative's (`ChangeGroup.surroundings`): the same removed and added lines, with
// other lines around them. For each of its hunks whose context or section heading differs from the
// representative's hunk at the same place, the hunk as a person reads it, with the context lines
// the representative's hunk does not have marked. Browser-safe: the group view (VS Code and the web
// app) and `cody-batch changes --group` show the same.

/** At most this many hunks of one member, and lines of one hunk, are shown; the rest are counted. */
export const MAX_SURROUNDING_HUNKS = 20;
export const MAX_SURROUNDING_LINES = 60;
/** A longer line is cut there, with an ellipsis. */
export const MAX_SURROUNDING_LINE_CHARS = 1_000;

export interface SurroundingLine {
  /** The line as the patch has it: ' ', '+', '-' or '\' and its text. */
  text: string;
  /** A context line the representative's hunk at this place does not have. */
  differs: boolean;
}

export interface SurroundingHunk {
  path: string;
  /** `@@ -12,7 +12,7 @@ function handle()`: where it is, and git's section heading. */
  header: string;
  lines: SurroundingLine[];
  /** Lines of the hunk left out after MAX_SURROUNDING_LINES. */
  moreLines: number;
}

export interface Surroundings {
  hunks: SurroundingHunk[];
  /** Differing hunks left out after MAX_SURROUNDING_HUNKS. */
  moreHunks: number;
}

/** The hunks of `variant` whose surroundings differ from `representative`'s hunk at the same place (file, then order). */
export function differingSurroundings(representative: string, variant: string): Surroundings {
  const shown = new Map(parsePatch(representative).map((file) => [file.gitPaths, file]));
  const differing: SurroundingHunk[] = [];
  for (const file of parsePatch(variant)) {
    if (file.binary) continue;
    const theirs = hunksOf(shown.get(file.gitPaths));
    const ours = parseHunks(file.text);
    // Split differently (other distances between the changes): every hunk of the file differs.
    const comparable = theirs.length === ours.length;
    ours.forEach((hunk, index) => {
      const other = comparable ? theirs[index] : undefined;
      if (other && sameSurroundings(hunk, other)) return;
      const known = new Set(other ? contextLines(other) : []);
      const lines = hunk.lines.map((text) => ({
        text: text.length > MAX_SURROUNDING_LINE_CHARS ? `${text.slice(0, MAX_SURROUNDING_LINE_CHARS)}…` : text,
        differs: text[0] === ' ' && !known.has(text),
      }));
      differing.push({
        path: filePath(file),
        header: `@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@${hunk.heading}`,
        lines: lines.slice(0, MAX_SURROUNDING_LINES),
        moreLines: Math.max(0, lines.length - MAX_SURROUNDING_LINES),
      });
    });
  }
  return {
    hunks: differing.slice(0, MAX_SURROUNDING_HUNKS),
    moreHunks: Math.max(0, differing.length - MAX_SURROUNDING_HUNKS),
  };
}

function hunksOf(file: FilePatch | undefined): Hunk[] {
  return file && !file.binary ? parseHunks(file.text) : [];
}

function contextLines(hunk: Hunk): string[] {
  return hunk.lines.filter((line) => line[0] === ' ');
}

function sameSurroundings(a: Hunk, b: Hunk): boolean {
  return (
    a.heading === b.heading && a.lines.length === b.lines.length && a.lines.every((line, i) => line === b.lines[i])
  );
}

/** The hunks as plain lines, a `!` in the margin of each context line the representative's hunk lacks. */
export function surroundingsText(surroundings: Surroundings): string[] {
  const out: string[] = [];
  for (const hunk of surroundings.hunks) {
    out.push(`${hunk.path} ${hunk.header}`);
    for (const line of hunk.lines) out.push(`${line.differs ? '!' : ' '} ${line.text}`);
    if (hunk.moreLines) out.push(`  … ${hunk.moreLines} more lines`);
  }
  if (surroundings.moreHunks) out.push(`… and ${surroundings.moreHunks} more hunks in other surroundings`);
  return out;
}
