import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { describeIssues } from '../../../../common/schemas';
import { ListFilesInput, SearchFilesInput } from './definitions';
import { looksBinary } from './files';
import { globFilter, listFiles } from './listing';
import { ToolError, type Checkout } from './paths';

// The two read-only tools: list files and search file contents. Both honour .gitignore and keep
// their answers bounded, saying what was left out and how to narrow the request.

const MAX_LISTED_FILES = 1000;
const MAX_MATCHES = 200;
const MAX_MATCH_LINE_CHARS = 300;
/** Files above this are not searched (minified bundles, data files). */
const MAX_SEARCHED_FILE_BYTES = 2 * 1024 * 1024;
/** Lines longer than this are only searched in their first part, which bounds regex work per line. */
const MAX_SEARCHED_LINE_CHARS = 4000;
const MAX_SEARCH_MS = 20_000;

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

export async function runSearchFiles(checkout: Checkout, raw: unknown): Promise<string> {
  const parsed = SearchFilesInput.safeParse(raw);
  if (!parsed.success) throw new ToolError(`Error: invalid input: ${describeIssues(parsed.error)}`);
  const input = parsed.data;
  let regex: RegExp;
  try {
    regex = new RegExp(input.pattern, input.case_insensitive ? 'iu' : 'u');
  } catch (unicodeError) {
    try {
      regex = new RegExp(input.pattern, input.case_insensitive ? 'i' : '');
    } catch {
      throw new ToolError(`Error: invalid regular expression: ${(unicodeError as Error).message}`);
    }
  }
  const { files } = await filesUnder(checkout, input.path, input.glob);
  const started = Date.now();
  const matches: string[] = [];
  let total = 0;
  let skippedLarge = 0;
  let timedOut = false;
  for (const file of files) {
    if (Date.now() - started > MAX_SEARCH_MS) {
      timedOut = true;
      break;
    }
    const text = await readSearchable(path.join(checkout.realRoot, file));
    if (text === 'large') {
      skippedLarge++;
      continue;
    }
    if (text === undefined) continue;
    const lines = text.split('\n');
    for (let index = 0; index < lines.length; index++) {
      const line = (lines[index] ?? '').replace(/\r$/, '');
      if (!regex.test(line.length > MAX_SEARCHED_LINE_CHARS ? line.slice(0, MAX_SEARCHED_LINE_CHARS) : line)) continue;
      total++;
      if (matches.length < MAX_MATCHES) {
        const shown = line.length > MAX_MATCH_LINE_CHARS ? `${line.slice(0, MAX_MATCH_LINE_CHARS)}…` : line;
        matches.push(`${file}:${index + 1}:${shown}`);
      }
    }
  }
  const notes: string[] = [];
  if (total > matches.length) notes.push(`${total - matches.length} more matches not shown (${total} in all); narrow with path, glob or a more specific pattern.`);
  if (skippedLarge > 0) notes.push(`${skippedLarge} file${skippedLarge === 1 ? '' : 's'} over 2 MB not searched.`);
  if (timedOut) notes.push('The search stopped after 20 s; narrow it with path or glob.');
  const footer = notes.length > 0 ? `\n[${notes.join(' ')}]` : '';
  if (matches.length === 0) return `No matches for /${input.pattern}/ in ${files.length} files.${footer}`;
  return `${matches.join('\n')}${footer}`;
}

async function filesUnder(checkout: Checkout, requested: string, glob: string | undefined) {
  const target = await checkout.resolve(requested);
  if (target.kind === undefined) throw new ToolError(`Error: ${target.display} does not exist.`);
  const folder = checkout.relative(target.real);
  const listed = target.kind === 'directory' ? await listFiles(checkout, folder) : [folder];
  const base = target.kind === 'directory' ? folder : path.posix.dirname(folder);
  return { folder, files: listed.filter(globFilter(glob, base)) };
}

/** The text of a file worth searching; undefined for binary files and links, 'large' when too big. */
async function readSearchable(real: string): Promise<string | 'large' | undefined> {
  let handle;
  try {
    // Never through a link: a tracked link to /etc/passwd must not be read.
    handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return undefined;
    if (stat.size > MAX_SEARCHED_FILE_BYTES) return 'large';
    const buffer = await handle.readFile();
    return looksBinary(buffer) ? undefined : buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}
