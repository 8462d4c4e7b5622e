import type { CheckFailure, FeedbackItem, MergeMethod, RepositoryQuery } from '../../../common/schemas';
import type {
  AutoMergeOutcome,
  CodeHost,
  CodeHostConfig,
  CodeOwnersReview,
  MergeOptions,
  PullRequestComment,
  PullRequestOutcome,
  PullRequestRef,
  PullRequestRequest,
  PullRequestStatus,
  QueryResolution,
} from '../codeHost';
import { cloneUrlFrom } from '../gitBase';
import type { GitHubClient } from './client';
import { GITHUB_CODEOWNERS_PATHS, githubCodeOwners } from './codeOwners';

// GitHub, or GitHub Enterprise through its API URL (`GITHUB_API_URL`). Git authenticates with the
// token as a Basic header for the user `x-access-token`, which GitHub accepts for every kind of
// token; commits are made as Cody Batch at a noreply address.

export const GITHUB_GIT_BASE = 'https://github.com/{owner}/{name}.git';
export const GITHUB_API_URL = 'https://api.github.com';

/** Personal, OAuth, user-to-server, server-to-server and refresh tokens, and fine-grained ones. */
const GITHUB_TOKEN_PATTERNS: readonly RegExp[] = [/\b(?:gh[pousr]|github_pat)_[A-Za-z0-9_]{16,}/g];

const GIT_USER = 'x-access-token';

export class GitHubHost implements CodeHost {
  readonly kind = 'github';
  readonly label: string;
  readonly commitAuthor = { name: 'Cody Batch', email: 'cody-batch@users.noreply.github.com' };
  readonly tokenPatterns = GITHUB_TOKEN_PATTERNS;
  private readonly gitBase: string;
  private readonly apiUrl: string;
  private readonly token?: string;
  private readonly maxRateLimitWaitSeconds?: number;
  private client?: Promise<GitHubClient>;
  private self?: Promise<string>;
  readonly codeOwnersPaths = GITHUB_CODEOWNERS_PATHS;

  constructor(config: CodeHostConfig) {
    this.gitBase = config.gitBase ?? GITHUB_GIT_BASE;
    this.apiUrl = config.apiUrl ?? GITHUB_API_URL;
    this.token = config.token;
    this.maxRateLimitWaitSeconds = config.maxRateLimitWaitSeconds;
    this.label = `GitHub (${this.apiUrl})`;
  }

  secretEncodings(secret: string): string[] {
    return [basic(GIT_USER, secret)];
  }

  cloneUrl(repositoryName: string): string {
    return cloneUrlFrom(this.gitBase, repositoryName);
  }

  gitAuthHeader(): string | undefined {
    return this.token ? `Authorization: Basic ${basic(GIT_USER, this.token)}` : undefined;
  }

  async defaultBranch(repositoryName: string): Promise<string> {
    const [owner, repo] = repositoryName.split('/') as [string, string];
    const { data } = await (await this.github()).rest.repos.get({ owner, repo });
    if (!data.default_branch) throw new Error(`GitHub named no default branch for ${repositoryName}`);
    return data.default_branch;
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

  async failingChecks(ref: PullRequestRef, headSha: string): Promise<CheckFailure[]> {
    const { failingChecks } = await import('./checks');
    return failingChecks(await this.github(), ref, headSha);
  }

  async reviewFeedback(ref: PullRequestRef, since?: string): Promise<FeedbackItem[]> {
    const { ownLogin, reviewFeedback } = await import('./feedback');
    const github = await this.github();
    this.self ??= ownLogin(github).catch((error: unknown) => {
      this.self = undefined;
      throw error;
    });
    return reviewFeedback(github, ref, await this.self, since);
  }

  async pullRequestComment(url: string): Promise<PullRequestComment> {
    const { pullRequestComment } = await import('./feedback');
    return pullRequestComment(await this.github(), url);
  }

  async enableAutoMerge(
    ref: PullRequestRef,
    options: { method: MergeMethod; expectedHeadSha: string },
  ): Promise<AutoMergeOutcome> {
    const { enableAutoMerge } = await import('./autoMerge');
    return enableAutoMerge(await this.github(), ref, options);
  }

  codeOwners(repositoryName: string, text: string, files: readonly string[]): CodeOwnersReview {
    return githubCodeOwners(repositoryName, text, files);
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

function basic(user: string, secret: string): string {
  return Buffer.from(`${user}:${secret}`).toString('base64');
}
