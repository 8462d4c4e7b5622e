import type { z } from 'zod';
import { ApiErrorBody } from './errors';
import { FAILED_VERIFICATION_HEADER, PATCH_DIGEST_HEADER } from './names';
import { patchDigestOf } from './patchDigest';
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

// The typed REST client shared by the CLI and the extension. Auth is pluggable: a bearer token for
// the local stack, SigV4 for API Gateway's IAM auth (`sigv4.ts`).

export interface OutgoingRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

/** Returns the headers that authenticate one request. */
export type RequestAuth = (request: OutgoingRequest) => Promise<Record<string, string>> | Record<string, string>;

export function bearerAuth(token: string): RequestAuth {
  return () => ({ authorization: `Bearer ${token}` });
}

export const noAuth: RequestAuth = () => ({});

export interface ClientOptions {
  baseUrl: string;
  auth: RequestAuth;
  fetch?: typeof fetch;
  /** Per-request timeout; a hung server must not hang the caller forever. */
  timeoutMs?: number;
  userAgent?: string;
}

/** An answer of the API that is not a success, or a failure to reach it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** True when the server could not be reached at all (status 0). */
  get unreachable(): boolean {
    return this.status === 0;
  }
}

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

export interface ListOptions {
  limit?: number;
  nextToken?: string;
}

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
  private readonly baseUrl: URL;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: ClientOptions) {
    this.baseUrl = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
    this.fetchImpl = options.fetch ?? fetch;
  }

  health(): Promise<Health> {
    return this.json('GET', 'health', Health);
  }

  /** What holds around the commands jobs run there (the command sandbox), and the hosts they may reach. */
  sandbox(): Promise<SandboxStatus> {
    return this.json('GET', 'sandbox', SandboxStatus);
  }

  createJob(request: CreateJobInput): Promise<Job> {
    return this.json('POST', 'jobs', Job, request);
  }

  /** What a job with this repositoryQuery (and these listed repositories) would run; creates nothing. */
  resolveRepositories(request: ResolveRepositoriesRequest): Promise<RepositoryResolution> {
    return this.json('POST', 'repositories/resolve', RepositoryResolution, request);
  }

  /** Which code host the server's repositories are on. */
  getCodeHost(): Promise<CodeHostInfo> {
    return this.json('GET', 'repositories/host', CodeHostInfo);
  }

  listJobs(options: ListOptions = {}): Promise<Page<Job>> {
    return this.json('GET', withQuery('jobs', options), JobPage);
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
    return this.json('GET', `jobs/${encodeURIComponent(jobId)}`, Job);
  }

  cancelJob(jobId: string): Promise<Job> {
    return this.json('POST', `jobs/${encodeURIComponent(jobId)}/cancel`, Job, {});
  }

  retryJob(jobId: string, repositories?: string[]): Promise<Job> {
    return this.json('POST', `jobs/${encodeURIComponent(jobId)}/retry`, Job, repositories ? { repositories } : {});
  }

  /** Runs the rest of a SAMPLED job; a prompt, command or verifyCommand revises its task first. */
  continueJob(jobId: string, revision: ContinueRequest = {}): Promise<Job> {
    return this.json('POST', `jobs/${encodeURIComponent(jobId)}/continue`, Job, revision);
  }

  /** Deletes a finished job, its rows and artifacts; its pull requests stay unless `closePullRequests`. */
  deleteJob(jobId: string, request: DeleteJobRequest = {}): Promise<DeleteJobResponse> {
    return this.json('DELETE', `jobs/${encodeURIComponent(jobId)}`, DeleteJobResponse, request);
  }

  /**
   * Approves or rejects a repository's diff (or takes the review back: `unreviewed`). An approval
   * sends `digest`, the one `getDiff` gave for the patch shown: the API refuses it (409
   * PATCH_CHANGED) when the patch is not that one any more.
   */
  reviewRepository(jobId: string, repositoryName: string, request: ReviewRequest): Promise<RepositoryResult> {
    return this.json('PUT', `${repositoryPath(jobId, repositoryName)}/review`, RepositoryResult, request);
  }

  /** The job's distinct changes (groups of repositories whose diffs share a fingerprint), largest first, and the outliers. */
  getChanges(jobId: string): Promise<JobChanges> {
    return this.json('GET', `jobs/${encodeURIComponent(jobId)}/changes`, JobChanges);
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
    const answer = await this.json('PUT', path, GroupReviewResponse, request);
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
    return this.json('PUT', `${repositoryPath(jobId, repositoryName)}/patch`, RepositoryResult, request);
  }

  /** Opens pull requests for completed repositories that have none (a publish run); one result per repository. */
  publish(jobId: string, request: PublishRequest = {}): Promise<PublishResponse> {
    return this.json('POST', `jobs/${encodeURIComponent(jobId)}/publish`, PublishResponse, request);
  }

  /**
   * Starts a follow-up round on the job's open pull requests (failing checks, review, conflicts, an
   * instruction); one result per repository: `queued`, or `skipped` with why.
   */
  followUp(jobId: string, request: FollowUpInput): Promise<FollowUpResponse> {
    return this.json('POST', `jobs/${encodeURIComponent(jobId)}/follow-up`, FollowUpResponse, request);
  }

  /** Asks the code host about the job's pull requests now; the job with its counts and burndown. */
  refreshPullRequests(jobId: string): Promise<Job> {
    return this.json('POST', `jobs/${encodeURIComponent(jobId)}/pull-requests/refresh`, Job, {});
  }

  /** One request of a bulk action: every result, or (202) its `operation` and the results so far. */
  pullRequestAction(jobId: string, action: BulkAction, request: BulkActionRequest): Promise<BulkActionResponse> {
    return this.json('POST', `jobs/${encodeURIComponent(jobId)}/pull-requests/${action}`, BulkActionResponse, request);
  }

  /**
   * A bulk merge, close or comment to its end: one request (1,000 named repositories a request at
   * most), whose operation is followed, `onProgress` told every second or so; results a server sends
   * back `waiting` (a server from before operations) go again after their wait. Every repository
   * ends with exactly one result.
   */
  async pullRequestActionAll(
    jobId: string,
    action: BulkAction,
    request: BulkActionRequest,
    options: BulkProgressOptions = {},
  ): Promise<RepositoryActionResult[]> {
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const chunkSize = options.chunkSize ?? 1_000;
    const maxStalls = options.maxStalls ?? 20;
    const final = new Map<string, RepositoryActionResult>();
    // Without a list, the first request lets the server choose by the filter; later ones name what is left.
    let queue: string[] | undefined = request.repositories ? [...request.repositories] : undefined;
    let stalls = 0;
    // Each repository's result is told once: an operation's results are read from its start.
    const told = new Set<string>();
    const untold = (results: readonly RepositoryActionResult[]) =>
      results.filter((result) => {
        if (result.outcome === 'waiting' || told.has(result.repositoryName)) return false;
        told.add(result.repositoryName);
        return true;
      });
    for (;;) {
      const chunk = queue?.slice(0, chunkSize);
      if (chunk && chunk.length === 0) break;
      const body = chunk ? { ...request, filter: undefined, repositories: chunk } : request;
      const before = final.size;
      const later = queue?.slice(chunk?.length) ?? [];
      const answer = await this.pullRequestAction(jobId, action, body);
      let results = answer.results;
      if (answer.operation) {
        const settled = new Set<string>();
        const followed = await this.followOperation(jobId, answer.operation.operationId, {
          ...options,
          onProgress: (step) => {
            for (const result of step.results) settled.add(result.repositoryName);
            options.onProgress?.({
              done: final.size + settled.size,
              remaining: step.operation.left + later.length,
              operation: step.operation,
              results: untold(step.results),
              ...(step.operation.waitingSeconds
                ? { waitingSeconds: step.operation.waitingSeconds, reason: step.operation.reason }
                : {}),
            });
          },
        });
        results = [...answer.results, ...followed.results];
      }
      const waiting = results.filter((result) => result.outcome === 'waiting');
      for (const result of results) if (result.outcome !== 'waiting') final.set(result.repositoryName, result);
      queue = [...waiting.map((result) => result.repositoryName), ...later];
      const waitSeconds = Math.max(0, ...waiting.map((result) => result.retryAfterSeconds ?? 0));
      options.onProgress?.({
        done: final.size,
        remaining: queue.length,
        results: untold(results),
        ...(waiting.length && waitSeconds > 0 ? { waitingSeconds: waitSeconds, reason: waiting[0]!.reason } : {}),
      });
      if (final.size > before) stalls = 0;
      else if (++stalls > maxStalls) {
        for (const name of queue)
          final.set(name, { repositoryName: name, outcome: 'failed', reason: 'still waiting after many tries' });
        break;
      }
      if (waitSeconds > 0) await sleep(waitSeconds * 1000);
    }
    return [...final.values()];
  }

  /** How a job's bulk operation stands (`Job.operation` is its latest). */
  getOperation(jobId: string, operationId: string): Promise<Operation> {
    return this.json('GET', operationPath(jobId, operationId), Operation);
  }

  /**
   * A page of an operation's results, in the order they settled. `nextToken` marks where the next
   * ones will be: while the operation runs, read again with it until a page comes back empty.
   */
  operationResults(jobId: string, operationId: string, nextToken?: string): Promise<OperationResultsPage> {
    return this.json(
      'GET',
      withQuery(`${operationPath(jobId, operationId)}/results`, { nextToken }),
      OperationResultsPage,
    );
  }

  /**
   * Follows an operation to its end: every `intervalMs` (default 1 s) its counts and the results
   * that settled since (`onProgress`), then the whole. See docs/architecture.md ("Bulk operations").
   */
  async followOperation(
    jobId: string,
    operationId: string,
    options: FollowOptions = {},
  ): Promise<{ operation: Operation; results: RepositoryActionResult[] }> {
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const results: RepositoryActionResult[] = [];
    let token: string | undefined;
    const readNew = async () => {
      const fresh: RepositoryActionResult[] = [];
      for (;;) {
        const page = await this.operationResults(jobId, operationId, token);
        if (!page.items.length) break;
        fresh.push(...page.items);
        token = page.nextToken ?? token;
        if (!page.nextToken) break;
      }
      results.push(...fresh);
      return fresh;
    };
    for (;;) {
      const operation = await this.getOperation(jobId, operationId);
      const fresh = await readNew();
      options.onProgress?.({ operation, results: fresh });
      if (operation.status !== 'running') return { operation, results };
      if (options.signal?.aborted) throw new ApiError(0, 'ABORTED', 'Stopped following the operation; it goes on');
      await sleep(options.intervalMs ?? 1_000);
    }
  }

  listRepositories(
    jobId: string,
    options: ListOptions & { status?: RepositoryStatus } = {},
  ): Promise<Page<RepositoryResult>> {
    return this.json('GET', withQuery(`jobs/${encodeURIComponent(jobId)}/repositories`, options), RepositoryPage);
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
    return this.json('GET', repositoryPath(jobId, repositoryName), RepositoryResult);
  }

  /** `attempt`: an earlier attempt's artifact (default: the current attempt's), here and below. */
  async getDiff(
    jobId: string,
    repositoryName: string,
    options: AttemptOption & { failed?: boolean; revision?: number } = {},
  ): Promise<DiffResult> {
    // `revision`: a revision of the patch (0: the worker's own diff; default the current one).
    const query = { attempt: options.attempt, failed: options.failed ? 1 : undefined, revision: options.revision };
    const response = await this.artifact(withQuery(`${repositoryPath(jobId, repositoryName)}/diff`, query), 'diff');
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
    return this.parse(await this.artifact(path, 'Claude thread'), 'GET', path, Thread);
  }

  /** What a follow-up attempt acted on (checks, comments, the base merged in, an instruction). */
  async getTrigger(jobId: string, repositoryName: string, options: AttemptOption = {}): Promise<FollowUpTrigger> {
    const path = withQuery(`${repositoryPath(jobId, repositoryName)}/trigger`, options);
    return this.parse(await this.artifact(path, 'trigger'), 'GET', path, FollowUpTrigger);
  }

  async getLog(jobId: string, repositoryName: string, options: AttemptOption = {}): Promise<string> {
    return (await this.artifact(withQuery(`${repositoryPath(jobId, repositoryName)}/log`, options), 'log')).text();
  }

  /**
   * GETs a diff, thread or log. One too large to answer inline lives in S3, behind a redirect to a
   * presigned URL, which is followed by hand: the URL carries its own signature, and our auth
   * headers (a bearer token, SigV4's session token) must not go along.
   */
  private async artifact(path: string, what: string): Promise<Response> {
    const response = await this.send('GET', path, undefined, 'manual');
    if (response.status < 300 || response.status >= 400) return response;
    const location = response.headers.get('location');
    if (!location) throw new ApiError(response.status, 'BAD_REDIRECT', 'The server redirected without a location');
    const download = await this.fetchWithTimeout(new URL(location, this.baseUrl), { method: 'GET' });
    if (!download.ok)
      throw new ApiError(
        download.status,
        'DOWNLOAD_FAILED',
        `Downloading the ${what} failed with HTTP ${download.status}`,
      );
    return download;
  }

  private async json<T extends z.ZodType>(
    method: string,
    path: string,
    schema: T,
    body?: unknown,
  ): Promise<z.infer<T>> {
    return this.parse(await this.send(method, path, body), method, path, schema);
  }

  private async parse<T extends z.ZodType>(
    response: Response,
    method: string,
    path: string,
    schema: T,
  ): Promise<z.infer<T>> {
    const payload: unknown = await response.json().catch(() => {
      throw new ApiError(
        response.status,
        'BAD_RESPONSE',
        `The server answered ${method} /${path} with something that is not JSON`,
      );
    });
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      throw new ApiError(
        response.status,
        'BAD_RESPONSE',
        `The server's answer to ${method} /${path} has an unexpected shape: ${parsed.error.issues[0]?.message ?? ''}`,
      );
    }
    return parsed.data;
  }

  /** Sends one request; any status other than 2xx/3xx becomes an ApiError. */
  private async send(
    method: string,
    path: string,
    body?: unknown,
    redirect: RequestRedirect = 'follow',
  ): Promise<Response> {
    const url = new URL(path, this.baseUrl);
    const headers: Record<string, string> = { accept: 'application/json, text/plain, text/x-diff' };
    if (this.options.userAgent) headers['user-agent'] = this.options.userAgent;
    const text = body === undefined ? undefined : JSON.stringify(body);
    if (text !== undefined) headers['content-type'] = 'application/json';
    Object.assign(headers, await this.options.auth({ method, url, headers: { ...headers }, body: text }));
    const response = await this.fetchWithTimeout(url, { method, headers, body: text, redirect });
    if (response.status >= 400) throw await errorFrom(response);
    return response;
  }

  private async fetchWithTimeout(url: URL, init: RequestInit): Promise<Response> {
    try {
      return await this.fetchImpl(url, { ...init, signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000) });
    } catch (error) {
      const reason =
        error instanceof Error && error.name === 'TimeoutError' ? 'did not answer in time' : 'could not be reached';
      throw new ApiError(0, 'UNREACHABLE', `Cody Batch at ${url.origin} ${reason}`);
    }
  }
}

