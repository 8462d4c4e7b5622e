import { ApiError, ApiTransport, type ClientOptions, type ListOptions, type Page, withQuery } from './apiTransport';
import { FAILED_VERIFICATION_HEADER, PATCH_DIGEST_HEADER } from './names';
import { patchDigestOf } from './patchDigest';
import * as operations from './operationFollow';
import type { BulkProgressOptions, FollowOptions } from './operationFollow';
import { SandboxStatus } from './sandbox';
import {
  type BulkAction,
  type BulkActionRequest,
  BulkActionResponse,
  CodeHostInfo,
  type ContinueRequest,
  type CreateJobInput,
  type DeleteJobRequest,
  DeleteJobResponse,
  type FollowUpInput,
  FollowUpResponse,
  FollowUpTrigger,
  type GroupReviewRequest,
  GroupReviewResponse,
  JobChanges,
  Operation,
  OperationResultsPage,
  type PatchRevisionRequest,
  Health,
  Job,
  JobPage,
  RepositoryPage,
  RepositoryResolution,
  type PublishRequest,
  PublishResponse,
  type RepositoryActionResult,
  RepositoryResult,
  type ResolveRepositoriesRequest,
  type ReviewRequest,
  Thread,
} from './schemas';
import type { RepositoryStatus } from './status';

// The typed REST client shared by the CLI and the extension: a method per route. How it sends and
// authenticates is common/apiTransport.ts; following bulk operations, common/operationFollow.ts.
// Their public names are exported from here too, where every client has always imported them.

export {
  ApiError,
  bearerAuth,
  type ClientOptions,
  type ListOptions,
  noAuth,
  type OutgoingRequest,
  type Page,
  type RequestAuth,
} from './apiTransport';
export type { BulkProgress, BulkProgressOptions, FollowOptions, OperationStep } from './operationFollow';

/** A diff as the API gives it: `undefined` patch means the repository made no changes (204). */
export interface DiffResult {
  patch: string | undefined;
  /**
   * The SHA-256 of the patch's bytes as received (computed here, so it is what is shown whatever
   * the server said): what a review of it sends back. Absent with no patch.
   */
  digest?: string;
  /** The patch's bytes as received (`patch` is them decoded): what `cody-batch diff` writes to a pipe. */
  bytes?: Uint8Array;
  /** The change of a command job whose verification failed (asked for with `failed`): read it, do not apply it. */
  verificationFailed?: boolean;
}

export class CodyBatchClient {
  private readonly http: ApiTransport;

  constructor(options: ClientOptions) {
    this.http = new ApiTransport(options);
  }

  health(): Promise<Health> {
    return this.http.json('GET', 'health', Health);
  }

  /** What holds around the commands jobs run there (the command sandbox), and the hosts they may reach. */
  sandbox(): Promise<SandboxStatus> {
    return this.http.json('GET', 'sandbox', SandboxStatus);
  }

  createJob(request: CreateJobInput): Promise<Job> {
    return this.http.json('POST', 'jobs', Job, request);
  }

  /** What a job with this repositoryQuery (and these listed repositories) would run; creates nothing. */
  resolveRepositories(request: ResolveRepositoriesRequest): Promise<RepositoryResolution> {
    return this.http.json('POST', 'repositories/resolve', RepositoryResolution, request);
  }

  /** Which code host the server's repositories are on. */
  getCodeHost(): Promise<CodeHostInfo> {
    return this.http.json('GET', 'repositories/host', CodeHostInfo);
  }

  listJobs(options: ListOptions = {}): Promise<Page<Job>> {
    return this.http.json('GET', withQuery('jobs', options), JobPage);
  }

  /** Every job of the caller, newest first, following `nextToken`. */
  async *allJobs(pageSize = 100): AsyncGenerator<Job> {
    let nextToken: string | undefined;
    do {
      const page = await this.listJobs({ limit: pageSize, nextToken });
      yield* page.items;
      nextToken = page.nextToken;
    } while (nextToken);
  }

  getJob(jobId: string): Promise<Job> {
    return this.http.json('GET', `jobs/${encodeURIComponent(jobId)}`, Job);
  }

  cancelJob(jobId: string): Promise<Job> {
    return this.http.json('POST', `jobs/${encodeURIComponent(jobId)}/cancel`, Job, {});
  }

  retryJob(jobId: string, repositories?: string[]): Promise<Job> {
    return this.http.json('POST', `jobs/${encodeURIComponent(jobId)}/retry`, Job, repositories ? { repositories } : {});
  }

  /** Runs the rest of a SAMPLED job; a prompt, command or verifyCommand revises its task first. */
  continueJob(jobId: string, revision: ContinueRequest = {}): Promise<Job> {
    return this.http.json('POST', `jobs/${encodeURIComponent(jobId)}/continue`, Job, revision);
  }

