import { HostRateLimited, HostUnavailable } from '../codeHost';

// GitLab's REST API v4 over fetch, as Cody Batch uses it. Not @gitbeaker/rest: its bundle is about
// 240 KB minified (every resource of the API in one class), the API Lambda would parse it at every
// cold start, and what we need of it is this file: a bearer token, GitLab's two pagination styles
// (`Link: <…>; rel="next"`, and `X-Next-Page` where an endpoint gives no Link), its rate limits
// (`RateLimit-Remaining`/`RateLimit-Reset` on every answer, 429 with `Retry-After` when exceeded),
// and retries of server errors. Waits longer than the caller allows are HostRateLimited, so an API
// request can hand them to its client, which shows them.

export interface GitLabClientOptions {
  /** The instance, `https://gitlab.com`; the API is under `/api/v4`. */
  baseUrl: string;
  token?: string;
  /** The longest rate-limit wait sat out (default 60 s). */
  maxRateLimitWaitSeconds?: number;
  /** Told each wait sat out, with what was waited for. */
  onRateLimitWait?: (seconds: number, what: string) => void;
  /** For tests: how long a wait of n seconds sleeps (default n seconds). */
  sleep?: (ms: number) => Promise<void>;
}

/** A GitLab answer that was not a success: its status and GitLab's own words. */
export class GitLabError extends Error {
  override name = 'GitLabError';
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | boolean | readonly (string | number)[] | undefined>;

/** Server errors are tried this many times in all. */
const ATTEMPTS = 3;
/** Items a page asks for: GitLab's most. */
export const PER_PAGE = 100;

export class GitLabClient {
  private readonly apiUrl: string;
  private readonly maxWait: number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** When the rate limit's window resets, once GitLab said none are left in it (epoch ms). */
  private exhaustedUntil = 0;

  constructor(private readonly options: GitLabClientOptions) {
    this.apiUrl = `${options.baseUrl.replace(/\/+$/, '')}/api/v4`;
    this.maxWait = options.maxRateLimitWaitSeconds ?? 60;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, { query }).then(({ body }) => body);
  }

  /**
   * The last `maxBytes` of a GET of plain text (a job's trace): read as it streams, so a log of
   * gigabytes that a repository's CI printed costs no more memory than its tail.
   */
  textTail(path: string, maxBytes: number): Promise<string> {
    return this.request<string>('GET', path, { tailBytes: maxBytes }).then(({ body }) => body);
  }

  /** A GET whose 404 is an answer: undefined. */
  async find<T>(path: string, query?: Query): Promise<T | undefined> {
    try {
      return await this.get<T>(path, query);
    } catch (error) {
      if (error instanceof GitLabError && error.status === 404) return undefined;
      throw error;
    }
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, { body }).then(({ body }) => body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, { body }).then(({ body }) => body);
  }

  async delete(path: string): Promise<void> {
    await this.request('DELETE', path, {});
  }

  /** Every item of a listing, page after page, following `Link` or else `X-Next-Page`. */
  async all<T>(path: string, query: Query = {}): Promise<T[]> {
    const items: T[] = [];
    for await (const page of this.pages<T>(path, query)) items.push(...page);
    return items;
  }

  /** A listing's pages, as GitLab gives them. */
  async *pages<T>(path: string, query: Query = {}): AsyncGenerator<T[]> {
    let next: string | undefined = this.url(path, { per_page: PER_PAGE, ...query });
    while (next) {
      const { body, headers } = await this.request<T[]>('GET', next, {});
      yield body;
      next = nextPage(next, headers);
    }
  }

  /** A path under the API (`/projects/…`) with its query, or an absolute URL GitLab gave (a `Link`). */
  private url(path: string, query: Query = {}): string {
    const url = new URL(/^https?:\/\//.test(path) ? path : `${this.apiUrl}${path}`);
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value) url.searchParams.append(`${key}[]`, String(item));
      else url.searchParams.set(key, String(value));
    }
    return url.toString();
  }

  private async request<T>(
    method: string,
    path: string,
    options: { query?: Query; body?: unknown; tailBytes?: number },
  ): Promise<{ body: T; headers: Headers }> {
    const url = this.url(path, options.query);
    const what = `${method} ${new URL(url).pathname.replace(/^\/api\/v4/, '')}`;
    for (let attempt = 1; ; attempt++) {
      await this.waitForWindow(what);
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers: {
            accept: options.tailBytes ? 'text/plain' : 'application/json',
            'user-agent': 'cody-batch',
            ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
            ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
        });
      } catch (error) {
        if (attempt < ATTEMPTS) {
          await this.sleep(250 * attempt);
          continue;
        }
        throw new HostUnavailable(`GitLab could not be reached: ${(error as Error).message}`);
      }
      this.noteWindow(response.headers);
      if (response.ok) {
        if (options.tailBytes)
          return { body: (await tailOf(response, options.tailBytes)) as T, headers: response.headers };
        const text = await response.text();
        return { body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
      }
      const message = gitlabMessage(await response.text(), response.status);
      if (response.status === 429) {
        const wait = retryAfter(response.headers);
        if (wait <= this.maxWait && attempt < ATTEMPTS) {
          this.options.onRateLimitWait?.(wait, what);
          await this.sleep(wait * 1000);
          this.exhaustedUntil = 0;
          continue;
        }
        throw new HostRateLimited(`GitLab's rate limit: it asks to wait ${wait} s before ${what}`, wait);
      }
      if (response.status >= 500 && attempt < ATTEMPTS) {
        await this.sleep(250 * attempt);
        continue;
      }
      throw new GitLabError(response.status, message);
    }
  }

  /** GitLab said the window is spent: the next request waits for its reset (or fails, if that is too long). */
  private async waitForWindow(what: string): Promise<void> {
    const wait = Math.ceil((this.exhaustedUntil - Date.now()) / 1000);
    if (wait <= 0) return;
    if (wait > this.maxWait)
      throw new HostRateLimited(`GitLab's rate limit: it asks to wait ${wait} s before ${what}`, wait);
    this.options.onRateLimitWait?.(wait, what);
    await this.sleep(wait * 1000);
    this.exhaustedUntil = 0;
  }

  private noteWindow(headers: Headers): void {
    if (headers.get('ratelimit-remaining') !== '0') return;
    const reset = Number(headers.get('ratelimit-reset'));
    if (Number.isFinite(reset) && reset > 0) this.exhaustedUntil = reset * 1000;
  }
}

