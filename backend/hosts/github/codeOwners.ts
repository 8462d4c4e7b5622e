import type { CodeOwnersReview } from '../codeHost';

// GitHub's CODEOWNERS rules (docs.github.com, "About code owners"): the file is read from
// `.github/`, the root or `docs/`, first found first; each line is a gitignore-style pattern and
// its owners (`@user`, `@org/team`, or an email); for each file the LAST matching line wins, and a
// line without owners leaves its files without any. Unlike .gitignore there is no `!` negation and
// no `[ ]` ranges, and `docs/*` owns the files directly in docs/, not those further down.

export const GITHUB_CODEOWNERS_PATHS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'] as const;

interface Rule {
  matches(path: string): boolean;
  owners: string[];
}

/** The owners of `files` as GitHub reads `text`, for a repository of `owner`. */
export function githubCodeOwners(repositoryName: string, text: string, files: readonly string[]): CodeOwnersReview {
  const rules = parse(text);
  const org = repositoryName.split('/')[0]!.toLowerCase();
  const users = new Set<string>();
  const teams = new Set<string>();
  const notes = new Set<string>();
  for (const file of files) {
    const rule = rules.findLast((candidate) => candidate.matches(file));
    for (const owner of rule?.owners ?? []) {
      const team = /^@([^/\s]+)\/([^/\s]+)$/.exec(owner);
      if (team) {
        if (team[1]!.toLowerCase() === org) teams.add(team[2]!);
        else notes.add(`${owner} owns ${file}, but a team of another organisation cannot be asked to review`);
      } else if (owner.startsWith('@')) {
        users.add(owner.slice(1));
      } else {
        notes.add(`${owner} owns ${file}, but GitHub asks for reviews by login, not by email`);
      }
    }
  }
  return { reviewers: [...users], teamReviewers: [...teams], notes: [...notes] };
}

function parse(text: string): Rule[] {
  const rules: Rule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    // A `#` starts a comment unless escaped; `\#` is a literal one.
    const line = raw.replace(/(^|[^\\])#.*$/, '$1').trim();
    if (!line) continue;
    const [pattern, ...owners] = line.split(/\s+/) as [string, ...string[]];
    const matches = matcher(pattern.replace(/\\#/g, '#'));
    if (matches)
      rules.push({ matches, owners: owners.filter((owner) => /^(@[\w.-]+(\/[\w.-]+)?|[^@\s]+@[^@\s]+)$/.test(owner)) });
  }
  return rules;
}

/** A gitignore-style pattern as GitHub applies it to a file path; undefined for one GitHub ignores (`!x`, `[ab]`). */
export function matcher(pattern: string): ((path: string) => boolean) | undefined {
  if (pattern.startsWith('!') || /[[\]]/.test(pattern)) return undefined;
  const directoryOnly = pattern.endsWith('/');
  let body = pattern.replace(/\/+$/, '');
  // A slash at the start or inside anchors the pattern at the root; otherwise it matches at any depth.
  const anchored = body.startsWith('/') || body.includes('/');
  body = body.replace(/^\/+/, '');
  if (!body) return () => true;
  // `docs/*` owns the files directly in docs/ only.
  const directChildrenOnly = body.endsWith('/*');
  let source = '';
  for (let i = 0; i < body.length; i++) {
    const char = body[i]!;
    if (char === '*' && body[i + 1] === '*') {
      const slashAfter = body[i + 2] === '/';
      source += slashAfter ? '(?:.*/)?' : '.*';
      i += slashAfter ? 2 : 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  const prefix = anchored ? '^' : '^(?:.*/)?';
  // A pattern that names a folder owns everything under it; a file pattern also matches a folder of that name.
  const suffix = directoryOnly ? '/.+$' : directChildrenOnly ? '$' : '(?:/.+)?$';
  const regex = new RegExp(prefix + source + suffix);
  return (path) => regex.test(path);
}