  /** Deletes a finished job, its rows and artifacts; its pull requests stay unless `closePullRequests`. */
  deleteJob(jobId: string, request: DeleteJobRequest = {}): Promise<DeleteJobResponse> {
    return this.http.json('DELETE', `jobs/${encodeURIComponent(jobId)}`, DeleteJobResponse, request);
  }

  /**
   * Approves or rejects a repository's diff (or takes the review back: `unreviewed`). An approval
   * sends `digest`, the one `getDiff` gave for the patch shown: the API refuses it (409
   * PATCH_CHANGED) when the patch is not that one any more.
   */
  reviewRepository(jobId: string, repositoryName: string, request: ReviewRequest): Promise<RepositoryResult> {
    return this.http.json('PUT', `${repositoryPath(jobId, repositoryName)}/review`, RepositoryResult, request);
  }

  /** The job's distinct changes (groups of repositories whose diffs share a fingerprint), largest first, and the outliers. */
  getChanges(jobId: string): Promise<JobChanges> {
    return this.http.json('GET', `jobs/${encodeURIComponent(jobId)}/changes`, JobChanges);
  }

  /**
   * Reviews every repository of one change group: `members` are those shown, each with the digest
   * the job's changes gave for it (`ChangeGroup.digests`). Refused (409 GROUP_CHANGED or
   * PATCH_CHANGED) rather than review a diff that was not shown.
   */
  async reviewChangeGroup(
    jobId: string,
    fingerprint: string,
    request: GroupReviewRequest,
    options: FollowOptions = {},
  ): Promise<GroupReviewResponse> {
    const path = `jobs/${encodeURIComponent(jobId)}/changes/${encodeURIComponent(fingerprint)}/review`;
    const answer = await this.http.json('PUT', path, GroupReviewResponse, request);
    if (!answer.operation) return answer;
    // A large group is reviewed as an operation: followed to its end, and a member whose diff
    // changed meanwhile refused as the API refuses it when it answers at once (409).
    const { operation, results } = await this.followOperation(jobId, answer.operation.operationId, options);
    const refused = results.filter((result) => result.outcome !== 'done');
    if (operation.status === 'failed' || refused.length)
      throw new ApiError(
        409,
        operation.code ?? 'GROUP_CHANGED',
        operation.message ??
          `${refused.length} of the ${operation.total} repositories changed while the group was being reviewed and were not reviewed: ${refused
            .slice(0, 10)
            .map((result) => result.repositoryName)
            .join(', ')}${refused.length > 10 ? ', …' : ''}. The other ${operation.done} were`,
      );
    return { ...answer, operation };
  }

  /** Leaves hunks or files out of a repository's patch, as a new revision (what a publish pushes). */
  revisePatch(jobId: string, repositoryName: string, request: PatchRevisionRequest): Promise<RepositoryResult> {
    return this.http.json('PUT', `${repositoryPath(jobId, repositoryName)}/patch`, RepositoryResult, request);
  }

  /** Opens pull requests for completed repositories that have none (a publish run); one result per repository. */
  publish(jobId: string, request: PublishRequest = {}): Promise<PublishResponse> {
    return this.http.json('POST', `jobs/${encodeURIComponent(jobId)}/publish`, PublishResponse, request);
  }

  /**
   * Starts a follow-up round on the job's open pull requests (failing checks, review, conflicts, an
   * instruction); one result per repository: `queued`, or `skipped` with why.
   */
  followUp(jobId: string, request: FollowUpInput): Promise<FollowUpResponse> {
    return this.http.json('POST', `jobs/${encodeURIComponent(jobId)}/follow-up`, FollowUpResponse, request);
  }

  /** Asks the code host about the job's pull requests now; the job with its counts and burndown. */
  refreshPullRequests(jobId: string): Promise<Job> {
    return this.http.json('POST', `jobs/${encodeURIComponent(jobId)}/pull-requests/refresh`, Job, {});
  }

  /** One request of a bulk action: every result, or (202) its `operation` and the results so far. */
  pullRequestAction(jobId: string, action: BulkAction, request: BulkActionRequest): Promise<BulkActionResponse> {
    return this.http.json(
      'POST',
      `jobs/${encodeURIComponent(jobId)}/pull-requests/${action}`,
      BulkActionResponse,
      request,
    );
  }

  /**
   * A bulk merge, close or comment to its end (common/operationFollow.ts): every repository ends
   * with exactly one result.
   */
  pullRequestActionAll(
    jobId: string,
    action: BulkAction,
    request: BulkActionRequest,
    options: BulkProgressOptions = {},
  ): Promise<RepositoryActionResult[]> {
    return operations.pullRequestActionAll(this, jobId, action, request, options);
  }

  /** How a job's bulk operation stands (`Job.operation` is its latest). */
  getOperation(jobId: string, operationId: string): Promise<Operation> {
    return this.http.json('GET', operationPath(jobId, operationId), Operation);
  }

