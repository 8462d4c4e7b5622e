import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';

// Octokit as Cody Batch uses it: GitHub's REST API (or GitHub Enterprise's, through its API URL),
// waiting out primary and secondary rate limits and retrying server errors.

const GitHub = Octokit.plugin(throttling, retry);
export type GitHubClient = InstanceType<typeof GitHub>;

export function createGitHubClient(options: { token?: string; baseUrl: string; userAgent?: string }): GitHubClient {
  return new GitHub({
    auth: options.token,
    baseUrl: options.baseUrl,
    userAgent: options.userAgent ?? 'cody-batch',
    throttle: {
      // Wait out primary and secondary rate limits twice, then let the request fail.
      onRateLimit: (_retryAfter: number, _options: object, _octokit: unknown, retryCount: number) => retryCount < 2,
      onSecondaryRateLimit: (_retryAfter: number, _options: object, _octokit: unknown, retryCount: number) =>
        retryCount < 2,
    },
    retry: { retries: 3 },
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
  });
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
