import type { z } from 'zod';
import { ApiErrorBody } from './errors';

// How the typed client (common/client.ts) talks to the API: authentication, one request with its
// timeout, an answer checked against its schema, an artifact behind a redirect, an error answer
// as an ApiError. Auth is pluggable: a bearer token for the local stack, SigV4 for API Gateway's
// IAM auth (`sigv4.ts`).

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

/** Sends the client's requests and reads their answers. */
export class ApiTransport {
  readonly baseUrl: URL;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: ClientOptions) {
    this.baseUrl = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
    this.fetchImpl = options.fetch ?? fetch;
  }

  /**
   * GETs a diff, thread or log. One too large to answer inline lives in S3, behind a redirect to a
   * presigned URL, which is followed by hand: the URL carries its own signature, and our auth
   * headers (a bearer token, SigV4's session token) must not go along.
   */
  async artifact(path: string, what: string): Promise<Response> {
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

  async json<T extends z.ZodType>(method: string, path: string, schema: T, body?: unknown): Promise<z.infer<T>> {
    return this.parse(await this.send(method, path, body), method, path, schema);
  }

  async parse<T extends z.ZodType>(response: Response, method: string, path: string, schema: T): Promise<z.infer<T>> {
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

export function withQuery(path: string, query: object): string {
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
