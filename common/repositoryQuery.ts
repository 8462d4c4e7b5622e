import { RE2JS } from 're2js';

// Helpers for choosing repositories by query (`repositoryQuery` on POST /jobs and POST
// /repositories/resolve): the include/exclude expressions and the merge of a listed and a resolved
// list. Browser-safe (re2js is plain JavaScript), so the Create Job form checks an expression as
// the user types it with the engine the server runs it on.

/** The longest include/exclude expression accepted. */
export const MAX_NAME_FILTER_CHARS = 200;

/**
 * Why an include/exclude expression cannot be used, or undefined when it can. Expressions run on
 * the server against every candidate name, so they run on a linear-time engine (RE2's syntax and
 * semantics, through re2js): no expression can make a match backtrack, and what RE2 cannot do
 * in linear time (back-references, lookaround) is refused, saying so.
 */
export function nameFilterProblem(source: string): string | undefined {
  if (source.length > MAX_NAME_FILTER_CHARS) return `must be at most ${MAX_NAME_FILTER_CHARS} characters`;
  const unsupported = unsupportedSyntax(source);
  if (unsupported) return unsupported;
  try {
    compileNameFilter(source);
  } catch (error) {
    return `is not a valid regular expression: ${re2Message(error)}`;
  }
  return undefined;
}

const LINEAR = 'which the linear-time engine for names (RE2 syntax) cannot run: write it without';

/**
 * Back-references and lookaround, in words, or undefined. Looked for before the translation to
 * RE2, which would read JavaScript's `\k<x>` as a plain `k<x>`; escapes and character classes are
 * skipped, so `\\1` and `[(?=]` are not taken for them.
 */
function unsupportedSyntax(source: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const char = source[i]!;
    if (char === '\\') {
      const escaped = /^\\(?:[1-9]\d*|k<[^>]*>)/.exec(source.slice(i));
      if (escaped && !inClass) return `uses a back-reference (${escaped[0]}), ${LINEAR}`;
      i++;
    } else if (inClass) inClass = char !== ']';
    else if (char === '[') inClass = true;
    else if (char === '(') {
      const lookaround = /^\(\?<?[=!]/.exec(source.slice(i));
      if (lookaround)
        return `uses a ${lookaround[0].includes('<') ? 'lookbehind' : 'lookahead'} (${lookaround[0]}), ${LINEAR}`;
    }
  }
  return undefined;
}

function re2Message(error: unknown): string {
  return (error as Error).message.replace(/^error parsing regexp: /, '');
}

/** RE2 with JavaScript's spellings of the same things (`\u0041`, `(?<name>…)`, `\cA`) translated first. */
function compileNameFilter(source: string): RE2JS {
  return RE2JS.compile(RE2JS.translateRegExp(source), RE2JS.CASE_INSENSITIVE);
}

/** A test of `owner/name` against `include` and `exclude` (case-insensitive, anywhere in the name); both already checked. */
export function nameFilter(include?: string, exclude?: string): (name: string) => boolean {
  const included = include ? compileNameFilter(include) : undefined;
  const excluded = exclude ? compileNameFilter(exclude) : undefined;
  return (name) => (!included || included.test(name)) && !(excluded?.test(name) ?? false);
}

/** `listed` then the names of `resolved` not already in it, compared case-insensitively. Order kept. */
export function mergeRepositoryLists(listed: readonly string[], resolved: readonly string[]): string[] {
  const seen = new Set<string>();
  const merged: string[] = [];
  for (const name of [...listed, ...resolved]) {
    const key = name.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    merged.push(name);
  }
  return merged;
}
