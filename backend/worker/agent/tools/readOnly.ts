import { describeIssues } from '../../../../common/schemas';
import { ListFilesInput, SEARCH_TIME_LIMIT_MS, SearchFilesInput } from './definitions';
import { BINARY_PROBE_BYTES } from './files';
import { scanCheckout } from './listing';
import { ToolError, type OpenCheckout } from './paths';

// The two read-only tools: list files and search file contents. Both honour .gitignore and keep
// their answers bounded, saying what was left out and how to narrow the request.

const MAX_LISTED_FILES = 1000;
const MAX_MATCHES = 200;
const MAX_MATCH_LINE_CHARS = 300;
/** Files above this are not searched (minified bundles, data files). */
const MAX_SEARCHED_FILE_BYTES = 2 * 1024 * 1024;
/** Lines longer than this are only searched in their first part, which bounds regex work per line. */
const MAX_SEARCHED_LINE_CHARS = 4000;

export async function runListFiles(
  checkout: OpenCheckout,
  raw: unknown,
  timeLimitMs = SEARCH_TIME_LIMIT_MS,
): Promise<string> {
  const parsed = ListFilesInput.safeParse(raw ?? {});
  if (!parsed.success) throw new ToolError(`Error: invalid input: ${describeIssues(parsed.error)}`);
  const { glob } = parsed.data;
  const { folder, single } = scope(checkout, parsed.data.path);
  const softLimitMs = softLimit(timeLimitMs);
  const outcome = await scanCheckout(checkout, { target: folder, single, glob, timeLimitMs, softLimitMs });
  if (!outcome) throw new ToolError(listingStopped(timeLimitMs, glob));
  const { files } = outcome;
  const described = `${folder === '.' ? 'the repository' : `${folder}/`}${glob ? ` matching ${glob}` : ''}`;
  const stopped = outcome.stoppedEarly
    ? `\n[The listing stopped after ${seconds(softLimitMs)}; narrow it with path or glob.]`
    : '';
  if (files.length === 0) return `No files in ${described} (files ignored by .gitignore are left out).${stopped}`;
  const shown = files.slice(0, MAX_LISTED_FILES);
  const more =
    files.length > shown.length
      ? `\n[${files.length - shown.length} more files not shown (${files.length} in all); narrow with path or glob.]`
      : '';
  return `${files.length} file${files.length === 1 ? '' : 's'} in ${described}:\n${shown.join('\n')}${more}${stopped}`;
}

export async function runSearchFiles(
  checkout: OpenCheckout,
  raw: unknown,
  timeLimitMs = SEARCH_TIME_LIMIT_MS,
): Promise<string> {
  const parsed = SearchFilesInput.safeParse(raw);
  if (!parsed.success) throw new ToolError(`Error: invalid input: ${describeIssues(parsed.error)}`);
  const input = parsed.data;
  // Compiling a pattern is quick whatever it is; only matching can run away, and that runs in a thread.
  let flags = input.case_insensitive ? 'iu' : 'u';
  try {
    new RegExp(input.pattern, flags);
  } catch (unicodeError) {
    flags = input.case_insensitive ? 'i' : '';
    try {
      new RegExp(input.pattern, flags);
    } catch {
      throw new ToolError(`Error: invalid regular expression: ${(unicodeError as Error).message}`);
    }
  }
  const { folder, single } = scope(checkout, input.path);
  const softLimitMs = softLimit(timeLimitMs);
  const outcome = await scanCheckout(checkout, {
    target: folder,
    single,
    glob: input.glob,
    search: {
      pattern: input.pattern,
      flags,
      maxMatches: MAX_MATCHES,
      maxMatchLineChars: MAX_MATCH_LINE_CHARS,
      maxSearchedLineChars: MAX_SEARCHED_LINE_CHARS,
      maxFileBytes: MAX_SEARCHED_FILE_BYTES,
      binaryProbeBytes: BINARY_PROBE_BYTES,
    },
    timeLimitMs,
    softLimitMs,
  });
  if (!outcome?.search) {
    throw new ToolError(
      input.glob
        ? `Error: the search was stopped after ${seconds(timeLimitMs)}: the pattern or the glob ` +
            `took too long. Nested quantifiers such as (a+)+ can backtrack for ever on long lines, ` +
            `and many * in one name of a glob on long names; simplify them, or narrow the search with path.`
        : `Error: the search was stopped after ${seconds(timeLimitMs)}: the pattern took too long. ` +
            `Nested quantifiers such as (a+)+ or (.*)* can backtrack for ever on long lines; ` +
            `simplify the pattern, or narrow the search with path or glob.`,
    );
  }
  const { matches, total, skippedLarge } = outcome.search;
  const notes: string[] = [];
  if (total > matches.length)
    notes.push(
      `${total - matches.length} more matches not shown (${total} in all); narrow with path, glob or a more specific pattern.`,
    );
  if (skippedLarge > 0) notes.push(`${skippedLarge} file${skippedLarge === 1 ? '' : 's'} over 2 MB not searched.`);
  if (outcome.stoppedEarly)
    notes.push(`The search stopped after ${seconds(softLimitMs)}; narrow it with path or glob.`);
  const footer = notes.length > 0 ? `\n[${notes.join(' ')}]` : '';
  if (matches.length === 0) return `No matches for /${input.pattern}/ in ${outcome.listed} files.${footer}`;
  return `${matches.join('\n')}${footer}`;
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

function softLimit(timeLimitMs: number): number {
  return timeLimitMs - Math.min(5000, timeLimitMs / 4);
}

function listingStopped(timeLimitMs: number, glob: string | undefined): string {
  return glob
    ? `Error: the listing was stopped after ${seconds(timeLimitMs)}: matching the glob took ` +
        `too long. Simplify the glob (fewer * in one name), or narrow the listing with path.`
    : `Error: the listing was stopped after ${seconds(timeLimitMs)}; narrow it with path.`;
}

/** The folder (or the one file) a listing or search goes through, as its real path relative to the root. */
function scope(checkout: OpenCheckout, requested: string): { folder: string; single: boolean } {
  const target = checkout.resolve(requested);
  if (target.kind === undefined) throw new ToolError(`Error: ${target.display} does not exist.`);
  if (target.kind === 'other') {
    throw new ToolError(`Error: ${target.display} is not a regular file; give a folder or a file.`);
  }
  return { folder: checkout.relative(target.real), single: target.kind === 'file' };
}
