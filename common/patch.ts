// Parsing of the unified diffs the worker records (`git diff --cached --binary`): one entry per file
// with its paths, kind, blob ids and line counts, and the file's own slice of the patch text so a
// viewer can render one file at a time. Hunks are parsed on demand (`parseHunks`), since a 5 MB
// patch needs only the file list to be shown.

export type FileChangeKind = 'added' | 'deleted' | 'modified' | 'renamed' | 'copied';

export interface FilePatch {
  /** Path before the change; undefined for an added file. */
  oldPath: string | undefined;
  /** Path after the change; undefined for a deleted file. */
  newPath: string | undefined;
  kind: FileChangeKind;
  binary: boolean;
  /** Blob ids from the `index` line: abbreviated for text, full for binary files (`--binary`). */
  oldBlob: string | undefined;
  newBlob: string | undefined;
  /** Modes before and after (`100644`, `100755`, `120000` for a link), from the mode lines or the `index` line. */
  oldMode: string | undefined;
  newMode: string | undefined;
  /** Both paths exactly as the `diff --git` line writes them: git's quoting keeps every byte of an odd name. */
  gitPaths: string;
  additions: number;
  deletions: number;
  /** This file's part of the patch, from its `diff --git` line to the next one. */
  text: string;
}

export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** What follows the header's second `@@`: git's section heading (the enclosing function), with its space. */
  heading: string;
  /** The hunk's body lines, each starting with ' ', '-', '+' or '\\'. */
  lines: string[];
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;
const NULL_BLOB = /^0+$/;

/** The path a file is known by: the new one, or the old one for a deletion. */
export function filePath(file: FilePatch): string {
  return (file.newPath ?? file.oldPath)!;
}

export interface PatchTotals {
  files: number;
  additions: number;
  deletions: number;
}

export function patchTotals(files: readonly FilePatch[]): PatchTotals {
  let additions = 0;
  let deletions = 0;
  for (const file of files) {
    additions += file.additions;
    deletions += file.deletions;
  }
  return { files: files.length, additions, deletions };
}

/** Splits a git patch into files. Text before the first `diff --git` line is ignored. */
export function parsePatch(patch: string): FilePatch[] {
  const files: FilePatch[] = [];
  const starts: number[] = [];
  if (patch.startsWith('diff --git ')) starts.push(0);
  for (let at = patch.indexOf('\ndiff --git '); at !== -1; at = patch.indexOf('\ndiff --git ', at + 1))
    starts.push(at + 1);
  for (let i = 0; i < starts.length; i++) {
    files.push(parseFile(patch.slice(starts[i], i + 1 < starts.length ? starts[i + 1] : patch.length)));
  }
  return files;
}

