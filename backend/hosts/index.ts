import { ENV } from '../../common/names';
import type { CodeHost, CodeHostConfig } from './codeHost';
import { FolderHost } from './folder/folderHost';
import { isFileGitBase } from './gitBase';
import { GitHubHost } from './github/githubHost';

export type {
  AutoMergeOutcome,
  CodeHost,
  CodeHostConfig,
  CodeHostKind,
  CodeOwnersReview,
  CommitAuthor,
  MergeOptions,
  PullRequestComment,
  PullRequestOutcome,
  PullRequestRef,
  PullRequestStatus,
  PullRequestRequest,
  QueryResolution,
} from './codeHost';
export { HostRateLimited, HostRefusal, HostUnavailable, pullRequestKey } from './codeHost';
export { type AutoMergeResult, autoMergeOrMerge } from './autoMerge';

/** The code host the configuration names, as artifactStoreFrom chooses a store: a `file://` git base is the local folder host, anything else GitHub. */
export function codeHostFrom(config: CodeHostConfig): CodeHost {
  if (config.gitBase && isFileGitBase(config.gitBase)) return new FolderHost(config.gitBase);
  return new GitHubHost(config);
}

/** The code host of an environment: CODY_BATCH_GIT_BASE, GITHUB_API_URL and GITHUB_TOKEN. */
export function codeHostFromEnvironment(
  env: NodeJS.ProcessEnv,
  options: Pick<CodeHostConfig, 'maxRateLimitWaitSeconds'> = {},
): CodeHost {
  const value = (name: string) => env[name]?.trim() || undefined;
  return codeHostFrom({
    gitBase: value(ENV.gitBase),
    apiUrl: value(ENV.githubApiUrl),
    token: value(ENV.githubToken),
    ...options,
  });
}

/**
 * An API request waits out a rate limit this long at most; a longer one goes back to the client,
 * which shows the wait (API Gateway gives up on a request after 30 s).
 */
export const API_RATE_LIMIT_WAIT_SECONDS = 10;

/**
 * What every host's tokens look like and how their git credentials encode a secret, for redactors
 * that should hide any host's token, whichever host this process talks to.
 */
export function hostRedaction(): { tokenPatterns: RegExp[]; encodings: (secret: string) => string[] } {
  const hosts: CodeHost[] = [new GitHubHost({}), new FolderHost('file:///{owner}/{name}.git')];
  return {
    tokenPatterns: hosts.flatMap((host) => [...host.tokenPatterns]),
    encodings: (secret) => hosts.flatMap((host) => host.secretEncodings(secret)),
  };
}