function operationPath(jobId: string, operationId: string): string {
  return `jobs/${encodeURIComponent(jobId)}/operations/${encodeURIComponent(operationId)}`;
}

function repositoryPath(jobId: string, repositoryName: string): string {
  return `jobs/${encodeURIComponent(jobId)}/repositories/${encodeURIComponent(repositoryName)}`;
}

export interface BulkProgress {
  done: number;
  remaining: number;
  /** The repositories settled since the last call (the server's operation's results as they come), each once. */
  results: RepositoryActionResult[];
  /** The host asked to wait this long (a secondary rate limit) before the rest. */
  waitingSeconds?: number;
  reason?: string;
  /** The server's operation as it stands (its counts, any wait), while one runs the action. */
  operation?: Operation;
}

export interface BulkProgressOptions extends Omit<FollowOptions, 'onProgress'> {
  /** Named repositories per request (default 1,000, the API's most). */
  chunkSize?: number;
  onProgress?(progress: BulkProgress): void;
  /** Requests in a row that settle nothing before giving up (default 20). */
  maxStalls?: number;
}

/** One step of an operation followed (`followOperation`): its counts, and the results new since the last step. */
export interface OperationStep {
  operation: Operation;
  results: RepositoryActionResult[];
}

export interface FollowOptions {
  /** Called about every `intervalMs` while the operation runs, and once at its end. */
  onProgress?(step: OperationStep): void;
  /** How often to look (default 1,000 ms). */
  intervalMs?: number;
  /** Stops following (the operation goes on on the server). */
  signal?: AbortSignal;
  sleep?(ms: number): Promise<void>;
}

export interface AttemptOption {
  attempt?: number;
}

function withQuery(path: string, query: object): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function errorFrom(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  try {
    const parsed = ApiErrorBody.safeParse(JSON.parse(text));
    if (parsed.success) return new ApiError(response.status, parsed.data.error.code, parsed.data.error.message);
  } catch {
    // Not our JSON error shape (a proxy, a gateway): fall through.
  }
  return new ApiError(
    response.status,
    `HTTP_${response.status}`,
    `The server answered HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`,
  );
}