/** The end of a response's body, at most `maxBytes`, starting at a whole line when it was cut. */
async function tailOf(response: Response, maxBytes: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let kept = 0;
  let cut = false;
  for await (const chunk of response.body ?? []) {
    chunks.push(chunk);
    kept += chunk.byteLength;
    while (chunks.length > 1 && kept - chunks[0]!.byteLength >= maxBytes) {
      kept -= chunks.shift()!.byteLength;
      cut = true;
    }
  }
  let bytes = Buffer.concat(chunks);
  if (bytes.byteLength > maxBytes) {
    bytes = bytes.subarray(bytes.byteLength - maxBytes);
    cut = true;
  }
  const text = bytes.toString('utf8');
  return cut ? text.slice(text.indexOf('\n') + 1) : text;
}

/** The next page's URL: `Link: <…>; rel="next"`, else `X-Next-Page` on the same URL; undefined on the last. */
export function nextPage(current: string, headers: Headers): string | undefined {
  const link = headers.get('link');
  if (link) {
    for (const part of link.split(',')) {
      const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
      if (match) return match[1];
    }
  }
  const page = headers.get('x-next-page');
  if (!page) return undefined;
  const url = new URL(current);
  url.searchParams.set('page', page);
  return url.toString();
}

function retryAfter(headers: Headers): number {
  const value = Number(headers.get('retry-after'));
  if (Number.isFinite(value) && value >= 0) return Math.max(1, Math.ceil(value));
  const reset = Number(headers.get('ratelimit-reset'));
  if (Number.isFinite(reset) && reset > 0) return Math.max(1, Math.ceil(reset - Date.now() / 1000));
  return 60;
}

/** GitLab's own words for a failure: `message` (a string, a list, or fields with lists) or `error`. */
function gitlabMessage(text: string, status: number): string {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return text.trim().slice(0, 300) || `HTTP ${status}`;
  }
  const { message, error } = (data ?? {}) as { message?: unknown; error?: unknown };
  const words = message ?? error;
  if (typeof words === 'string') return words;
  if (Array.isArray(words)) return words.join('; ');
  if (words && typeof words === 'object')
    return Object.entries(words)
      .map(([field, value]) => `${field} ${Array.isArray(value) ? value.join(', ') : String(value)}`)
      .join('; ');
  return `HTTP ${status}`;
}

/** A project's id in a path: its full path, URL-encoded (`acme%2Fplatform%2Fwidgets`). */
export function projectPath(repositoryName: string): string {
  return `/projects/${encodeURIComponent(repositoryName)}`;
}
