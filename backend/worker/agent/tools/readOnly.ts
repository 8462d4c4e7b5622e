import path from 'node:path';
import { describeIssues } from '../../../../common/schemas';
import { ListFilesInput, SearchFilesInput } from './definitions';
import { BINARY_PROBE_BYTES } from './files';
import { globFilter, listFiles } from './listing';
import { ToolError, type Checkout } from './paths';
import { searchInThread } from './searchThread';

// The two read-only tools: list files and search file contents. Both honour .gitignore and keep
// their answers bounded, saying what was left out and how to narrow the request.

const MAX_LISTED_FILES = 1000;
const MAX_MATCHES = 200;
const MAX_MATCH_LINE_CHARS = 300;
/** Files above this are not searched (minified bundles, data files). */
const MAX_SEARCHED_FILE_BYTES = 2 * 1024 * 1024;
/** Lines longer than this are only searched in their first part, which bounds regex work per line. */
const MAX_SEARCHED_LINE_CHARS = 4000;
/** search_files answers within this: partial results a little before, an error when the pattern ran away. */
export const SEARCH_TIME_LIMIT_MS = 20_000;

export async function runListFiles(checkout: Checkout, raw: unknown): Promise<string> {
  const parsed = ListFilesInput.safeParse(raw ?? {});
  if (!parsed.success) throw new ToolError(`Error: invalid input: ${describeIssues(parsed.error)}`);
  const { folder, files } = await filesUnder(checkout, parsed.data.path, parsed.data.glob);
  const scope = `${folder === '.' ? 'the repository' : `${folder}/`}${parsed.data.glob ? ` matching ${parsed.data.glob}` : ''}`;
  if (files.length === 0) return `No files in ${scope} (files ignored by .gitignore are left out).`;
  const shown = files.slice(0, MAX_LISTED_FILES);
  const more =
    files.length > shown.length
      ? `\n[${files.length - shown.length} more files not shown (${files.length} in all); narrow with path or glob.]`
      : '';
  return `${files.length} file${files.length === 1 ? '' : 's'} in ${scope}:\n${shown.join('\n')}${more}`;
}

export async function runSearchFiles(
  checkout: Checkout,
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
  const { files } = await filesUnder(checkout, input.path, input.glob);
  const softLimitMs = timeLimitMs - Math.min(5000, timeLimitMs / 4);
  const outcome = await searchInThread(
    {
      root: checkout.realRoot,
      files,
      pattern: input.pattern,
      flags,
      maxMatches: MAX_MATCHES,
      maxMatchLineChars: MAX_MATCH_LINE_CHARS,
      maxSearchedLineChars: MAX_SEARCHED_LINE_CHARS,
      maxFileBytes: MAX_SEARCHED_FILE_BYTES,
      binaryProbeBytes: BINARY_PROBE_BYTES,
      stopAt: Date.now() + softLimitMs,
    },
    timeLimitMs,
  );
  if (!outcome) {
    throw new ToolError(
      `Error: the search was stopped after ${seconds(timeLimitMs)}: the pattern took too long. Nested quantifiers such as (a+)+ or (.*)* can backtrack for ever on long lines; simplify the pattern, or narrow the search with path or glob.`,
    );
  }
  const { matches, total, skippedLarge } = outcome;
  const notes: string[] = [];
  if (total > matches.length)
    notes.push(
      `${total - matches.length} more matches not shown (${total} in all); narrow with path, glob or a more specific pattern.`,
    );
  if (skippedLarge > 0) notes.push(`${skippedLarge} file${skippedLarge === 1 ? '' : 's'} over 2 MB not searched.`);
  if (outcome.stoppedEarly)
    notes.push(`The search stopped after ${seconds(softLimitMs)}; narrow it with path or glob.`);
  const footer = notes.length > 0 ? `\n[${notes.join(' ')}]` : '';
  if (matches.length === 0) return `No matches for /${input.pattern}/ in ${files.length} files.${footer}`;
  return `${matches.join('\n')}${footer}`;
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

async function filesUnder(checkout: Checkout, requested: string, glob: string | undefined) {
  const target = await checkout.resolve(requested);
  if (target.kind === undefined) throw new ToolError(`Error: ${target.display} does not exist.`);
  const folder = checkout.relative(target.real);
  const listed = target.kind === 'directory' ? await listFiles(checkout, folder) : [folder];
  const base = target.kind === 'directory' ? folder : path.posix.dirname(folder);
  return { folder, files: listed.filter(globFilter(glob, base)) };
}
