import { MAX_NAME_SEGMENTS } from '../../../common/repositoryNames';
import type { HostNameRules } from '../codeHost';

// GitLab's names: a project is its full path, `group/subgroup/project`, under groups nested up to
// 20 deep (or a user's namespace, `user/project`). Each segment is letters, digits, `_`, `-` and
// `.`, starts with a letter, digit or `_`, and ends neither in `-`, `.`, `.git` nor `.atom`.

const SEGMENT = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,253}[A-Za-z0-9_])?$/;

function segmentProblem(segment: string): string | undefined {
  if (/\.(?:git|atom)$/i.test(segment)) return `"${segment}" ends in .git or .atom`;
  if (!SEGMENT.test(segment))
    return `"${segment}" is not a GitLab path (letters, digits, _, - and ., starting with a letter, digit or _, ending with no - or .)`;
  return undefined;
}

export const GITLAB_NAMES: HostNameRules = {
  repository(name) {
    const parts = name.split('/');
    if (parts.length > MAX_NAME_SEGMENTS) return `"${name}" nests deeper than GitLab's 20 levels of subgroups`;
    for (const part of parts) {
      const problem = segmentProblem(part);
      if (problem) return `"${name}": ${problem}`;
    }
    return undefined;
  },
  owner(owner) {
    for (const part of owner.split('/')) {
      const problem = segmentProblem(part);
      if (problem) return `"${owner}": ${problem}`;
    }
    return undefined;
  },
  user(name) {
    return SEGMENT.test(name) && !/\.(?:git|atom)$/i.test(name) ? undefined : `"${name}" is not a GitLab username`;
  },
};
