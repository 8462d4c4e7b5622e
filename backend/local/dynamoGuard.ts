import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { DynamoCredentials } from '../../common/localHome';

// Who may reach the local DynamoDB: requests signed (SigV4) with the stack's own credentials,
// addressed to its loopback address, and sent by no browser. dynalite checks none of this: it
// accepts any signature and answers CORS preflights for any origin, so a web page the developer
// visits, or another local user, could otherwise write rows the stack then runs.
//
// The guard sits in dynalite's own server (no second port): it takes over the server's request
// listener, reads the body, checks the request, and only then hands dynalite a copy of it.

/** dynalite's own limit on a request body. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;
/** How far a signature's time may be from ours, as AWS allows. */
const MAX_CLOCK_SKEW_MS = 15 * 60_000;

interface Refusal {
  status: number;
  type: string;
  message: string;
}

const SIGNATURE_MISMATCH: Refusal = {
  status: 400,
  type: 'InvalidSignatureException',
  message:
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
};

export interface GuardOptions {
  credentials: DynamoCredentials;
  /** The `host:port` values a request may name (the loopback address the server listens on). */
  hosts: () => readonly string[];
}

/** Puts the guard in front of the server's request listener (dynalite's handler). */
export function guardDynamo(server: Server, options: GuardOptions): void {
  const handlers = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  const signer = new SignatureV4({
    service: 'dynamodb',
    region: 'local',
    credentials: options.credentials,
    sha256: Sha256,
    // Sign exactly the headers the client signed: the AWS CLI sends no x-amz-content-sha256.
    applyChecksum: false,
  });
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const early = refuseEarly(request, options);
    if (early) return refuse(response, early);
    readBody(request).then(
      async (body) => {
        if (body === undefined) return refuse(response, { status: 413, type: 'RequestEntityTooLarge', message: '' });
        const refusal = await verifySignature(request, body, options.credentials, signer);
        if (refusal) return refuse(response, refusal);
        const copy = replay(request, body);
        for (const handler of handlers) handler(copy, response);
      },
      () => response.destroy(),
    );
  });
}

/** What can be refused from the headers alone: a browser, a foreign Host, a request with no signature. */
function refuseEarly(request: IncomingMessage, options: GuardOptions): Refusal | undefined {
  // Browsers send Origin with every cross-origin request and preflight; our clients never do.
  if (request.headers.origin !== undefined)
    return {
      status: 403,
      type: 'AccessDeniedException',
      message: 'The local Cody Batch DynamoDB does not answer browsers',
    };
  // A page that rebinds its own name to 127.0.0.1 still sends that name as Host.
  if (!options.hosts().includes(String(request.headers.host ?? '').toLowerCase()))
    return {
      status: 403,
      type: 'AccessDeniedException',
      message: `The local Cody Batch DynamoDB answers only requests addressed to ${options.hosts()[0]}`,
    };
  const authorization = request.headers.authorization;
  if (typeof authorization !== 'string' || !authorization.startsWith('AWS4-HMAC-SHA256 '))
    return {
      status: 400,
      type: 'MissingAuthenticationTokenException',
      message: 'Request is missing Authentication Token',
    };
  return undefined;
}

/**
 * Recomputes the request's SigV4 signature with the stack's secret, from the request as received:
 * the headers it says it signed, its body and its time. Undefined when it matches.
 */
async function verifySignature(
  request: IncomingMessage,
  body: Buffer,
  credentials: DynamoCredentials,
  signer: SignatureV4,
): Promise<Refusal | undefined> {
  const authorization = String(request.headers.authorization);
  const credential = /Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request\s*,/.exec(authorization);
  const signedHeaders = /SignedHeaders=([a-z0-9;-]+)/.exec(authorization)?.[1]?.split(';') ?? [];
  const signature = /Signature=([0-9a-f]{64})\s*$/.exec(authorization)?.[1];
  if (!credential || !signature || signedHeaders.length === 0)
    return { status: 400, type: 'IncompleteSignatureException', message: 'Malformed Authorization header' };
  const [, keyId, day, region, service] = credential as unknown as [string, string, string, string, string];
  if (!sameText(keyId, credentials.accessKeyId))
    return {
      status: 400,
      type: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    };
  if (service !== 'dynamodb' || !signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date'))
    return SIGNATURE_MISMATCH;
  const amzDate = String(request.headers['x-amz-date'] ?? '');
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate || amzDate.slice(0, 8) !== day) return SIGNATURE_MISMATCH;
  if (Math.abs(Date.now() - signingDate.getTime()) > MAX_CLOCK_SKEW_MS)
    return {
      status: 400,
      type: 'InvalidSignatureException',
      message: `Signature expired or not yet valid: ${amzDate}`,
    };
  // A payload hash the client states must be the body's: "UNSIGNED-PAYLOAD" would leave it unsigned.
  const statedHash = request.headers['x-amz-content-sha256'];
  if (statedHash !== undefined && statedHash !== createHash('sha256').update(body).digest('hex'))
    return SIGNATURE_MISMATCH;

  const url = new URL(request.url ?? '/', 'http://local');
  if (url.searchParams.has('X-Amz-Signature')) return SIGNATURE_MISMATCH; // header signatures only
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    query[key] = values.length === 1 ? values[0]! : values;
  }
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) return SIGNATURE_MISMATCH;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const expected = await signer.sign(
    { method: request.method!, protocol: 'http:', hostname: 'local', path: url.pathname, query, headers, body },
    { signingDate, signingRegion: region, signableHeaders: new Set(signedHeaders) },
  );
  const recomputed = /Signature=([0-9a-f]{64})$/.exec(String(expected.headers.authorization))?.[1] ?? '';
  const recomputedHeaders = /SignedHeaders=([^,]+),/.exec(String(expected.headers.authorization))?.[1];
  if (recomputedHeaders !== signedHeaders.join(';') || !sameText(recomputed, signature)) return SIGNATURE_MISMATCH;
  return undefined;
}

/** `20260101T120000Z` as a date, or undefined when it is not one. */
function parseAmzDate(value: string): Date | undefined {
  const match = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match;
  const date = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The whole body, or undefined once it passes dynalite's limit. */
function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        request.removeAllListeners('data');
        request.resume();
        resolve(undefined);
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** The request again, for dynalite: its method, URL and headers, and a stream of the body already read. */
function replay(request: IncomingMessage, body: Buffer): IncomingMessage {
  const copy = new PassThrough();
  Object.assign(copy, {
    method: request.method,
    url: request.url,
    headers: request.headers,
    rawHeaders: request.rawHeaders,
    httpVersion: request.httpVersion,
    socket: request.socket,
  });
  copy.end(body);
  return copy as unknown as IncomingMessage;
}

/** An answer in DynamoDB's error shape, which the SDKs and the AWS CLI report by its type. */
function refuse(response: ServerResponse, refusal: Refusal): void {
  const body = JSON.stringify({ __type: `com.amazon.coral.service#${refusal.type}`, message: refusal.message });
  response.writeHead(refusal.status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(body),
    // The body of a refused request may still be on its way: do not read it on this connection.
    connection: 'close',
  });
  response.end(body);
}
