import * as z from 'zod';

/** Codes of `{"error": {"code", "message"}}` answers, with the HTTP status each one carries. */
export const API_ERRORS = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  INVALID_NEXT_TOKEN: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  JOB_FINAL: 409,
  JOB_ACTIVE: 409,
  NOTHING_TO_RETRY: 409,
  JOB_NOT_SAMPLED: 409,
  NO_DIFF: 409,
  /** The job item does not carry the API's signature of what it runs: it was written or changed around the API. */
  UNVERIFIED_JOB: 409,
  /** A row's note, task, recorded base or digest carries no valid signature or seal: written around the API and the workers. */
  UNVERIFIED_ROW: 409,
  /** A review the row cannot take: approving what has not COMPLETED, or a diff the row has moved on from. */
  NOT_REVIEWABLE: 409,
  /** The repositories of a change group are not the ones the reviewer saw: a member's diff changed, or one joined. */
  GROUP_CHANGED: 409,
  /** A group approved as one while some of its members, with the same lines in other surroundings, were not opened. */
  VARIANTS_NOT_OPENED: 409,
  /**
   * A repository's patch is not the one the request was based on: another revision, or not the
   * digest the reviewer was shown (or its stored bytes no longer hash to the digest recorded).
   */
  PATCH_CHANGED: 409,
  /** A repository's patch can take no new revision: its pull request holds it, or it has the most revisions. */
  PATCH_LOCKED: 409,
  /** A publish of this job is still under way; its repositories answer once it ends. */
  PUBLISH_IN_PROGRESS: 409,
  /** Another bulk operation of this job (a retry, a merge…) is still going on: one at a time per job. */
  OPERATION_IN_PROGRESS: 409,
  /** No repository of the request can be published (the answer says why, per repository). */
  NOTHING_TO_PUBLISH: 409,
  /** The job has spent its maxCostUsd: no further Claude round starts. */
  COST_LIMIT_REACHED: 409,
  /** The code host has no pull requests (the local folder host): nothing to publish, refresh, merge or close. */
  PULL_REQUESTS_UNSUPPORTED: 400,
  /** A repositoryQuery the code host cannot or should not run as given: its message says what to change. */
  QUERY_REFUSED: 400,
  /** The job runs commands that need the command sandbox, and it is unavailable where they would run. */
  SANDBOX_UNAVAILABLE: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL: 500,
  /**
   * The code host could not be reached, refused the server's own credentials, or asks to wait longer
   * than a request may (its rate limit: the message says how long).
   */
  HOST_UNAVAILABLE: 502,
  UNAVAILABLE: 503,
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

export const ApiErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

/** Codes a repository result's `error.code` may carry; workers and the sweeper set them. */
export const REPOSITORY_ERROR_CODES = [
  'START_FAILED',
  'CLONE_FAILED',
  /** The job's setupCommand failed, timed out or could not start. */
  'SETUP_FAILED',
  'COMMAND_FAILED',
  'COMMAND_TIMEOUT',
  'VERIFY_FAILED',
  'CLAUDE_ERROR',
  'CLAUDE_REFUSAL',
  'CLAUDE_RATE_LIMITED',
  'CLAUDE_OVERLOADED',
  'TURN_LIMIT',
  'TOKEN_LIMIT',
  'TIME_LIMIT',
  'COST_LIMIT',
  'PUSH_FAILED',
  /**
   * The pull request's branch exists and is not this repository's to move (the default branch, the
   * base branch, or a branch whose head is not the commit this row pushed last): nothing was pushed.
   */
  'BRANCH_EXISTS',
  /** The stored diff did not apply to the recorded base commit, so nothing was pushed. */
  'PATCH_FAILED',
  /** The stored diff does not hash to the digest that was approved (or signed for the publish): nothing was pushed. */
  'PATCH_CHANGED',
  'PULL_REQUEST_FAILED',
  /** A follow-up's push found the pull request's head moved since the round started from it: nothing was pushed, nothing lost. */
  'HEAD_MOVED',
  /** A conflicts round left conflict markers (or unmerged files) in the tree. */
  'CONFLICTS_UNRESOLVED',
  'SECRET_DETECTED',
  'WORKER_LOST',
  'WORKER_CRASHED',
  'NEVER_STARTED',
  /** A job the API did not sign as it is now (its signature is missing or does not match): not run, not published. */
  'UNVERIFIED_JOB',
  /** The job's commands need the command sandbox, and the worker could not start it. */
  'SANDBOX_UNAVAILABLE',
  /** A row whose task, approval or publication the API did not sign as it is now: not run, not published. */
  'UNVERIFIED_ROW',
  'CANCELLED',
  'INTERNAL',
] as const;
export type RepositoryErrorCode = (typeof REPOSITORY_ERROR_CODES)[number];
