import type { HostNameRules } from '../codeHost';

// GitHub's names: a repository is exactly `owner/name`; an owner (organisation or user) and a
// login are 1–39 letters, digits or inner hyphens; a repository's name 1–100 letters, digits, `.`,
// `_` or `-`. Groups of groups are GitLab's, not GitHub's.

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const REPOSITORY = /^[A-Za-z0-9._-]{1,100}$/;

export const GITHUB_NAMES: HostNameRules = {
  repository(name) {
    const parts = name.split('/');
    if (parts.length !== 2)
      return `"${name}" is not a GitHub repository: GitHub names a repository owner/name, with no groups between`;
    if (!LOGIN.test(parts[0]!)) return `"${name}": "${parts[0]}" is not a GitHub organisation or user`;
    if (!REPOSITORY.test(parts[1]!)) return `"${name}": "${parts[1]}" is not a GitHub repository name`;
    return undefined;
  },
  owner(owner) {
    if (owner.includes('/'))
      return `"${owner}" is not a GitHub owner: GitHub owners are organisations and users, without groups below them`;
    return LOGIN.test(owner) ? undefined : `"${owner}" is not a GitHub organisation or user`;
  },
  user(name) {
    return LOGIN.test(name) ? undefined : `"${name}" is not a GitHub login`;
  },
};
