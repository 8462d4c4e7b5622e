// What every part may assume of a repository's name, whatever the code host: a path of two or more
// segments, `owner/name` on GitHub, `group/subgroup/project` on GitLab (nested groups). Each host
// narrows it to its own rules (backend/hosts/<host>/names.ts); this is the shape that stays safe
// as path segments, S3 keys, URL parts and branch names. Browser-safe.

/** GitLab nests groups 20 deep below a top-level group: 21 namespaces and the project. */
export const MAX_NAME_SEGMENTS = 22;
/** The longest whole name; GitHub's longest (39 + 1 + 100) fits, and so does a deep GitLab path. */
export const MAX_REPOSITORY_NAME_CHARS = 255;

/** One namespace segment (an owner, a group or subgroup): it starts with a letter, digit or `_`. */
const NAMESPACE = '[A-Za-z0-9_][A-Za-z0-9._-]{0,99}';
/** The last segment (the repository or project): neither `.` nor `..`. */
const LAST = '(?!\\.{1,2}$)[A-Za-z0-9._-]{1,100}';

/**
 * A repository's name: 1 to 21 namespace segments and a last one, joined by `/`, at most 255
 * characters. Rejects `../x`, `a//b`, whitespace and control characters.
 */
export const REPOSITORY_NAME_PATTERN = new RegExp(
  `^(?=.{3,${MAX_REPOSITORY_NAME_CHARS}}$)(?:${NAMESPACE}/){1,${MAX_NAME_SEGMENTS - 1}}${LAST}$`,
);

/** An owner: an organisation or user, a group or a subgroup's path (`acme/platform`). */
export const OWNER_PATTERN = new RegExp(
  `^(?=.{1,${MAX_REPOSITORY_NAME_CHARS}}$)${NAMESPACE}(?:/${NAMESPACE}){0,${MAX_NAME_SEGMENTS - 2}}$`,
);

/** A person on the code host, as a reviewer: a GitHub login or a GitLab username. */
export const USER_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,254}$/;

export function isRepositoryName(value: string): boolean {
  return REPOSITORY_NAME_PATTERN.test(value);
}

/** `group/subgroup` of `group/subgroup/project`: everything before the last segment. */
export function namespaceOf(repositoryName: string): string {
  return repositoryName.slice(0, repositoryName.lastIndexOf('/'));
}

/** `project` of `group/subgroup/project`. */
export function lastSegmentOf(repositoryName: string): string {
  return repositoryName.slice(repositoryName.lastIndexOf('/') + 1);
}

/**
 * A repository's folder among a job's artifacts, always two levels: `owner/name` as it is, and
 * `group~subgroup/project` for a longer name. Nesting the longer one as it is would make
 * `group/x`'s `attempt-2/` folder and the project `group/x/attempt-2` one place; `~` never appears
 * in a name, so no two names share a folder.
 */
export function artifactFolderOf(repositoryName: string): string {
  const namespace = namespaceOf(repositoryName);
  return `${namespace.replaceAll('/', '~')}/${lastSegmentOf(repositoryName)}`;
}
