import { filePath, parsePatch } from './patch';

// A patch with some of its hunks (or whole files) left out: what a reviewer keeps of a diff. Only
// whole hunks and whole files are removed, and nothing else is rewritten but the later hunks'
// `+` start lines: a kept hunk's old side is untouched and stays where it was, so the result
// applies to the base wherever the whole patch did (`git apply --check` proves it in the tests,
// and the publish applies it with git). The API runs where there is no git (the Lambda), so this
// construction is the check. Browser-safe: a webview can preview the result.

export interface HunkDrop {
  /** The file's path as the patch names it (the new path; the old one for a deletion). */
  path: string;
  /** Indexes of its hunks to leave out, from 0; absent: the whole file. */
  hunks?: number[];
}

export type SubsetOutcome = { ok: true; patch: string } | { ok: false; message: string };

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@([^\n]*)$/;

export function dropHunks(patch: string, drops: readonly HunkDrop[]): SubsetOutcome {
  const files = parsePatch(patch);
  const byPath = new Map(files.map((file) => [filePath(file), file]));
  const wanted = new Map<string, Set<number> | 'file'>();
  for (const drop of drops) {
    const file = byPath.get(drop.path);
    if (!file) return { ok: false, message: `The patch has no file ${JSON.stringify(drop.path)}` };
    if (drop.hunks === undefined) {
      wanted.set(drop.path, 'file');
      continue;
    }
    const count = splitHunks(file.text).hunks.length;
    const already = wanted.get(drop.path);
    const set = already instanceof Set ? already : new Set<number>();
    for (const hunk of drop.hunks) {
      if (!Number.isInteger(hunk) || hunk < 0 || hunk >= count)
        return { ok: false, message: `${drop.path} has ${count} hunk(s), numbered from 0; there is no hunk ${hunk}` };
      set.add(hunk);
    }
    if (already !== 'file') wanted.set(drop.path, set);
  }
  const preface = files.length ? patch.slice(0, patch.indexOf(files[0]!.text)) : patch;
  let out = preface;
  for (const file of files) {
    const drop = wanted.get(filePath(file));
    if (drop === undefined) {
      out += file.text;
      continue;
    }
    if (drop === 'file') continue;
    const { head, hunks, tail } = splitHunks(file.text);
    // A file with all its hunks left out is left out: the rest of its header (a rename, a mode)
    // would otherwise be published without the change it came with.
    if (drop.size === hunks.length) continue;
    let shift = 0;
    out += head;
    hunks.forEach((hunk, index) => {
      if (drop.has(index)) {
        shift += hunk.newLines - hunk.oldLines;
        return;
      }
      out += `@@ -${hunk.oldRange} +${rangeText(hunk.newStart - shift, hunk.newLines)} @@${hunk.section}\n`;
      out += hunk.body;
    });
    out += tail;
  }
  return { ok: true, patch: out };
}

interface RawHunk {
  oldRange: string;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** What follows the header's second `@@` (the enclosing function, as git shows it). */
  section: string;
  /** The hunk's lines, each with its newline. */
  body: string;
}

/** A file's patch text as its header, its hunks (by their headers' counts) and anything after them. */
function splitHunks(text: string): { head: string; hunks: RawHunk[]; tail: string } {
  const lines = text.split(/(?<=\n)/);
  const hunks: RawHunk[] = [];
  let index = 0;
  let head = '';
  while (index < lines.length && !HUNK_HEADER.test(lines[index]!.replace(/\n$/, ''))) head += lines[index++];
  let tail = '';
  while (index < lines.length) {
    const header = HUNK_HEADER.exec(lines[index]!.replace(/\n$/, ''));
    if (!header) {
      tail += lines.slice(index).join('');
      break;
    }
    index++;
    const oldLines = header[2] === undefined ? 1 : Number(header[2]);
    const newLines = header[4] === undefined ? 1 : Number(header[4]);
    let oldLeft = oldLines;
    let newLeft = newLines;
    let body = '';
    while (index < lines.length && (oldLeft > 0 || newLeft > 0 || lines[index]!.startsWith('\\'))) {
      const first = lines[index]![0];
      if (first === '+') newLeft--;
      else if (first === '-') oldLeft--;
      else if (first !== '\\') {
        oldLeft--;
        newLeft--;
      }
      body += lines[index++];
    }
    hunks.push({
      oldRange: header[2] === undefined ? header[1]! : `${header[1]},${header[2]}`,
      oldLines,
      newStart: Number(header[3]),
      newLines,
      section: header[5]!,
      body,
    });
  }
  return { head, hunks, tail };
}

function rangeText(start: number, lines: number): string {
  return lines === 1 ? String(start) : `${start},${lines}`;
}
