// GitHub's token shapes and how its git credentials carry a secret: static data, so redactors can
// hide any host's tokens without building a host (../index.ts, hostRedaction).

/**
 * Personal, OAuth, user-to-server, server-to-server (an App's installation tokens, `ghs_`) and
 * refresh tokens, fine-grained ones, and an App's private key should one ever be printed.
 */
export const GITHUB_TOKEN_PATTERNS: readonly RegExp[] = [
  /\b(?:gh[pousr]|github_pat)_[A-Za-z0-9_]{16,}/g,
  /-----BEGIN (?:RSA )?PRIVATE KEY-----[\s\S]*?-----END (?:RSA )?PRIVATE KEY-----/g,
];

/** The user git authenticates as with a token: GitHub accepts it for every kind of token. */
export const GITHUB_GIT_USER = 'x-access-token';

export function githubSecretEncodings(secret: string): string[] {
  return [basic(GITHUB_GIT_USER, secret)];
}

export function basic(user: string, secret: string): string {
  return Buffer.from(`${user}:${secret}`).toString('base64');
}
