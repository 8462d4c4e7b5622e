import assert from 'node:assert/strict';
import type { CodeHostConfig } from '../../backend/hosts';
import { appKeyPair } from '../fakes/githubApp';
import type { FakeGitHub, FakeGitHubOptions } from '../fakes/githubServer';
import { type GitHttpServer, startGitHttpServer } from '../fakes/gitHttpServer';

// The two ways the stack meets GitHub, for tests that run once with each: a personal token
// (GITHUB_TOKEN), or a GitHub App (GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY) installed on `acme`,
// whose installation tokens the loopback GitHub issues and checks. With the App, the loopback
// GitHub still knows the personal token: a request that carried it would be accepted, and is caught.

export type CredentialKind = 'token' | 'app';
export const CREDENTIAL_KINDS: readonly CredentialKind[] = ['token', 'app'];

export const APP_ID = '90210';

export interface GitHubCredentials {
  kind: CredentialKind;
  /** For test titles. */
  label: string;
  /** The loopback GitHub's options: the personal token, and the App with `acme`'s installation. */
  fake(options: Omit<FakeGitHubOptions, 'token' | 'app'>): FakeGitHubOptions;
  /** Git over smart HTTP that takes what the loopback GitHub takes. */
  gitServer(root: string, github: FakeGitHub): Promise<GitHttpServer>;
  /** The stack's variables for GitHub's credentials. */
  stackEnv: NodeJS.ProcessEnv;
  /** The credential the stack holds (the personal token, or the App's private key). */
  given: string;
  /** The same for a code host built in the test's process (codeHostFrom). */
  hostConfig: Pick<CodeHostConfig, 'token' | 'githubApp'>;
  /** Every secret that must never be written anywhere (the key, each token issued, their git encodings). */
  secrets(github: FakeGitHub): string[];
  /** Every request to GitHub and to git was authenticated as this kind says, and none with the personal token under the App. */
  assertAuthenticated(github: FakeGitHub, gitServer?: GitHttpServer): void;
}

export function githubCredentials(kind: CredentialKind, personalToken: string): GitHubCredentials {
  const keys = kind === 'app' ? appKeyPair() : undefined;
  const basic = (secret: string) => Buffer.from(`x-access-token:${secret}`).toString('base64');
  return {
    kind,
    label: keys ? 'as a GitHub App' : 'with a token',
    fake: (options) => ({
      ...options,
      token: personalToken,
      ...(keys ? { app: { id: APP_ID, publicKey: keys.publicKey, installations: [{ id: 7, account: 'acme' }] } } : {}),
    }),
    gitServer: (root, github) =>
      startGitHttpServer({ root, token: personalToken, allows: keys ? github.allowsGit : undefined }),
    stackEnv: keys
      ? { GITHUB_APP_ID: APP_ID, GITHUB_APP_PRIVATE_KEY: keys.privateKey }
      : { GITHUB_TOKEN: personalToken },
    given: keys ? keys.privateKey : personalToken,
    hostConfig: keys ? { githubApp: { appId: APP_ID, privateKey: keys.privateKey } } : { token: personalToken },
    secrets: (github) =>
      keys
        ? [keys.privateKey, ...(github.app?.issued ?? []).flatMap(({ token }) => [token, basic(token)])]
        : [personalToken, basic(personalToken)],
    assertAuthenticated(github, gitServer) {
      if (gitServer)
        assert.ok(gitServer.requests.length > 0 && gitServer.requests.every((request) => request.authorized));
      if (!keys) {
        assert.ok(github.requests.every((request) => request.authorization === `token ${personalToken}`));
        return;
      }
      for (const request of github.requests) {
        assert.notEqual(request.authorization, `token ${personalToken}`, `${request.path} carried the personal token`);
        const token = /^token (ghs_\w+)$/.exec(request.authorization ?? '')?.[1];
        if (token) assert.ok(github.app!.find(token), `${request.path}: an installation token`);
        else assert.match(request.authorization ?? '', /^bearer [\w-]+\.[\w-]+\.[\w-]+$/, `${request.path}: the JWT`);
      }
      assert.ok(gitServer?.requests.every((request) => request.token !== personalToken) ?? true);
    },
  };
}
