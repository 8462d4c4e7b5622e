import { type FilePatch, filePath, parsePatch } from './patch';
import { type Fingerprint, MAX_FINGERPRINT_FILES } from './schemas';
import { sha256Hex } from './sha256';

// What a diff changes, as two fingerprints, so the same edit made in many repositories is seen
// once. Built from each file's path (old→new for a rename or copy) and kind, and its hunks'
// removed and added lines in order: context lines, line numbers, hunk boundaries (they move with
// the context), `index` lines, file modes and similarity scores are left out. The loose one also
// drops each line's leading whitespace. A binary file contributes its path and the blob ids of
// its `index` line (full with `--binary`: the content's identity), or its patch body without one.
// SHA-256, since a diff is untrusted: one repository's diff must not be able to pose as another's
// group and be approved with it. Browser-safe (no Node crypto): the webviews may use it.

export interface PatchFingerprint {
  /** SHA-256 hex of the paths and changed lines. */
  exact: string;
  /** The same with every changed line's leading whitespace dropped. */
  loose: string;
  /** The paths the diff touches (renames and copies by their new path), sorted. */
  files: string[];
}

export function fingerprintPatch(patch: string): PatchFingerprint {
  // One string per side, hashed once: many small updates cost more than the hashing itself.
  const exact: string[] = [];
  const loose: string[] = [];
  const files = parsePatch(patch).sort((a, b) => compare(fileKey(a), fileKey(b)));
  for (const file of files) {
    const head = `\u0000file ${file.kind} ${fileKey(file)}\n`;
    exact.push(head);
    loose.push(head);
    if (file.binary) {
      const identity = `binary ${file.oldBlob ?? '-'} ${file.newBlob ?? '-'}\n`;
      const body = file.oldBlob || file.newBlob ? identity : `binary ${binaryBody(file.text)}\n`;
      exact.push(body);
      loose.push(body);
      continue;
    }
    for (const line of changedLines(file.text)) {
      exact.push(line, '\n');
      loose.push(line[0]!, line.slice(1).replace(/^\s+/, ''), '\n');
    }
  }
  return {
    exact: sha256Hex(exact.join('')),
    loose: sha256Hex(loose.join('')),
    files: [...new Set(files.map(filePath))].sort(compare),
  };
}

/** `old→new` for a rename or copy, else the file's path. */
function fileKey(file: FilePatch): string {
  return (file.kind === 'renamed' || file.kind === 'copied') && file.oldPath !== file.newPath
    ? `${file.oldPath}→${file.newPath}`
    : filePath(file);
}

/**
 * A file's removed and added lines in order, and the "\ No newline at end of file" markers that
 * follow them (a context line's marker is context). Hunk bodies are walked by their headers'
 * counts, so a content line that reads `--- x` is not taken for a header.
 */
function changedLines(text: string): string[] {
  const lines = text.split('\n');
  const changed: string[] = [];
  let index = 0;
  while (index < lines.length) {
    const header = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/.exec(lines[index]!);
    index++;
    if (!header) continue;
    let oldLeft = header[1] === undefined ? 1 : Number(header[1]);
    let newLeft = header[2] === undefined ? 1 : Number(header[2]);
    let previous = ' ';
    while (index < lines.length && (oldLeft > 0 || newLeft > 0 || lines[index]!.startsWith('\\'))) {
      const line = lines[index]!;
      const first = line[0] ?? ' ';
      if (first === '+') newLeft--;
      else if (first === '-') oldLeft--;
      else if (first === ' ') {
        oldLeft--;
        newLeft--;
      }
      if (first === '+' || first === '-' || (first === '\\' && previous !== ' ')) changed.push(line);
      if (first !== '\\') previous = first;
      index++;
    }
  }
  return changed;
}

/** A binary file's patch without its header lines: what identifies its content when no blob ids are given. */
function binaryBody(text: string): string {
  const at = text.indexOf('\nGIT binary patch\n');
  return at === -1 ? text.slice(text.indexOf('\nBinary files ') + 1) : text.slice(at + 1);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The fingerprint as a row records it: of this attempt's patch revision, its paths capped. */
export function fingerprintRecord(patch: string, attempt: number, patchRevision: number): Fingerprint {
  const { exact, loose, files } = fingerprintPatch(patch);
  return { exact, loose, files: files.slice(0, MAX_FINGERPRINT_FILES), attempt, patchRevision };
}

/** Whether a row's fingerprint is of its current attempt and patch revision. */
export function currentFingerprint(row: {
  attempt: number;
  patchRevision?: number;
  fingerprint?: Fingerprint;
}): Fingerprint | undefined {
  const { fingerprint } = row;
  return fingerprint && fingerprint.attempt === row.attempt && fingerprint.patchRevision === (row.patchRevision ?? 0)
    ? fingerprint
    : undefined;
}