function parseFile(text: string): FilePatch {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const file: FilePatch = {
    oldPath: undefined,
    newPath: undefined,
    kind: 'modified',
    binary: false,
    oldBlob: undefined,
    newBlob: undefined,
    oldMode: undefined,
    newMode: undefined,
    gitPaths: (lines[0] ?? '').slice('diff --git '.length),
    additions: 0,
    deletions: 0,
    text,
  };
  const fromHeader = pathsFromDiffLine(lines[0] ?? '');
  let oldPath = fromHeader?.[0];
  let newPath = fromHeader?.[1];
  let index = 1;
  for (; index < lines.length; index++) {
    const line = lines[index]!;
    if (line.startsWith('@@')) break;
    if (line.startsWith('new file mode ')) {
      file.kind = 'added';
      file.newMode = line.slice('new file mode '.length);
    } else if (line.startsWith('deleted file mode ')) {
      file.kind = 'deleted';
      file.oldMode = line.slice('deleted file mode '.length);
    } else if (line.startsWith('old mode ')) file.oldMode = line.slice('old mode '.length);
    else if (line.startsWith('new mode ')) file.newMode = line.slice('new mode '.length);
    else if (line.startsWith('rename from ')) {
      file.kind = 'renamed';
      oldPath = unquote(line.slice('rename from '.length));
    } else if (line.startsWith('rename to ')) newPath = unquote(line.slice('rename to '.length));
    else if (line.startsWith('copy from ')) {
      file.kind = 'copied';
      oldPath = unquote(line.slice('copy from '.length));
    } else if (line.startsWith('copy to ')) newPath = unquote(line.slice('copy to '.length));
    else if (line.startsWith('index ')) {
      const match = /^index ([0-9a-f]+)\.\.([0-9a-f]+)(?: (\d+))?/.exec(line);
      if (match) {
        file.oldBlob = NULL_BLOB.test(match[1]!) ? undefined : match[1];
        file.newBlob = NULL_BLOB.test(match[2]!) ? undefined : match[2];
        // The mode of a file whose mode did not change.
        if (match[3]) {
          file.oldMode ??= match[3];
          file.newMode ??= match[3];
        }
      }
    } else if (line.startsWith('--- ')) {
      const path = stripPrefix(unquote(line.slice(4)), 'a/');
      if (path !== undefined) oldPath = path;
    } else if (line.startsWith('+++ ')) {
      const path = stripPrefix(unquote(line.slice(4)), 'b/');
      if (path !== undefined) newPath = path;
    } else if (line === 'GIT binary patch' || (line.startsWith('Binary files ') && line.endsWith(' differ'))) {
      file.binary = true;
      break;
    }
  }
  if (!file.binary) {
    // Count lines hunk by hunk, so a content line that looks like `+++` or `---` is counted right.
    while (index < lines.length) {
      const header = HUNK_HEADER.exec(lines[index]!);
      index++;
      if (!header) continue;
      let oldLeft = header[2] === undefined ? 1 : Number(header[2]);
      let newLeft = header[4] === undefined ? 1 : Number(header[4]);
      while (index < lines.length && (oldLeft > 0 || newLeft > 0)) {
        const first = lines[index]![0];
        if (first === '+') {
          file.additions++;
          newLeft--;
        } else if (first === '-') {
          file.deletions++;
          oldLeft--;
        } else if (first === ' ' || first === undefined) {
          oldLeft--;
          newLeft--;
        }
        index++;
      }
    }
  }
  file.oldPath = file.kind === 'added' ? undefined : oldPath;
  file.newPath = file.kind === 'deleted' ? undefined : newPath;
  if (file.oldPath === undefined && file.newPath === undefined) file.newPath = oldPath ?? newPath ?? '(unknown)';
  return file;
}

/** The hunks of one file's patch text. */
export function parseHunks(text: string): Hunk[] {
  const lines = text.split('\n');
  const hunks: Hunk[] = [];
  let index = 0;
  while (index < lines.length) {
    const header = HUNK_HEADER.exec(lines[index]!);
    index++;
    if (!header) continue;
    const hunk: Hunk = {
      oldStart: Number(header[1]),
      oldLines: header[2] === undefined ? 1 : Number(header[2]),
      newStart: Number(header[3]),
      newLines: header[4] === undefined ? 1 : Number(header[4]),
      heading: lines[index - 1]!.slice(header[0].length),
      lines: [],
    };
    let oldLeft = hunk.oldLines;
    let newLeft = hunk.newLines;
    while (index < lines.length && (oldLeft > 0 || newLeft > 0 || lines[index]!.startsWith('\\'))) {
      const line = lines[index]!;
      const first = line[0];
      if (first === '+') newLeft--;
      else if (first === '-') oldLeft--;
      else if (first === ' ' || first === undefined) {
        oldLeft--;
        newLeft--;
      }
      hunk.lines.push(first === undefined ? ' ' : line);
      index++;
    }
    hunks.push(hunk);
  }
  return hunks;
}

/**
 * Applies a file's hunks to its original text. Each hunk is placed where its old lines match,
 * searching outward from the line the header names (the file may have moved a little). Returns
 * undefined when some hunk matches nowhere.
 */
export function applyHunks(original: string, hunks: readonly Hunk[]): string | undefined {
  const eol = original.includes('\r\n') ? '\r\n' : '\n';
  const source = original === '' ? [] : original.split(/\r?\n/);
  const originalEndsWithNewline = original === '' || /\n$/.test(original);
  if (original !== '' && originalEndsWithNewline) source.pop();
  const out: string[] = [];
  let cursor = 0;
  let endsWithNewline = originalEndsWithNewline;
  for (const hunk of hunks) {
    const oldSide: string[] = [];
    const newSide: string[] = [];
    let oldNoEol = false;
    let newNoEol = false;
    let previous: string | undefined;
    for (const line of hunk.lines) {
      const first = line[0];
      const body = line.slice(1);
      if (first === '\\') {
        // "\ No newline at end of file" applies to the side(s) of the line just before it.
        if (previous === '-' || previous === ' ') oldNoEol = true;
        if (previous === '+' || previous === ' ') newNoEol = true;
        continue;
      }
      if (first === ' ') {
        oldSide.push(body);
        newSide.push(body);
      } else if (first === '-') oldSide.push(body);
      else if (first === '+') newSide.push(body);
      previous = first;
    }
    const expected = Math.max(0, hunk.oldLines === 0 ? hunk.oldStart : hunk.oldStart - 1);
    const at = findLines(source, oldSide, expected, cursor);
    if (at === undefined) return undefined;
    out.push(...source.slice(cursor, at), ...newSide);
    cursor = at + oldSide.length;
    // A hunk that reaches the end of the file decides how the new file ends.
    if (cursor === source.length && (oldNoEol || newNoEol || newSide.length > 0 || oldSide.length > 0))
      endsWithNewline = !newNoEol;
  }
  out.push(...source.slice(cursor));
  if (out.length === 0) return '';
  return out.join(eol) + (endsWithNewline ? eol : '');
}

