import { ApiError } from './apiTransport';
import type {
  BulkAction,
  BulkActionRequest,
  BulkActionResponse,
  Operation,
  OperationResultsPage,
  RepositoryActionResult,
} from './schemas';

// Following a job's bulk operations to their end from a client (see docs/architecture.md, "Bulk
// operations"): an operation's counts and results as they settle, and a bulk merge, close or
// comment over many pull requests, request after request, through the host's waits.

/** What following needs of the client (common/client.ts's CodyBatchClient has it). */
export interface OperationApi {
  pullRequestAction(jobId: string, action: BulkAction, request: BulkActionRequest): Promise<BulkActionResponse>;
  getOperation(jobId: string, operationId: string): Promise<Operation>;
  operationResults(jobId: string, operationId: string, nextToken?: string): Promise<OperationResultsPage>;
}

/**
 * A bulk merge, close or comment to its end: one request (1,000 named repositories a request at
 * most), whose operation is followed, `onProgress` told every second or so; results a server sends
 * back `waiting` (a server from before operations) go again after their wait. Every repository
 * ends with exactly one result.
 */
export async function pullRequestActionAll(
  api: OperationApi,
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
    const answer = await api.pullRequestAction(jobId, action, body);
    let results = answer.results;
    if (answer.operation) {
      const settled = new Set<string>();
      const followed = await followOperation(api, jobId, answer.operation.operationId, {
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

/**
 * Follows an operation to its end: every `intervalMs` (default 1 s) its counts and the results
 * that settled since (`onProgress`), then the whole. See docs/architecture.md ("Bulk operations").
 */
export async function followOperation(
  api: OperationApi,
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
      const page = await api.operationResults(jobId, operationId, token);
      if (!page.items.length) break;
      fresh.push(...page.items);
      token = page.nextToken ?? token;
      if (!page.nextToken) break;
    }
    results.push(...fresh);
    return fresh;
  };
  for (;;) {
    const operation = await api.getOperation(jobId, operationId);
    const fresh = await readNew();
    options.onProgress?.({ operation, results: fresh });
    if (operation.status !== 'running') return { operation, results };
    if (options.signal?.aborted) throw new ApiError(0, 'ABORTED', 'Stopped following the operation; it goes on');
    await sleep(options.intervalMs ?? 1_000);
  }
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
