import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { describeIssues } from '../../../common/schemas';
import { apiError, RequestError } from './errors';

/** Refuses bodies over `maxBytes` with 413, whether or not they announce their length. */
export function limitBody(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) => {
      // The rest of the body is left unread, so the connection cannot carry another request.
      c.header('connection', 'close');
      return apiError(c, 'PAYLOAD_TOO_LARGE', `The request body is over the ${maxBytes}-byte limit`);
    },
  });
}

/**
 * Reads and validates a JSON body. An empty body counts as `{}` when `emptyAllowed`, so
 * `POST /jobs/{id}/cancel` works with no body at all.
 */
export async function readJson<T extends z.ZodType>(
  c: Context,
  schema: T,
  options: { emptyAllowed?: boolean } = {},
): Promise<z.infer<T>> {
  let text: string;
  try {
    text = await c.req.text();
  } catch {
    // The client hung up mid-body: nobody is left to answer, and nothing of ours failed.
    throw new RequestError('VALIDATION_FAILED', 'The request body ended before its announced length');
  }
  let value: unknown;
  if (text.trim() === '' && options.emptyAllowed) {
    value = {};
  } else {
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/json\s*(;|$)/i.test(type)) {
      throw new RequestError(
        'UNSUPPORTED_MEDIA_TYPE',
        `Send the body as application/json${type ? `, not ${type.split(';')[0]}` : ''}`,
      );
    }
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new RequestError('INVALID_JSON', `The body is not valid JSON: ${(error as Error).message}`);
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new RequestError('VALIDATION_FAILED', describeIssues(parsed.error));
  return parsed.data;
}

/** Validates query parameters. */
export function readQuery<T extends z.ZodType>(c: Context, schema: T): z.infer<T> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw new RequestError('VALIDATION_FAILED', describeIssues(parsed.error));
  return parsed.data;
}
