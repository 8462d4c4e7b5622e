import type { RepositoryQuery } from '../../../common/schemas';
import type {
  CodeHost,
  CodeHostConfig,
  MergeOptions,
  PullRequestHost,
  PullRequestOutcome,
  PullRequestRef,
  PullRequestRequest,
  PullRequestStatus,
  QueryResolution,
} from '../codeHost';
import { cloneUrlFrom } from '../gitBase';
import type { GitHubClient } from './client';
import { GITHUB_NAMES } from './names';
import { basic, GITHUB_GIT_USER, githubSecretEncodings } from './tokens';

// GitHub, or GitHub Enterprise through its API URL (`GITHUB_API_URL`). Git authenticates with the
// token as a Basic header for the user `x-access-token`, which GitHub accepts for every kind of
// token; commits are made as Cody Batch at a noreply address.

export const GITHUB_GIT_BASE = 'https://github.com/{owner}/{name}.git';
export const GITHUB_API_URL = 'https://api.github.com';

export class GitHubHost implements CodeHost, PullRequestHost {
  readonly kind = 'github';
  readonly label: string;
  readonly commitAuthor = { name: 'Cody Batch', email: 'cody-batch@users.noreply.github.com' };
  readonly names = GITHUB_NAMES;
  readonly supported = true;
  readonly pullRequests: PullRequestHost = this;
  private readonly gitBase: string;
  private readonly apiUrl: string;
  private readonly token?: string;
  private readonly maxRateLimitWaitSeconds?: number;
  private client?: Promise<GitHubClient>;

  constructor(config: CodeHostConfig) {
    this.gitBase = config.gitBase ?? GITHUB_GIT_BASE;
    this.apiUrl = config.apiUrl ?? GITHUB_API_URL;
    this.token = config.token;
    this.maxRateLimitWaitSeconds = config.maxRateLimitWaitSeconds;
    this.label = `GitHub (${this.apiUrl})`;
  }

  get hasCredentials(): boolean {
    return this.token !== undefined;
  }

  secretEncodings(secret: string): string[] {
    return githubSecretEncodings(secret);
  }

  cloneUrl(repositoryName: string): string {
    return cloneUrlFrom(this.gitBase, repositoryName);
  }

  async gitAuthHeader(_repositoryName: string): Promise<string | undefined> {
    return this.token ? `Authorization: Basic ${basic(GITHUB_GIT_USER, this.token)}` : undefined;
  }

  async resolveQuery(query: RepositoryQuery): Promise<QueryResolution> {
    const { resolveOnGitHub } = await import('./query');
    return resolveOnGitHub(await this.github(), query);
  }

  async ensurePullRequest(request: PullRequestRequest): Promise<PullRequestOutcome> {
    if (!this.token) throw new Error('Opening pull requests on GitHub needs a token, and there is no GITHUB_TOKEN');
    const { ensurePullRequest } = await import('./pullRequests');
    return ensurePullRequest(await this.github(), request);
  }

  async pullRequestStatuses(refs: readonly PullRequestRef[]): Promise<Map<string, PullRequestStatus>> {
    if (refs.length === 0) return new Map();
    const { pullRequestStatuses } = await import('./pullRequestStatus');
    return pullRequestStatuses(await this.github(), refs);
  }

  async mergePullRequest(ref: PullRequestRef, options: MergeOptions): Promise<void> {
    const { mergePullRequest } = await import('./pullRequestActions');
    await mergePullRequest(await this.github(), ref, options);
  }

  async closePullRequest(ref: PullRequestRef, options: { deleteBranch: boolean; branch?: string }): Promise<void> {
    const { closePullRequest } = await import('./pullRequestActions');
    await closePullRequest(await this.github(), ref, options);
  }

  async commentOnPullRequest(ref: PullRequestRef, body: string): Promise<void> {
    const { commentOnPullRequest } = await import('./pullRequestActions');
    await commentOnPullRequest(await this.github(), ref, body);
  }

  /** Octokit, loaded on first use: a worker that opens no pull request never pays for it. */
  private github(): Promise<GitHubClient> {
    this.client ??= import('./client').then(({ createGitHubClient }) =>
      createGitHubClient({
        token: this.token,
        baseUrl: this.apiUrl,
        maxRateLimitWaitSeconds: this.maxRateLimitWaitSeconds,
      }),
    );
    return this.client;
  }
}
