import { ENV } from '../../common/names';
import type { CodeHost, CodeHostConfig } from './codeHost';
import { codeHostConfigFrom } from './config';
import { FolderHost } from './folder/folderHost';
import { isFileGitBase } from './gitBase';
import { GitHubHost } from './github/githubHost';
import { GITHUB_TOKEN_PATTERNS, githubSecretEncodings } from './github/tokens';
import { GitLabHost } from './gitlab/gitlabHost';
import { GITLAB_TOKEN_PATTERNS, gitlabSecretEncodings } from './gitlab/tokens';

export { codeHostConfigFrom, codeHostKindFrom, githubAppFrom } from './config';
export type {
  AutoMergeOutcome,
  CodeHost,
  CodeHostConfig,
  CodeHostKind,
  CodeOwnersReview,
  CommitAuthor,
  GitHubAppCredentials,
  MergeOptions,
  PullRequestCodeHost,
  PullRequestHost,
  PullRequestComment,
  PullRequestOutcome,
  PullRequestRef,
  PullRequestStatus,
  PullRequestRequest,
  QueryResolution,
} from './codeHost';
export {
  HostRateLimited,
  HostRefusal,
  HostUnavailable,
  opensPullRequests,
  pullRequestKey,
  pullRequestsOf,
} from './codeHost';
export { type AutoMergeResult, autoMergeOrMerge } from './autoMerge';

/**
 * The code host the configuration names, as artifactStoreFrom chooses a store: `kind` when given;
 * else a `file://` git base is the local folder host, anything else GitHub.
 */
export function codeHostFrom(config: CodeHostConfig): CodeHost {
  const kind = config.kind ?? (config.gitBase && isFileGitBase(config.gitBase) ? 'folder' : 'github');
  if (kind === 'folder') {
    if (!config.gitBase || !isFileGitBase(config.gitBase))
      throw new Error(`${ENV.codeHost}=folder needs a file:// ${ENV.gitBase} (file:///folder/{owner}/{name}.git)`);
    return new FolderHost(config.gitBase);
  }
  if (kind === 'gitlab') return new GitLabHost(config);
  return new GitHubHost(config);
}

/**
 * The code host of an environment: CODY_BATCH_CODE_HOST and CODY_BATCH_GIT_BASE; for GitHub
 * GITHUB_API_URL and GITHUB_TOKEN (or GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY); for GitLab
 * GITLAB_URL and GITLAB_TOKEN.
 */
export function codeHostFromEnvironment(
  env: NodeJS.ProcessEnv,
  options: Pick<CodeHostConfig, 'maxRateLimitWaitSeconds' | 'onRateLimitWait' | 'onSecret'> = {},
): CodeHost {
  return codeHostFrom({ ...codeHostConfigFrom(env), ...options });
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
  return {
    tokenPatterns: [...GITHUB_TOKEN_PATTERNS, ...GITLAB_TOKEN_PATTERNS],
    encodings: (secret) => [...githubSecretEncodings(secret), ...gitlabSecretEncodings(secret)],
  };
}
