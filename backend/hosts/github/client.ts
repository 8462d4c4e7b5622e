import { retry } from '@octokit/plugin-retry';
import Bottleneck from 'bottleneck/light.js';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';

// Octokit as Cody Batch uses it: GitHub's REST API (or GitHub Enterprise's, through its API URL),
// waiting out primary and secondary rate limits and retrying server errors.

const GitHub = Octokit.plugin(throttling, retry);
export type GitHubClient = InstanceType<typeof GitHub>;

export function createGitHubClient(options: {
  /** A token, or where to get the current one before each request (a GitHub App's installation tokens expire). */
  token?: string | (() => Promise<string>);
  baseUrl: string;
  userAgent?: string;
  /** The longest secondary rate limit waited out; longer ones fail the request (default 60 s). */
  maxRateLimitWaitSeconds?: number;
  /**
   * How the throttling plugin paces what it counts as writes (every change, and GraphQL) and the
   * changes that notify people (a merge, a comment): how many at once and how far apart. Default:
   * its own, one write a second and one notifying change every three (GitHub.com's advice).
   */
  writes?: { atOnce: number; intervalMs: number };
}): GitHubClient {
  const maxWait = options.maxRateLimitWaitSeconds ?? 60;
  // Pacing groups of this client's own (the plugin's defaults are shared by every client of the process).
  const pace = () =>
    new Bottleneck.Group({ maxConcurrent: options.writes!.atOnce, minTime: options.writes!.intervalMs });
  const groups = options.writes ? { write: pace(), notifications: pace() } : {};
  const token = options.token;
  const client = new GitHub({
    auth: typeof token === 'string' ? token : undefined,
    baseUrl: options.baseUrl,
    userAgent: options.userAgent ?? 'cody-batch',
    throttle: {
      ...groups,
      // Wait out primary and secondary rate limits twice, then let the request fail.
      onRateLimit: (_retryAfter: number, _options: object, _octokit: unknown, retryCount: number) => retryCount < 2,
      onSecondaryRateLimit: (retryAfter: number, _options: object, _octokit: unknown, retryCount: number) =>
        retryCount < 2 && retryAfter <= maxWait,
    },
    // Server errors are retried; GitHub's refusals (a merge it will not do: 405, 409) are answers.
    retry: { retries: 3, doNotRetry: [400, 401, 403, 404, 405, 409, 410, 422, 451] },
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  if (typeof token === 'function') {
    client.hook.before('request', async (request) => {
      request.headers.authorization = `token ${await token()}`;
    });
  }
  return client;
}

/** The clients a GitHub host talks through: one token's, or a GitHub App's, one per installation. */
export interface GitHubClients {
  /** The client that may read and act on `owner`'s repositories. */
  forOwner(owner: string): Promise<GitHubClient>;
  /** The clients a search runs with: one token's, or one per installation of the App. */
  forSearch(): Promise<GitHubClient[]>;
}

/** The HTTP status of an Octokit error, if it has one. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

/** GitHub's own sentence for a failed request: its `message`, and the first of its `errors`. */
export function githubMessage(error: unknown): string {
  const data = (error as { response?: { data?: { message?: unknown; errors?: { message?: unknown }[] } } }).response
    ?.data;
  const detail = data?.errors?.find((entry) => typeof entry?.message === 'string')?.message;
  const message = typeof data?.message === 'string' ? data.message : (error as Error).message;
  return typeof detail === 'string' && detail !== message ? `${message}: ${detail}` : String(message);
}

/** Seconds GitHub asks us to wait (`retry-after`, else until `x-ratelimit-reset`), when the error is a rate limit. */
export function rateLimitWait(error: unknown): number | undefined {
  const status = statusOf(error);
  if (status !== 403 && status !== 429) return undefined;
  const headers = (error as { response?: { headers?: Record<string, string | undefined> } }).response?.headers ?? {};
  const retryAfter = Number(headers['retry-after']);
  if (Number.isFinite(retryAfter) && headers['retry-after'] !== undefined) return Math.max(1, retryAfter);
  if (headers['x-ratelimit-remaining'] === '0') {
    const reset = Number(headers['x-ratelimit-reset']);
    if (Number.isFinite(reset)) return Math.max(1, Math.ceil(reset - Date.now() / 1000));
  }
  return /secondary rate limit/i.test(githubMessage(error)) ? 60 : undefined;
}
