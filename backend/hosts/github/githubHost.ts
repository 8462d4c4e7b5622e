import type { CheckFailure, FeedbackItem, MergeMethod, RepositoryQuery } from '../../../common/schemas';
import type {
  AutoMergeOutcome,
  CodeHost,
  CodeHostConfig,
  CodeOwnersReview,
  MergeOptions,
  PullRequestHost,
  PullRequestComment,
  PullRequestOutcome,
  PullRequestRef,
  PullRequestRequest,
  PullRequestStatus,
  QueryResolution,
} from '../codeHost';
import { cloneUrlFrom } from '../gitBase';
import type { GitHubAppTokens } from './appTokens';
import type { GitHubClient, GitHubClients } from './client';
import { GITHUB_CODEOWNERS_PATHS, githubCodeOwners } from './codeOwners';
import { GITHUB_NAMES } from './names';
import { basic, GITHUB_GIT_USER, githubSecretEncodings } from './tokens';

// GitHub, or GitHub Enterprise through its API URL (`GITHUB_API_URL`), with one token (a person's
// or a machine user's) or as a GitHub App. Git authenticates with the token as a Basic header for
// the user `x-access-token`, which GitHub accepts for every kind of token; commits are made as
// Cody Batch at a noreply address. As an App, every call uses an installation token of the
// installation that covers the repository or owner at hand (./appTokens.ts), and what is done for
// one repository (a worker's clone, push and pull request) uses a token narrowed to that repository.

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
  private client?: Promise<GitHubClient>;
  readonly writesAtOnce: number;
  /** Octokit's pacing of changes; undefined: its own (GitHub.com's advice). */
  private readonly writePace?: { atOnce: number; intervalMs: number };
  private appTokens?: Promise<GitHubAppTokens>;
  private readonly appClients = new Map<string, GitHubClient>();
  private self?: Promise<string>;
  readonly codeOwnersPaths = GITHUB_CODEOWNERS_PATHS;

  constructor(private readonly config: CodeHostConfig) {
    this.gitBase = config.gitBase ?? GITHUB_GIT_BASE;
    this.apiUrl = config.apiUrl ?? GITHUB_API_URL;
    this.label = `GitHub (${this.apiUrl})`;
    // GitHub.com asks integrations to send changes one at a time, at least a second apart
    // ("best practices for using the REST API"), and Octokit's throttling spaces the changes that
    // notify people (a merge, a comment) three seconds apart: kept as they are there. GitHub
    // Enterprise Server leaves its rate limits to its administrators, off unless they turn them on:
    // there several go at once. Either way a secondary rate limit GitHub answers is waited out,
    // and the settings can say otherwise.
    const githubCom = new URL(this.apiUrl).hostname === new URL(GITHUB_API_URL).hostname;
    const configured = config.writesAtOnce !== undefined || config.writeIntervalMs !== undefined;
    this.writesAtOnce = config.writesAtOnce ?? (githubCom ? 1 : 4);
    this.writePace =
      githubCom && !configured ? undefined : { atOnce: this.writesAtOnce, intervalMs: config.writeIntervalMs ?? 0 };
  }

  get hasCredentials(): boolean {
    return this.config.token !== undefined || this.config.githubApp !== undefined;
  }

  secretEncodings(secret: string): string[] {
    return githubSecretEncodings(secret);
  }

  cloneUrl(repositoryName: string): string {
    return cloneUrlFrom(this.gitBase, repositoryName);
  }

  async gitAuthHeader(repositoryName: string): Promise<string | undefined> {
    const token = this.config.githubApp
      ? await (await this.tokens()).tokenFor(...ownerAndName(repositoryName))
      : this.config.token;
    return token ? `Authorization: Basic ${basic(GITHUB_GIT_USER, token)}` : undefined;
  }

  async defaultBranch(repositoryName: string): Promise<string> {
    const [owner, repo] = ownerAndName(repositoryName);
    // As an App, with the token narrowed to this repository: what its worker pushes with.
    const { data } = await (await this.forRepository(repositoryName)).rest.repos.get({ owner, repo });
    if (!data.default_branch) throw new Error(`GitHub named no default branch for ${repositoryName}`);
    return data.default_branch;
  }

  async resolveQuery(query: RepositoryQuery): Promise<QueryResolution> {
    const { resolveOnGitHub } = await import('./query');
    return resolveOnGitHub(this.clients(), query);
  }

  async ensurePullRequest(request: PullRequestRequest): Promise<PullRequestOutcome> {
    if (!this.hasCredentials)
      throw new Error('Opening pull requests on GitHub needs a token or an App, and there is neither');
    const { ensurePullRequest } = await import('./pullRequests');
    return ensurePullRequest(await this.forRepository(request.repositoryName), request);
  }

  async pullRequestStatuses(refs: readonly PullRequestRef[]): Promise<Map<string, PullRequestStatus>> {
    if (refs.length === 0) return new Map();
    const { pullRequestStatuses } = await import('./pullRequestStatus');
    if (!this.config.githubApp) return pullRequestStatuses(await this.github(), refs);
    // An installation token reads its own installation's repositories: one query batch per owner.
    const byOwner = new Map<string, PullRequestRef[]>();
    for (const ref of refs) {
      const owner = ownerAndName(ref.repositoryName)[0].toLowerCase();
      byOwner.set(owner, [...(byOwner.get(owner) ?? []), ref]);
    }
    const found = new Map<string, PullRequestStatus>();
    for (const [owner, owned] of byOwner) {
      for (const [key, status] of await pullRequestStatuses(await this.clients().forOwner(owner), owned))
        found.set(key, status);
    }
    return found;
  }

  async mergePullRequest(ref: PullRequestRef, options: MergeOptions): Promise<void> {
    const { mergePullRequest } = await import('./pullRequestActions');
    await mergePullRequest(await this.forOwnerOf(ref.repositoryName), ref, options);
  }

  async closePullRequest(ref: PullRequestRef, options: { deleteBranch: boolean; branch?: string }): Promise<void> {
    const { closePullRequest } = await import('./pullRequestActions');
    await closePullRequest(await this.forOwnerOf(ref.repositoryName), ref, options);
  }

  async commentOnPullRequest(ref: PullRequestRef, body: string): Promise<void> {
    const { commentOnPullRequest } = await import('./pullRequestActions');
    await commentOnPullRequest(await this.forOwnerOf(ref.repositoryName), ref, body);
  }

  /** The clients a query runs with: the token's, or per installation of the App. */
  private clients(): GitHubClients {
    if (!this.config.githubApp) {
      const one = () => this.github();
      return { forOwner: one, forSearch: async () => [await one()] };
    }
    return {
      forOwner: (owner) => this.appClient(owner),
      forSearch: async () => Promise.all((await (await this.tokens()).owners()).map((owner) => this.appClient(owner))),
    };
  }

  private forOwnerOf(repositoryName: string): Promise<GitHubClient> {
    return this.clients().forOwner(ownerAndName(repositoryName)[0]);
  }

  /** For one repository's pull request: as an App, a token narrowed to that repository. */
  private forRepository(repositoryName: string): Promise<GitHubClient> {
    if (!this.config.githubApp) return this.github();
    const [owner, name] = ownerAndName(repositoryName);
    return this.appClient(owner, name);
  }

  async failingChecks(ref: PullRequestRef, headSha: string): Promise<CheckFailure[]> {
    const { failingChecks } = await import('./checks');
    return failingChecks(await this.forOwnerOf(ref.repositoryName), ref, headSha);
  }

  async reviewFeedback(ref: PullRequestRef, since?: string): Promise<FeedbackItem[]> {
    const { ownLogin, reviewFeedback } = await import('./feedback');
    const github = await this.forOwnerOf(ref.repositoryName);
    // As an App, the identity is the App's wherever it is installed: the first owner's answer serves.
    this.self ??= ownLogin(github).catch((error: unknown) => {
      this.self = undefined;
      throw error;
    });
    return reviewFeedback(github, ref, await this.self, since);
  }

  async pullRequestComment(url: string): Promise<PullRequestComment> {
    const { pullRequestComment } = await import('./feedback');
    // As an App, the installation of the URL's owner reads it (an address that names none is refused there).
    const owner = /^https?:\/\/[^/]+\/([^/]+)\//.exec(url)?.[1];
    return pullRequestComment(
      this.config.githubApp && owner ? await this.clients().forOwner(owner) : await this.github(),
      url,
    );
  }

  async enableAutoMerge(
    ref: PullRequestRef,
    options: { method: MergeMethod; expectedHeadSha: string },
  ): Promise<AutoMergeOutcome> {
    const { enableAutoMerge } = await import('./autoMerge');
    return enableAutoMerge(await this.forOwnerOf(ref.repositoryName), ref, options);
  }

  codeOwners(repositoryName: string, text: string, files: readonly string[]): CodeOwnersReview {
    return githubCodeOwners(repositoryName, text, files);
  }

  /** Octokit, loaded on first use: a worker that opens no pull request never pays for it. */
  private github(): Promise<GitHubClient> {
    this.client ??= import('./client').then(({ createGitHubClient }) =>
      createGitHubClient({
        token: this.config.token,
        baseUrl: this.apiUrl,
        maxRateLimitWaitSeconds: this.config.maxRateLimitWaitSeconds,
        ...(this.writePace ? { writes: this.writePace } : {}),
      }),
    );
    return this.client;
  }

  /** An App's client for an owner's installation (and one repository): it asks the token cache before each request. */
  private async appClient(owner: string, repository?: string): Promise<GitHubClient> {
    const key = `${owner.toLowerCase()}/${repository?.toLowerCase() ?? '*'}`;
    const cached = this.appClients.get(key);
    if (cached) return cached;
    const tokens = await this.tokens();
    // Not installed on this owner: refused here, with the sentence that says so.
    await tokens.installationOf(owner);
    const { createGitHubClient } = await import('./client');
    const client = createGitHubClient({
      token: () => tokens.tokenFor(owner, repository),
      baseUrl: this.apiUrl,
      maxRateLimitWaitSeconds: this.config.maxRateLimitWaitSeconds,
      ...(this.writePace ? { writes: this.writePace } : {}),
    });
    this.appClients.set(key, client);
    return client;
  }

  private tokens(): Promise<GitHubAppTokens> {
    const app = this.config.githubApp;
    if (!app) throw new Error('This GitHub host has no App credentials');
    this.appTokens ??= import('./appTokens').then(
      ({ GitHubAppTokens }) => new GitHubAppTokens(app, this.apiUrl, { onToken: this.config.onSecret }),
    );
    return this.appTokens;
  }
}

function ownerAndName(repositoryName: string): [string, string] {
  return repositoryName.split('/') as [string, string];
}
