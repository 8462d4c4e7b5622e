import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { API_ERRORS, type ApiErrorCode } from '../../../common/errors';
import { HostRateLimited, HostUnavailable } from '../../hosts/codeHost';

/** Answers `{"error": {"code", "message"}}` with the status that belongs to the code. */
export function apiError(c: Context, code: ApiErrorCode, message: string): Response {
  return c.json({ error: { code, message } }, API_ERRORS[code] as ContentfulStatusCode);
}

/** Thrown from helpers (body parsing, tokens) to end a request with a 4xx. */
export class RequestError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

/** Errors that mean the database or artifact store could not be reached, not that we are broken. */
export function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: string; name?: string }).code ?? (error as { name?: string }).name;
  return [
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'EPIPE',
    'TimeoutError',
    'ProvisionedThroughputExceededException',
    'ThrottlingException',
    'RequestLimitExceeded',
  ].includes(code ?? '');
}

export interface ErrorLog {
  error(message: string, details?: unknown): void;
}

export function onError(log: ErrorLog) {
  return (error: Error, c: Context): Response => {
    if (error instanceof RequestError) return apiError(c, error.code, error.message);
    // The code host's trouble is no bug of ours: the caller is told it, and how long to wait.
    if (error instanceof HostRateLimited) return apiError(c, 'HOST_UNAVAILABLE', `${error.message}: try again then`);
    if (error instanceof HostUnavailable) return apiError(c, 'HOST_UNAVAILABLE', error.message);
    if (isUnavailable(error)) {
      log.error(`${c.req.method} ${c.req.path}: storage unavailable`, error);
      return apiError(c, 'UNAVAILABLE', 'Storage is unavailable for the moment; try again shortly');
    }
    // Never a stack trace to the caller: the details go to the server's log.
    log.error(`${c.req.method} ${c.req.path} failed`, error);
    return apiError(c, 'INTERNAL', 'The server failed to handle this request; its log has the details');
  };
}
