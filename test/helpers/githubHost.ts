import {
  type CodeHost,
  type CodeHostConfig,
  codeHostFrom,
  type PullRequestHost,
  pullRequestsOf,
} from '../../backend/hosts';
import { type FakeGitHub, type FakeGitHubOptions, startFakeGitHub } from '../fakes/githubServer';

// The loopback GitHub and our GitHub code host on it, through the real Octokit, for the tests of
// backend/hosts/github: one set-up, started and closed by mocha's hooks.

/** The clone addresses the GitHub host's tests use (never cloned: only named). */
export const GITHUB_TEST_GIT_BASE = 'https://github.example.com/{owner}/{name}.git';

export interface GitHubHostHook {
  readonly github: FakeGitHub;
  readonly host: CodeHost;
  /** The host's pull-request side (`pullRequestsOf(host)`). */
  readonly pulls: PullRequestHost;
}

export interface GitHubHostHookOptions extends Partial<CodeHostConfig> {
  /** A fresh loopback GitHub for every test (its pulls start empty), rather than one for the describe. */
  each?: boolean;
}

/**
 * Mocha hooks for the calling `describe`: the loopback GitHub with `options`, and a code host on it
 * with the same token (and `host`'s settings), started before the tests and closed after them.
 */
export function useGitHubHost(
  options: FakeGitHubOptions,
  { each = false, ...host }: GitHubHostHookOptions = {},
): GitHubHostHook {
  let started: { github: FakeGitHub; host: CodeHost } | undefined;
  (each ? beforeEach : before)(async () => {
    const github = await startFakeGitHub(options);
    started = {
      github,
      host: codeHostFrom({ gitBase: GITHUB_TEST_GIT_BASE, apiUrl: github.url, token: options.token, ...host }),
    };
  });
  (each ? afterEach : after)(async () => {
    await started?.github.close();
    started = undefined;
  });
  const part = () => {
    if (!started) throw new Error('The loopback GitHub starts in a before hook: use it inside a test or a later hook.');
    return started;
  };
  return {
    get github() {
      return part().github;
    },
    get host() {
      return part().host;
    },
    get pulls() {
      return pullRequestsOf(part().host);
    },
  };
}
