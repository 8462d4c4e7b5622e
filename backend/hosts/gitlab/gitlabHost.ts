import type { CheckFailure, FeedbackItem, MergeMethod, RepositoryQuery } from '../../../common/schemas';
import type {
  AutoMergeOutcome,
  CodeHost,
  CodeHostConfig,
  CodeOwnersReview,
  MergeOptions,
  PullRequestComment,
  PullRequestHost,
  PullRequestOutcome,
  PullRequestRef,
  PullRequestRequest,
  PullRequestStatus,
  QueryResolution,
} from '../codeHost';
import { cloneUrlFrom } from '../gitBase';
import type { GitLabClient } from './client';
import { GITLAB_NAMES } from './names';
import { GITLAB_GIT_USER, gitlabSecretEncodings } from './tokens';

// GitLab (GitLab.com or a self-managed instance through GITLAB_URL), on its REST API v4. A
// repository is a project, named by its full path (`group/subgroup/project`); a pull request is a
// merge request, numbered by its `iid`. Git authenticates with the token as a Basic header for the
// user `oauth2`, which GitLab accepts for personal, group and project access tokens.

export const GITLAB_URL = 'https://gitlab.com';

export class GitLabHost implements CodeHost, PullRequestHost {
  readonly kind = 'gitlab';
  readonly label: string;
  readonly commitAuthor: { name: string; email: string };
  readonly names = GITLAB_NAMES;
  readonly supported = true;
  readonly pullRequests: PullRequestHost = this;
  private readonly gitBase: string;
  private readonly baseUrl: string;
  private readonly token?: string;
  private client?: Promise<GitLabClient>;
  private self?: Promise<string>;

  constructor(private readonly config: CodeHostConfig) {
    this.baseUrl = (config.apiUrl ?? GITLAB_URL).replace(/\/+$/, '');
    this.gitBase = config.gitBase ?? `${this.baseUrl}/{path}.git`;
    this.token = config.token;
    this.label = `GitLab (${this.baseUrl})`;
    this.commitAuthor = { name: 'Cody Batch', email: `cody-batch@noreply.${new URL(this.baseUrl).hostname}` };
  }

  get hasCredentials(): boolean {
    return this.token !== undefined;
  }

  secretEncodings(secret: string): string[] {
    return gitlabSecretEncodings(secret);
  }

  cloneUrl(repositoryName: string): string {
    return cloneUrlFrom(this.gitBase, repositoryName);
  }

  async gitAuthHeader(_repositoryName: string): Promise<string | undefined> {
    if (!this.token) return undefined;
    return `Authorization: Basic ${Buffer.from(`${GITLAB_GIT_USER}:${this.token}`).toString('base64')}`;
  }

  /** The project's default branch, as GitLab says it now (for a publish that must never push to it). */
  async defaultBranch(repositoryName: string): Promise<string> {
    const { projectPath } = await import('./client');
    const project = await (await this.gitlab()).get<{ default_branch?: string | null }>(projectPath(repositoryName));
    if (!project.default_branch) throw new Error(`GitLab names no default branch for ${repositoryName}`);
    return project.default_branch;
  }

  async resolveQuery(query: RepositoryQuery): Promise<QueryResolution> {
    const { resolveOnGitLab } = await import('./query');
    return resolveOnGitLab(await this.gitlab(), query);
  }

  async ensurePullRequest(request: PullRequestRequest): Promise<PullRequestOutcome> {
    if (!this.token) throw new Error('Opening merge requests on GitLab needs a token, and there is no GITLAB_TOKEN');
    const { ensureMergeRequest } = await import('./mergeRequests');
    return ensureMergeRequest(await this.gitlab(), request);
  }

  async pullRequestStatuses(refs: readonly PullRequestRef[]): Promise<Map<string, PullRequestStatus>> {
    if (refs.length === 0) return new Map();
    const { mergeRequestStatuses } = await import('./mergeRequestStatus');
    return mergeRequestStatuses(await this.gitlab(), refs, () => this.ownUsername());
  }

  async mergePullRequest(ref: PullRequestRef, options: MergeOptions): Promise<void> {
    const { mergeMergeRequest } = await import('./mergeRequestActions');
    await mergeMergeRequest(await this.gitlab(), ref, options);
  }

  async closePullRequest(ref: PullRequestRef, options: { deleteBranch: boolean; branch?: string }): Promise<void> {
    const { closeMergeRequest } = await import('./mergeRequestActions');
    await closeMergeRequest(await this.gitlab(), ref, options);
  }

  async commentOnPullRequest(ref: PullRequestRef, body: string): Promise<void> {
    const { commentOnMergeRequest } = await import('./mergeRequestActions');
    await commentOnMergeRequest(await this.gitlab(), ref, body);
  }

  async enableAutoMerge(
    ref: PullRequestRef,
    options: { method: MergeMethod; expectedHeadSha: string },
  ): Promise<AutoMergeOutcome> {
    const { enableMergeWhenPipelineSucceeds } = await import('./mergeRequestActions');
    return enableMergeWhenPipelineSucceeds(await this.gitlab(), ref, options);
  }

  async failingChecks(ref: PullRequestRef, headSha: string): Promise<CheckFailure[]> {
    const { failingChecks } = await import('./checks');
    return failingChecks(await this.gitlab(), ref, headSha);
  }

  async reviewFeedback(ref: PullRequestRef, since?: string): Promise<FeedbackItem[]> {
    const { reviewFeedback } = await import('./feedback');
    return reviewFeedback(await this.gitlab(), ref, await this.ownUsername(), since);
  }

  async pullRequestComment(url: string): Promise<PullRequestComment> {
    const { pullRequestComment } = await import('./feedback');
    return pullRequestComment(await this.gitlab(), this.baseUrl, url);
  }

  /** GitLab applies its own Code Owners approval rules to every merge request: no reviewer is requested for them. */
  readonly codeOwnersPaths: readonly string[] = [];

  codeOwners(): CodeOwnersReview {
    return {
      reviewers: [],
      teamReviewers: [],
      notes: [
        "GitLab asks its Code Owners' approvals by its own rules (Code Owners approval rules): @codeowners requests no one here",
      ],
    };
  }

  /** Cody Batch's own username (the token's user), asked once: its notes are never feedback. */
  private ownUsername(): Promise<string> {
    this.self ??= Promise.all([import('./feedback'), this.gitlab()])
      .then(([{ ownUsername }, gitlab]) => ownUsername(gitlab))
      .catch((error: unknown) => {
        this.self = undefined;
        throw error;
      });
    return this.self;
  }

  /** The REST client, loaded on first use: a worker that opens no merge request never loads it. */
  private gitlab(): Promise<GitLabClient> {
    this.client ??= import('./client').then(
      ({ GitLabClient }) =>
        new GitLabClient({
          baseUrl: this.baseUrl,
          token: this.token,
          maxRateLimitWaitSeconds: this.config.maxRateLimitWaitSeconds,
          onRateLimitWait: this.config.onRateLimitWait,
        }),
    );
    return this.client;
  }
}
