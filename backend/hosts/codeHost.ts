import type {
  AutoMerge,
  CheckFailure,
  FeedbackItem,
  MergeMethod,
  PullRequestInfo,
  RepositoryQuery,
} from '../../common/schemas';

// Everything a code host does for Cody Batch, behind one interface (./README.md is its contract):
// where a repository is cloned from and with which credentials (GitRemote), which repositories a
// query names (resolveQuery), and the pull request (PullRequestHost), a capability a host has or
// refuses with a sentence, so every caller must narrow before it opens one. GitHub (./github/),
// GitLab (./gitlab/) and the local folder host (./folder/) implement it; nothing outside this
// folder may assume which one it has. `codeHostFrom` (./index.ts) chooses one from the configuration.

export const CODE_HOST_KINDS = ['github', 'gitlab', 'folder'] as const;
export type CodeHostKind = (typeof CODE_HOST_KINDS)[number];

/** A GitHub App's credentials: the app signs a JWT with its key and trades it for installation tokens. */
export interface GitHubAppCredentials {
  appId: string;
  /** The app's private key, a PEM. A secret. */
  privateKey: string;
}

/** What a code host is built from: the worker's and the API's environment, read once. */
export interface CodeHostConfig {
  /** `CODY_BATCH_CODE_HOST`; absent: a `file://` git base is the folder host, anything else GitHub. */
  kind?: CodeHostKind;
  /** `CODY_BATCH_GIT_BASE`: a clone URL template with `{owner}` and `{name}`, or `{path}`; the host's default when absent. */
  gitBase?: string;
  /** The host's API or instance (`GITHUB_API_URL`, `GITLAB_URL`); the host's default when absent. */
  apiUrl?: string;
  /** The server's token (`GITHUB_TOKEN`, `GITLAB_TOKEN`): clone, push, pull requests, queries. A secret. */
  token?: string;
  /** GitHub only: an App's credentials instead of a token (`GITHUB_APP_ID`, `GITHUB_APP_PRIVATE_KEY`). */
  githubApp?: GitHubAppCredentials;
  /**
   * The longest rate-limit wait sat out inside one call (default 60 s). Longer ones fail with
   * HostRateLimited, so an API request bounded by its gateway's timeout can hand the wait to its
   * client, which shows it.
   */
  maxRateLimitWaitSeconds?: number;
  /** Changes sent to the host at once (GitHub: CODY_BATCH_GITHUB_WRITES_AT_ONCE); the host's default when absent. */
  writesAtOnce?: number;
  /** The least time between two changes, in ms (GitHub: CODY_BATCH_GITHUB_WRITE_INTERVAL_MS); the host's default when absent. */
  writeIntervalMs?: number;
  /** Told each rate-limit wait the host sits out (the worker's log shows it). */
  onRateLimitWait?: (seconds: number, what: string) => void;
  /** Told each credential the host makes on its own (a GitHub App's installation tokens), so redactors know it. */
  onSecret?: (secret: string) => void;
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

/** The host asks us to slow down for this long (a rate limit longer than we wait inside a request). */
export class HostRateLimited extends Error {
  override name = 'HostRateLimited';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** The host could not be reached, or refused the server's own credentials: nothing the caller can fix. */
export class HostUnavailable extends Error {
  override name = 'HostUnavailable';
}

/** A pull request the host has: its repository and number (GitLab's merge request `iid`). */
export interface PullRequestRef {
  repositoryName: string;
  number: number;
}

/** A pull request as the host tells it now, with the head commit a merge must still be at. */
export interface PullRequestStatus extends PullRequestInfo {
  headSha: string;
  /** When `mergeable` is false, the host's reason in words (GitLab: a pipeline that must pass, approvals left). */
  notMergeableBecause?: string;
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
  /** The host refuses the merge when the head has moved past this: what was checked is what merges. */
  expectedHeadSha: string;
  deleteBranch: boolean;
}

/** `owner/name#number`: how pull-request statuses are keyed. */
export function pullRequestKey(ref: PullRequestRef): string {
  return `${ref.repositoryName.toLowerCase()}#${ref.number}`;
}

/** A host's own rules for names, narrower than common/repositoryNames.ts: each answers why not, or undefined. */
export interface HostNameRules {
  repository(name: string): string | undefined;
  /** An owner of a query: an organisation or user, a group or subgroup. */
  owner(owner: string): string | undefined;
  /** A reviewer. */
  user(name: string): string | undefined;
}

/** Where git reaches a repository, and as whom. */
export interface GitRemote {
  readonly kind: CodeHostKind;
  /** The host in a message: "GitHub (https://api.github.com)", "the local folder host (/srv/git)". */
  readonly label: string;
  readonly commitAuthor: CommitAuthor;
  readonly names: HostNameRules;
  /** Whether the server has credentials for this host (a token, an App); without, nothing is pushed or refreshed. */
  readonly hasCredentials: boolean;
  /** The forms a secret takes in this host's git credentials (a Basic header's base64), hidden like it. */
  secretEncodings(secret: string): string[];
  /** Where git clones and pushes the repository. */
  cloneUrl(repositoryName: string): string;
  /**
   * The `Authorization: …` header git sends to the repository's clone URL, or undefined when none
   * is needed or there are no credentials. Asked before each remote call: an App's installation
   * token is minted (or refreshed) for the repository's own installation here.
   */
  gitAuthHeader(repositoryName: string): Promise<string | undefined>;
  /**
   * The repository's default branch, as the host says it now: a publish never pushes to it,
   * whatever a branch template renders. Throws when the host cannot say (then nothing is pushed).
   */
  defaultBranch(repositoryName: string): Promise<string>;
}

/** Choosing repositories. */
export interface RepositoryFinder {
  /** The repositories the query names, each once, in a stable order; HostRefusal when it cannot or should not. */
  resolveQuery(query: RepositoryQuery): Promise<QueryResolution>;
}

/** Pull requests (GitLab's merge requests): open, follow, merge, close, comment. */
export interface PullRequestHost {
  readonly supported: true;
  /**
   * How many pull-request changes (merge, close, comment) a bulk operation sends at once: what the
   * host allows (GitHub.com asks for one at a time, a second apart; GitHub Enterprise has no such
   * limit unless its administrators set one). Absent: 1.
   */
  readonly writesAtOnce?: number;
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

/** A host without pull requests, and what to do instead. */
export interface PullRequestsRefused {
  readonly supported: false;
  readonly refusal: string;
}

export interface CodeHost extends GitRemote, RepositoryFinder {
  readonly pullRequests: PullRequestHost | PullRequestsRefused;
}

/** A code host whose pull requests the caller may use: what `opensPullRequests` narrows to. */
export type PullRequestCodeHost = CodeHost & { readonly pullRequests: PullRequestHost };

export function opensPullRequests(host: CodeHost): host is PullRequestCodeHost {
  return host.pullRequests.supported;
}

/** The host's pull requests, or its refusal as a HostRefusal. */
export function pullRequestsOf(host: CodeHost): PullRequestHost {
  const pullRequests = host.pullRequests;
  if (!pullRequests.supported) throw new HostRefusal(pullRequests.refusal);
  return pullRequests;
}
