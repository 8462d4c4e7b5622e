import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { describeIssues } from '../../../common/schemas';
import { apiError, RequestError } from './errors';

/**
 * Refuses bodies over `maxBytes` with 413, whether or not they announce their length. The rest of
 * the body is read and dropped first (up to four times the limit), so a client still sending gets
 * the answer instead of a broken pipe; past that the connection is closed unread.
 */
export function limitBody(maxBytes: number): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: async (c) => {
      if (!(await drain(c.req.raw.body, 4 * maxBytes))) c.header('connection', 'close');
      return apiError(c, 'PAYLOAD_TOO_LARGE', `The request body is over the ${maxBytes}-byte limit`);
    },
  });
  // A GET or HEAD has no body here (a fetch Request cannot carry one, on Node or Lambda); asking
  // for it would build the whole Request (an AbortController, a stream) for nothing at every read.
  return (c, next) => (c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limit(c, next));
}

/** Reads a body to its end and drops it; false when it is longer than `cap` or cannot be read. */
async function drain(body: ReadableStream<Uint8Array> | null, cap: number): Promise<boolean> {
  if (!body) return true;
  let reader: ReadableStreamDefaultReader<Uint8Array>;
  try {
    reader = body.getReader();
  } catch {
    return false; // already read (a body without a length, counted as it came)
  }
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return true;
      total += value.byteLength;
      if (total > cap) {
        await reader.cancel();
        return false;
      }
    }
  } catch {
    return false;
  }
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
