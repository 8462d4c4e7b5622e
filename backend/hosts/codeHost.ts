import type {
  AutoMerge,
  CheckFailure,
  FeedbackItem,
  MergeMethod,
  PullRequestInfo,
  RepositoryQuery,
} from '../../common/schemas';

// Everything a code host does for Cody Batch, behind one interface: where a repository is cloned
// from and with which credentials, which repositories a query names, and the pull request. GitHub
// (./github/) and the local folder host (./folder/) implement it; nothing outside this folder may
// assume which one it has. `codeHostFrom` (./index.ts) chooses one from the configuration.

export type CodeHostKind = 'github' | 'folder';

/** What a code host is built from: the worker's and the API's environment, read once. */
export interface CodeHostConfig {
  /** `CODY_BATCH_GIT_BASE`: a clone URL template with `{owner}` and `{name}`; the host's default when absent. */
  gitBase?: string;
  /** The host's API (`GITHUB_API_URL`), for GitHub Enterprise; the host's default when absent. */
  apiUrl?: string;
  /** The server's token (`GITHUB_TOKEN`): clone, push, pull requests, queries. A secret. */
  token?: string;
  /**
   * The longest secondary rate limit waited out inside one call (default 60 s). Longer ones fail
   * with HostRateLimited, so an API request bounded by its gateway's timeout can hand the wait to
   * its client, which shows it.
   */
  maxRateLimitWaitSeconds?: number;
}

/** The repositories a query named, and what the caller should know about how (left-out forks, pages read). */
export interface QueryResolution {
  repositories: string[];
  notes: string[];
}

export interface PullRequestRequest {
  repositoryName: string;
  /** The pushed branch. */
  head: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
  labels: string[];
  reviewers: string[];
  teamReviewers: string[];
  /** The URL this row recorded on an earlier attempt, if any. */
  existingUrl?: string;
}

export interface PullRequestOutcome {
  url: string;
  /** The host's number of it; absent only when it could not be looked up (closed since). */
  number?: number;
  draft?: boolean;
  created: boolean;
  /** What the host refused without the pull request failing: a reviewer who is not a collaborator. */
  warnings: string[];
}

/** Who commits the change. */
export interface CommitAuthor {
  name: string;
  email: string;
}

/**
 * A request the host cannot serve as asked: a query it cannot run, one that matches too much or
 * nothing, an owner it does not have. The message says what to change; the API answers it as a 400.
 */
export class HostRefusal extends Error {
  override name = 'HostRefusal';
}

