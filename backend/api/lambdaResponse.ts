import type { APIGatewayProxyResult } from 'hono/aws-lambda';
import type { ApiErrorCode } from '../../common/errors';
import type { ErrorLog } from './middleware/errors';

// What one Lambda invocation can answer. Lambda returns at most 6,291,456 bytes: the response
// object as JSON, the body base64-encoded when it is binary, headers included (AWS Lambda quotas,
// "Invocation payload (request and response)"). The API sends every body base64-encoded, so an
// answer's size follows from its body's alone; API Gateway decodes it before the client sees it.

export const LAMBDA_RESPONSE_LIMIT_BYTES = 6_291_456;

/** Room left for everything around the body: status, headers (a presigned URL, a file name), JSON punctuation. */
const ENVELOPE_ALLOWANCE_BYTES = 64 * 1024;

/** The largest body the API answers inline on Lambda: base64 makes every 3 bytes 4. */
export const MAX_INLINE_BODY_BYTES = Math.floor((LAMBDA_RESPONSE_LIMIT_BYTES - ENVELOPE_ALLOWANCE_BYTES) / 4) * 3;

/**
 * The result itself when Lambda can return it; otherwise a 500 that says why. Lambda would fail
 * the invocation instead, and API Gateway would answer a bare 502.
 */
export function withinResponseLimit(result: APIGatewayProxyResult, log: ErrorLog): APIGatewayProxyResult {
  const bytes = Buffer.byteLength(JSON.stringify(result));
  if (bytes <= LAMBDA_RESPONSE_LIMIT_BYTES) return result;
  log.error(
    `An answer of ${bytes} bytes is over Lambda's ${LAMBDA_RESPONSE_LIMIT_BYTES}-byte limit; sent a 500 instead`,
  );
  const error = {
    code: 'INTERNAL',
    message: `The answer is too large for AWS Lambda (${bytes} bytes, at most ${LAMBDA_RESPONSE_LIMIT_BYTES}); the server's log has the details`,
  } satisfies { code: ApiErrorCode; message: string };
  return {
    statusCode: 500,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ error }),
    isBase64Encoded: false,
  };
}
