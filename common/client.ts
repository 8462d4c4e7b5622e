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
  reviewChangeGroup(jobId: string, fingerprint: string, request: GroupReviewRequest): Promise<GroupReviewResponse> {
    const path = `jobs/${encodeURIComponent(jobId)}/changes/${encodeURIComponent(fingerprint)}/review`;
    return this.json('PUT', path, GroupReviewResponse, request);
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

  /** One request of a bulk action: some results may be `waiting` (see `pullRequestActionAll`). */
  pullRequestAction(jobId: string, action: BulkAction, request: BulkActionRequest): Promise<BulkActionResponse> {
    return this.json('POST', `jobs/${encodeURIComponent(jobId)}/pull-requests/${action}`, BulkActionResponse, request);
  }

  /**
   * A bulk merge, close or comment to its end: the repositories go in chunks, and those the server
   * leaves `waiting` (the host's rate limit, its time budget) go again after the wait, which
   * `onProgress` shows. Every repository ends with exactly one result.
   */
  async pullRequestActionAll(
    jobId: string,
    action: BulkAction,
    request: BulkActionRequest,
    options: BulkProgressOptions = {},
  ): Promise<RepositoryActionResult[]> {
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const chunkSize = options.chunkSize ?? 20;
    const maxStalls = options.maxStalls ?? 20;
    const final = new Map<string, RepositoryActionResult>();
    // Without a list, the first request lets the server choose by the filter; later ones name what is left.
    let queue: string[] | undefined = request.repositories ? [...request.repositories] : undefined;
    let stalls = 0;
    for (;;) {
      const chunk = queue?.slice(0, chunkSize);
      if (chunk && chunk.length === 0) break;
      const body = chunk ? { ...request, filter: undefined, repositories: chunk } : request;
      const before = final.size;
      const { results } = await this.pullRequestAction(jobId, action, body);
      const waiting = results.filter((result) => result.outcome === 'waiting');
      for (const result of results) if (result.outcome !== 'waiting') final.set(result.repositoryName, result);
      queue = [...waiting.map((result) => result.repositoryName), ...(queue?.slice(chunk?.length) ?? [])];
      const waitSeconds = Math.max(0, ...waiting.map((result) => result.retryAfterSeconds ?? 0));
      options.onProgress?.({
        done: final.size,
        remaining: queue.length,
        results: results.filter((result) => result.outcome !== 'waiting'),
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

  listRepositories(
    jobId: string,
    options: ListOptions & { status?: RepositoryStatus } = {},
  ): Promise<Page<RepositoryResult>> {
    return this.json('GET', withQuery(`jobs/${encodeURIComponent(jobId)}/repositories`, options), RepositoryPage);
  }

  /** Every repository result of a job, following `nextToken`. */
  async allRepositories(jobId: string): Promise<RepositoryResult[]> {
    const all: RepositoryResult[] = [];
    for await (const page of this.repositoryPages(jobId)) all.push(...page);
    return all;
  }

  /** The job's rows a page at a time, as they arrive: a 10,000-repository job is 100 pages. */
  async *repositoryPages(jobId: string): AsyncGenerator<RepositoryResult[]> {
    let nextToken: string | undefined;
    do {
      const page = await this.listRepositories(jobId, { limit: 100, nextToken });
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

function repositoryPath(jobId: string, repositoryName: string): string {
  return `jobs/${encodeURIComponent(jobId)}/repositories/${encodeURIComponent(repositoryName)}`;
}

export interface BulkProgress {
  done: number;
  remaining: number;
  /** The repositories settled by the request that just answered, each once. */
  results: RepositoryActionResult[];
  /** The host asked to wait this long (a secondary rate limit) before the rest. */
  waitingSeconds?: number;
  reason?: string;
}

export interface BulkProgressOptions {
  /** Repositories per request (default 20): each request ends within the API's time limit. */
  chunkSize?: number;
  onProgress?(progress: BulkProgress): void;
  /** Requests in a row that settle nothing before giving up (default 20). */
  maxStalls?: number;
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