/** The host asks us to slow down for this long (a secondary rate limit longer than we wait inside a request). */
export class HostRateLimited extends Error {
  override name = 'HostRateLimited';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** A pull request the host has: its repository and number. */
export interface PullRequestRef {
  repositoryName: string;
  number: number;
}

/** A pull request as the host tells it now, with the head commit a merge must still be at. */
export interface PullRequestStatus extends PullRequestInfo {
  headSha: string;
  /** Its head branch (what a follow-up round pushes to) and base branch. */
  headRef: string;
  baseRef: string;
}

/** A comment on a pull request, found by its URL (what `--from-comment` promotes to an instruction). */
export interface PullRequestComment {
  ref: PullRequestRef;
  author: string;
  body: string;
  url: string;
}

/** What enabling auto-merge did: it is on, or the host had nothing left to wait for (merge it now instead). */
export type AutoMergeOutcome = { enabled: AutoMerge } | { nothingToWaitFor: string };

/** The reviewers a repository's code owners name for some files, as the host's own rules read them. */
export interface CodeOwnersReview {
  reviewers: string[];
  teamReviewers: string[];
  /** What could not be requested (an email owner, a team of another organisation), as sentences. */
  notes: string[];
}

/** At most this many failing checks go into one round's trigger; at most this much of each log. */
export const MAX_TRIGGER_CHECKS = 10;
export const LOG_TAIL_LINES = 200;
export const LOG_TAIL_CHARS = 20_000;
/** At most this many comments, of at most this many characters each. */
export const MAX_TRIGGER_FEEDBACK = 100;
export const MAX_FEEDBACK_CHARS = 5_000;

export interface MergeOptions {
  method: MergeMethod;
  /** GitHub refuses the merge when the head has moved past this: what was checked is what merges. */
  expectedHeadSha: string;
  deleteBranch: boolean;
}

/** `owner/name#number`: how pull-request statuses are keyed. */
export function pullRequestKey(ref: PullRequestRef): string {
  return `${ref.repositoryName.toLowerCase()}#${ref.number}`;
}

/** The host could not be reached, or refused the server's own credentials: nothing the caller can fix. */
export class HostUnavailable extends Error {
  override name = 'HostUnavailable';
}

export interface CodeHost {
  readonly kind: CodeHostKind;
  /** The host in a message: "GitHub (https://api.github.com)", "the local folder host (/srv/git)". */
  readonly label: string;
  readonly commitAuthor: CommitAuthor;
  /** Shapes of the host's tokens, hidden wherever they show up (logs, threads, errors). */
  readonly tokenPatterns: readonly RegExp[];
  /** The forms a secret takes in this host's git credentials (a Basic header's base64), hidden like it. */
  secretEncodings(secret: string): string[];
  /** Why this host cannot open pull requests (and what to do instead), or undefined when it can. */
  readonly pullRequestsRefusal?: string;
  /** Where git clones and pushes the repository. */
  cloneUrl(repositoryName: string): string;
  /** The `Authorization: …` header git sends to the clone URL, or undefined when none is needed or there is no token. */
  gitAuthHeader(): string | undefined;
  /**
   * The repository's default branch, as the host says it now: a publish never pushes to it,
   * whatever a branch template renders. Throws when the host cannot say (then nothing is pushed).
   */
  defaultBranch(repositoryName: string): Promise<string>;
  /** The repositories the query names, each once, in a stable order; HostRefusal when it cannot or should not. */
  resolveQuery(query: RepositoryQuery): Promise<QueryResolution>;
  /** Opens the pull request for `head`, or updates the open one; never two. */
  ensurePullRequest(request: PullRequestRequest): Promise<PullRequestOutcome>;
  /**
   * The pull requests' states, checks and reviews, keyed by `pullRequestKey`, in as few requests as
   * the host allows (GitHub: GraphQL, 100 a request). One the host no longer has is left out.
   */
  pullRequestStatuses(refs: readonly PullRequestRef[]): Promise<Map<string, PullRequestStatus>>;
  /** Merges, never forcing: HostRefusal with the host's reason when it will not. */
  mergePullRequest(ref: PullRequestRef, options: MergeOptions): Promise<void>;
  closePullRequest(ref: PullRequestRef, options: { deleteBranch: boolean; branch?: string }): Promise<void>;
  commentOnPullRequest(ref: PullRequestRef, body: string): Promise<void>;
  /**
   * The failing checks of `headSha`: each with its conclusion, output, annotations and the tail of
   * its log (LOG_TAIL_LINES lines or LOG_TAIL_CHARS characters), and failing commit statuses with
   * their descriptions. Untrusted text, as the host gives it.
   */
  failingChecks(ref: PullRequestRef, headSha: string): Promise<CheckFailure[]>;
  /**
   * Review comments (file, line, diff hunk), reviews with a body or a verdict, and conversation
   * comments, written after `since` when given, oldest first; never those of Cody Batch's own
   * identity (the token's user or app). Untrusted text.
   */
  reviewFeedback(ref: PullRequestRef, since?: string): Promise<FeedbackItem[]>;
  /** A comment on a pull request by its URL; HostRefusal when it is not one. */
  pullRequestComment(url: string): Promise<PullRequestComment>;
  /**
   * Turns on the host's auto-merge, never forcing: the head must still be `expectedHeadSha`.
   * `nothingToWaitFor` when the host refuses because it could merge now; HostRefusal otherwise.
   */
  enableAutoMerge(
    ref: PullRequestRef,
    options: { method: MergeMethod; expectedHeadSha: string },
  ): Promise<AutoMergeOutcome>;
  /** Where the host reads a repository's CODEOWNERS, first found first. */
  readonly codeOwnersPaths: readonly string[];
  /** The owners of `files` by a CODEOWNERS file's text, by the host's rules, for `repositoryName`. */
  codeOwners(repositoryName: string, text: string, files: readonly string[]): CodeOwnersReview;
}
