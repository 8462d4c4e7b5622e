// GitLab's token shapes and how its git credentials carry a secret: static data, so redactors can
// hide any host's tokens without building a host (../index.ts, hostRedaction).

/**
 * GitLab's prefixed tokens: personal, group and project access tokens (`glpat-`, 20 characters
 * after it in the older form, longer in the newer routable form with its `.01.`-style suffix),
 * OAuth application secrets and access tokens, deploy, runner, CI/CD job, trigger, feed, incoming
 * mail, agent, SCIM, feature-flag and workspace tokens; and runner registration tokens (`GR1348941`).
 */
export const GITLAB_TOKEN_PATTERNS: readonly RegExp[] = [
  /\bgl(?:pat|oas|oat|dt|rt|rtr|cbt|ptt|ft|imt|agent|soat|ffct|wt)-[A-Za-z0-9_-]{20,}(?:\.[A-Za-z0-9_-]+)*/g,
  /\bGR1348941[A-Za-z0-9_-]{20,}/g,
];

/** The user git authenticates as with a token over HTTPS: GitLab takes any token as `oauth2`'s password. */
export const GITLAB_GIT_USER = 'oauth2';

export function gitlabSecretEncodings(secret: string): string[] {
  return [Buffer.from(`${GITLAB_GIT_USER}:${secret}`).toString('base64')];
}