  /**
   * A page of an operation's results, in the order they settled. `nextToken` marks where the next
   * ones will be: while the operation runs, read again with it until a page comes back empty.
   */
  operationResults(jobId: string, operationId: string, nextToken?: string): Promise<OperationResultsPage> {
    return this.http.json(
      'GET',
      withQuery(`${operationPath(jobId, operationId)}/results`, { nextToken }),
      OperationResultsPage,
    );
  }

  /**
   * Follows an operation to its end (common/operationFollow.ts): its counts and the results that
   * settled since, every `intervalMs`, then the whole.
   */
  followOperation(
    jobId: string,
    operationId: string,
    options: FollowOptions = {},
  ): Promise<{ operation: Operation; results: RepositoryActionResult[] }> {
    return operations.followOperation(this, jobId, operationId, options);
  }

  listRepositories(
    jobId: string,
    options: ListOptions & { status?: RepositoryStatus } = {},
  ): Promise<Page<RepositoryResult>> {
    return this.http.json('GET', withQuery(`jobs/${encodeURIComponent(jobId)}/repositories`, options), RepositoryPage);
  }

  /** Every repository result of a job (or of the job in `status`), following `nextToken`. */
  async allRepositories(jobId: string, options: { status?: RepositoryStatus } = {}): Promise<RepositoryResult[]> {
    const all: RepositoryResult[] = [];
    for await (const page of this.repositoryPages(jobId, options)) all.push(...page);
    return all;
  }

  /**
   * The job's rows a page at a time, as they arrive: a 10,000-repository job is 100 pages. With
   * `status`, the rows in that status only (read through the server's status index: three failures
   * of 10,000 rows are one page).
   */
  async *repositoryPages(
    jobId: string,
    options: { status?: RepositoryStatus } = {},
  ): AsyncGenerator<RepositoryResult[]> {
    let nextToken: string | undefined;
    do {
      const page = await this.listRepositories(jobId, { limit: 100, nextToken, status: options.status });
      yield page.items;
      nextToken = page.nextToken;
    } while (nextToken);
  }

  getRepository(jobId: string, repositoryName: string): Promise<RepositoryResult> {
    return this.http.json('GET', repositoryPath(jobId, repositoryName), RepositoryResult);
  }

  /** `attempt`: an earlier attempt's artifact (default: the current attempt's), here and below. */
  async getDiff(
    jobId: string,
    repositoryName: string,
    options: AttemptOption & { failed?: boolean; revision?: number } = {},
  ): Promise<DiffResult> {
    // `revision`: a revision of the patch (0: the worker's own diff; default the current one).
    const query = { attempt: options.attempt, failed: options.failed ? 1 : undefined, revision: options.revision };
    const response = await this.http.artifact(
      withQuery(`${repositoryPath(jobId, repositoryName)}/diff`, query),
      'diff',
    );
    if (response.status === 204) return { patch: undefined };
    const verificationFailed = response.headers.get(FAILED_VERIFICATION_HEADER) === 'true';
    const bytes = new Uint8Array(await response.arrayBuffer());
    const digest = patchDigestOf(bytes);
    const said = response.headers.get(PATCH_DIGEST_HEADER);
    // The bytes are what is shown; a server that says otherwise has changed them under us.
    if (said && said !== digest)
      throw new ApiError(
        response.status,
        'PATCH_CHANGED',
        `The diff of ${repositoryName} arrived with digest ${digest.slice(0, 12)}, not the ${said.slice(0, 12)} the server said: read it again`,
      );
    return {
      patch: new TextDecoder().decode(bytes),
      bytes,
      digest,
      ...(verificationFailed ? { verificationFailed } : {}),
    };
  }

  async getThread(jobId: string, repositoryName: string, options: AttemptOption = {}): Promise<Thread> {
    const path = withQuery(`${repositoryPath(jobId, repositoryName)}/claude-thread`, options);
    return this.http.parse(await this.http.artifact(path, 'Claude thread'), 'GET', path, Thread);
  }

  /** What a follow-up attempt acted on (checks, comments, the base merged in, an instruction). */
  async getTrigger(jobId: string, repositoryName: string, options: AttemptOption = {}): Promise<FollowUpTrigger> {
    const path = withQuery(`${repositoryPath(jobId, repositoryName)}/trigger`, options);
    return this.http.parse(await this.http.artifact(path, 'trigger'), 'GET', path, FollowUpTrigger);
  }

  async getLog(jobId: string, repositoryName: string, options: AttemptOption = {}): Promise<string> {
    return (await this.http.artifact(withQuery(`${repositoryPath(jobId, repositoryName)}/log`, options), 'log')).text();
  }
}

function operationPath(jobId: string, operationId: string): string {
  return `jobs/${encodeURIComponent(jobId)}/operations/${encodeURIComponent(operationId)}`;
}

function repositoryPath(jobId: string, repositoryName: string): string {
  return `jobs/${encodeURIComponent(jobId)}/repositories/${encodeURIComponent(repositoryName)}`;
}

export interface AttemptOption {
  attempt?: number;
}