function findLines(
  source: readonly string[],
  wanted: readonly string[],
  expected: number,
  from: number,
): number | undefined {
  const matchesAt = (at: number) => {
    if (at < from || at + wanted.length > source.length) return false;
    for (let i = 0; i < wanted.length; i++) if (source[at + i] !== wanted[i]) return false;
    return true;
  };
  for (let offset = 0; offset <= source.length; offset++) {
    if (matchesAt(expected + offset)) return expected + offset;
    if (offset > 0 && matchesAt(expected - offset)) return expected - offset;
  }
  return undefined;
}

/** The old and new sides of a file's hunks alone, for when the original file is not at hand. */
export function hunkSides(hunks: readonly Hunk[]): { original: string; modified: string } {
  const original: string[] = [];
  const modified: string[] = [];
  hunks.forEach((hunk, i) => {
    if (i > 0 || hunk.oldStart > 1) {
      original.push(`… (lines before ${hunk.oldStart} are not in the patch)`);
      modified.push(`… (lines before ${hunk.newStart} are not in the patch)`);
    }
    for (const line of hunk.lines) {
      const body = line.slice(1);
      if (line[0] === ' ') {
        original.push(body);
        modified.push(body);
      } else if (line[0] === '-') original.push(body);
      else if (line[0] === '+') modified.push(body);
    }
  });
  return { original: original.join('\n'), modified: modified.join('\n') };
}

/** `a/x b/x` from `diff --git a/x b/x`, for files whose headers carry no `---`/`+++` lines. */
function pathsFromDiffLine(line: string): [string, string] | undefined {
  const rest = line.slice('diff --git '.length);
  if (rest.startsWith('"')) {
    const end = closingQuote(rest);
    if (end === -1) return undefined;
    const first = unquote(rest.slice(0, end + 1));
    const second = unquote(rest.slice(end + 2));
    return [stripPrefix(first, 'a/') ?? first, stripPrefix(second, 'b/') ?? second];
  }
  // Unquoted: the two paths are the same length when the file was not renamed.
  if (rest.startsWith('a/')) {
    const half = (rest.length - 1) / 2;
    if (
      Number.isInteger(half) &&
      rest[half] === ' ' &&
      rest.slice(half + 1).startsWith('b/') &&
      rest.slice(2, half) === rest.slice(half + 3)
    ) {
      return [rest.slice(2, half), rest.slice(half + 3)];
    }
    const split = rest.indexOf(' b/');
    if (split !== -1) return [rest.slice(2, split), rest.slice(split + 3)];
  }
  return undefined;
}

function closingQuote(text: string): number {
  for (let i = 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

function stripPrefix(path: string, prefix: string): string | undefined {
  if (path === '/dev/null') return undefined;
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}

const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  '"': '"',
  '\\': '\\',
  a: '\x07',
  b: '\b',
  f: '\f',
  r: '\r',
  v: '\v',
};

/** Undoes git's C-style quoting of unusual paths: `"t\303\251st"` is `tést`. */
export function unquote(text: string): string {
  const trimmed = text.replace(/\t$/, '');
  if (!trimmed.startsWith('"') || !trimmed.endsWith('"') || trimmed.length < 2) return trimmed;
  const bytes: number[] = [];
  const body = trimmed.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const char = body[i]!;
    if (char !== '\\') {
      bytes.push(...new TextEncoder().encode(char));
      continue;
    }
    const next = body[i + 1] ?? '';
    if (/[0-7]/.test(next)) {
      bytes.push(parseInt(body.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push((ESCAPES[next] ?? next).charCodeAt(0));
      i += 1;
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}
