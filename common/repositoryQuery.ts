// Helpers for choosing repositories by query (`repositoryQuery` on POST /jobs and POST
// /repositories/resolve): the include/exclude expressions and the merge of a listed and a resolved
// list. Browser-safe, so the Create Job form can check an expression as the user types it.

/** The longest include/exclude expression accepted. */
export const MAX_NAME_FILTER_CHARS = 200;

/**
 * Why an include/exclude expression cannot be used, or undefined when it can. Expressions run on the
 * server against every candidate name, so besides being valid they must not be of the shape that
 * backtracks for ever (a repeated group that itself repeats, such as `(a+)+`), nor use
 * back-references.
 */
export function nameFilterProblem(source: string): string | undefined {
  if (source.length > MAX_NAME_FILTER_CHARS) return `must be at most ${MAX_NAME_FILTER_CHARS} characters`;
  try {
    new RegExp(source, 'i');
  } catch (error) {
    return `is not a valid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`;
  }
  if (/\\[1-9]|\\k</.test(source)) return 'must not use back-references (\\1, \\k<name>)';
  if (hasNestedQuantifier(source))
    return 'repeats a group that itself repeats (such as (a+)+), which can take for ever to match: write it without the nesting';
  return undefined;
}

/** True when a quantified group contains a quantifier: `(a+)+`, `(a|b*)*`, `(?:x{2,})+`. */
function hasNestedQuantifier(source: string): boolean {
  const groups: boolean[] = [];
  for (let i = 0; i < source.length; i++) {
    const char = source[i]!;
    if (char === '\\') {
      i++;
      continue;
    }
    if (char === '[') {
      // A character class: skip to its end; quantifiers inside it are literal.
      i++;
      if (source[i] === '^') i++;
      if (source[i] === ']') i++;
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
      continue;
    }
    if (char === '(') {
      groups.push(false);
      continue;
    }
    const isQuantifier = char === '*' || char === '+' || (char === '{' && /^\{\d+(,\d*)?\}/.test(source.slice(i)));
    if (char === ')') {
      const inner = groups.pop() ?? false;
      const next = source[i + 1];
      const repeated = next === '*' || next === '+' || (next === '{' && /^\{\d+(,\d*)?\}/.test(source.slice(i + 1)));
      if (inner && repeated) return true;
      if (groups.length) groups[groups.length - 1] ||= inner || repeated;
      continue;
    }
    if (isQuantifier && groups.length) groups[groups.length - 1] = true;
  }
  return false;
}

/** A test of `owner/name` against `include` and `exclude` (case-insensitive); both already checked. */
export function nameFilter(include?: string, exclude?: string): (name: string) => boolean {
  const included = include ? new RegExp(include, 'i') : undefined;
  const excluded = exclude ? new RegExp(exclude, 'i') : undefined;
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
