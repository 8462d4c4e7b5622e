import { type FilePatch, filePath, type Hunk, parseHunks, parsePatch } from './patch';
import { type Fingerprint, MAX_FINGERPRINT_FILES } from './schemas';
import { sha256Hex } from './sha256';

// What a diff changes, as fingerprints, so the same edit made in many repositories is seen once.
// Each file counts with its kind, its old and new modes (a link is mode 120000, an executable
// 100755), a link's target, and its paths exactly as git wrote them in the `diff --git` line (git
// quotes an odd name, so a name holding a newline or bytes that are not UTF-8 keeps every byte);
// then its hunks' removed and added lines in order. Left out: context lines, line numbers, hunk
// boundaries (they move with the context), `index` lines and similarity scores. The loose
// fingerprint also drops each changed line's leading whitespace. The context fingerprint adds
// what surrounds each change (every hunk's context lines and its section heading): members of one
// group whose context differs from the shown one's have "the same lines in different surroundings"
// (an auth check moved into `if (false) {` and the same lines moved harmlessly), which a reviewer
// must open before approving the group as one. A file's identity is written as JSON on a line that
// starts with NUL, and every body line starts with +, - or \, so no path or line can pose as
// another file's. SHA-256, since a diff is untrusted: one repository's diff must not be able to
// pose as another's group and be approved with it. Browser-safe (no Node crypto).

/** Fingerprints of an older version are computed again from the stored diff when next needed. */
export const FINGERPRINT_VERSION = 2;

/** Git's mode of a symbolic link: its "content" is where it points. */
const LINK_MODE = '120000';

export interface PatchFingerprint {
  /** SHA-256 hex of each file's identity and its removed and added lines. */
  exact: string;
  /** The same with every changed line's leading whitespace dropped. */
  loose: string;
  /** The same with each hunk's context lines and section heading: what surrounds the change. */
  context: string;
  /** The paths the diff touches (renames and copies by their new path), sorted. */
  files: string[];
}

export function fingerprintPatch(patch: string): PatchFingerprint {
  // One string per side, hashed once: many small updates cost more than the hashing itself.
  const exact: string[] = [];
  const loose: string[] = [];
  const context: string[] = [];
  const files = parsePatch(patch).sort((a, b) => compare(a.gitPaths, b.gitPaths) || compare(fileKey(a), fileKey(b)));
  for (const file of files) {
    const hunks = file.binary ? [] : parseHunks(file.text);
    const head = `\u0000${JSON.stringify(identity(file, hunks))}\n`;
    exact.push(head);
    loose.push(head);
    context.push(head);
    if (file.binary) {
      const ids = `binary ${file.oldBlob ?? '-'} ${file.newBlob ?? '-'}\n`;
      const body = file.oldBlob || file.newBlob ? ids : `binary ${binaryBody(file.text)}\n`;
      exact.push(body);
      loose.push(body);
      context.push(body);
      continue;
    }
    for (const hunk of hunks) {
      context.push(`\u0000${JSON.stringify(hunk.heading)}\n`);
      let previous = ' ';
      for (const line of hunk.lines) {
        context.push(line, '\n');
        const first = line[0];
        // A "\ No newline at end of file" after a context line is context.
        if (first === '+' || first === '-' || (first === '\\' && previous !== ' ')) {
          exact.push(line, '\n');
          loose.push(first!, line.slice(1).replace(/^\s+/, ''), '\n');
        }
        if (first !== '\\') previous = first ?? ' ';
      }
    }
  }
  return {
    exact: sha256Hex(exact.join('')),
    loose: sha256Hex(loose.join('')),
    context: sha256Hex(context.join('')),
    files: [...new Set(files.map(filePath))].sort(compare),
  };
}

/** What a file is besides its lines: kind, paths as git wrote them, modes, and a link's targets. */
function identity(file: FilePatch, hunks: readonly Hunk[]): unknown[] {
  const targets: string[] = [];
  if (file.oldMode === LINK_MODE || file.newMode === LINK_MODE)
    for (const hunk of hunks) for (const line of hunk.lines) if (line[0] === '-' || line[0] === '+') targets.push(line);
  return [file.kind, file.gitPaths, file.oldMode ?? null, file.newMode ?? null, targets];
}

/** `old→new` for a rename or copy, else the file's path. */
function fileKey(file: FilePatch): string {
  return (file.kind === 'renamed' || file.kind === 'copied') && file.oldPath !== file.newPath
    ? `${file.oldPath}→${file.newPath}`
    : filePath(file);
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
  const { exact, loose, context, files } = fingerprintPatch(patch);
  return {
    version: FINGERPRINT_VERSION,
    exact,
    loose,
    context,
    files: files.slice(0, MAX_FINGERPRINT_FILES),
    attempt,
    patchRevision,
  };
}

/** The row's fingerprint when it is of its current attempt and patch revision, and of this version. */
export function currentFingerprint(row: {
  attempt: number;
  patchRevision?: number;
  fingerprint?: Fingerprint;
}): Fingerprint | undefined {
  const { fingerprint } = row;
  return fingerprint &&
    fingerprint.version === FINGERPRINT_VERSION &&
    fingerprint.attempt === row.attempt &&
    fingerprint.patchRevision === (row.patchRevision ?? 0)
    ? fingerprint
    : undefined;
}
