import { createHmac, hash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { EventEmitter } from 'node:events';
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

export interface Refusal {
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
  const verifier = new SignatureVerifier(options.credentials);
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const early = refuseEarly(request, options);
    if (early) return refuse(response, early);
    readBody(
      request,
      (body) => {
        if (body === undefined) return refuse(response, { status: 413, type: 'RequestEntityTooLarge', message: '' });
        const refusal = verifier.verify(request, body);
        if (refusal) return refuse(response, refusal);
        replay(request, body, (copy) => {
          for (const handler of handlers) handler(copy, response);
        });
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

/** Signing keys kept at once: one per day and region a client signs for (normally one). */
const MAX_SIGNING_KEYS = 8;

/**
 * Recomputes a request's SigV4 signature with the stack's secret, from the request as received:
 * the headers it says it signed, its body and its time, with Node's native SHA-256 and HMAC and
 * the signing key derived once per day and region (AWS's own rule: a key is valid for its day).
 * It checks only what DynamoDB's JSON protocol sends — `POST /`, no query — and refuses the rest.
 * SignatureV4 from the AWS SDK did the same work with a JavaScript SHA-256 and a key lookup that
 * costs an HMAC per request: the guard then cost more CPU per request than dynalite's own GetItem
 * (bench/api.ts).
 */
export class SignatureVerifier {
  private readonly keys = new Map<string, Buffer>();
  private readonly accessKeyId: Buffer;
  /** The last `x-amz-date` parsed and its time: a client signs many requests within one second. */
  private lastDate = { text: '', time: Number.NaN };

  constructor(private readonly credentials: DynamoCredentials) {
    this.accessKeyId = Buffer.from(credentials.accessKeyId);
  }

  /** Undefined when the request is signed with the stack's credentials; else why not. */
  verify(request: IncomingMessage, body: Buffer): Refusal | undefined {
    const authorization = String(request.headers.authorization);
    const credential = /Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request\s*,/.exec(authorization);
    const signedHeaders = /SignedHeaders=([a-z0-9;-]+)/.exec(authorization)?.[1]?.split(';') ?? [];
    const signature = /Signature=([0-9a-f]{64})\s*$/.exec(authorization)?.[1];
    if (!credential || !signature || signedHeaders.length === 0)
      return { status: 400, type: 'IncompleteSignatureException', message: 'Malformed Authorization header' };
    const [, keyId, day, region, service] = credential as unknown as [string, string, string, string, string];
    if (!sameBytes(Buffer.from(keyId), this.accessKeyId))
      return {
        status: 400,
        type: 'UnrecognizedClientException',
        message: 'The security token included in the request is invalid.',
      };
    if (service !== 'dynamodb' || !signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date'))
      return SIGNATURE_MISMATCH;
    // SigV4 lists the signed headers sorted, each once; another order is another signature.
    for (let i = 1; i < signedHeaders.length; i++)
      if (signedHeaders[i - 1]! >= signedHeaders[i]!) return SIGNATURE_MISMATCH;
    const amzDate = String(request.headers['x-amz-date'] ?? '');
    const signedAt = this.timeOf(amzDate);
    if (Number.isNaN(signedAt) || amzDate.slice(0, 8) !== day) return SIGNATURE_MISMATCH;
    if (Math.abs(Date.now() - signedAt) > MAX_CLOCK_SKEW_MS)
      return {
        status: 400,
        type: 'InvalidSignatureException',
        message: `Signature expired or not yet valid: ${amzDate}`,
      };
    // DynamoDB's JSON protocol posts to `/` with no query: a presigned URL (X-Amz-Signature in the
    // query) or any other path is not one of our clients.
    if (request.url !== '/') return SIGNATURE_MISMATCH;
    // One-shot hashes: createHash builds a stream object per call, which cost more than the hashing.
    const payloadHash = hash('sha256', body, 'hex');
    // A payload hash the client states must be the body's: "UNSIGNED-PAYLOAD" would leave it unsigned.
    const statedHash = request.headers['x-amz-content-sha256'];
    if (statedHash !== undefined && statedHash !== payloadHash) return SIGNATURE_MISMATCH;

    let canonical = `${request.method}\n/\n\n`;
    for (const name of signedHeaders) {
      const value = request.headers[name];
      if (value === undefined) return SIGNATURE_MISMATCH;
      canonical += `${name}:${(Array.isArray(value) ? value.join(',') : value).trim().replace(/\s+/g, ' ')}\n`;
    }
    canonical += `\n${signedHeaders.join(';')}\n${payloadHash}`;
    const scope = `${day}/${region}/dynamodb/aws4_request`;
    const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${hash('sha256', canonical, 'hex')}`;
    const expected = createHmac('sha256', this.signingKey(scope, day, region))
      .update(stringToSign)
      .digest();
    // Both 32 bytes: the signature matched 64 lowercase hex digits, which decode one way only.
    return sameBytes(expected, Buffer.from(signature, 'hex')) ? undefined : SIGNATURE_MISMATCH;
  }

  /** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), "dynamodb"), "aws4_request"). */
  private signingKey(scope: string, day: string, region: string): Buffer {
    let key = this.keys.get(scope);
    if (!key) {
      const hmac = (secret: string | Buffer, data: string) => createHmac('sha256', secret).update(data).digest();
      key = hmac(hmac(hmac(hmac(`AWS4${this.credentials.secretAccessKey}`, day), region), 'dynamodb'), 'aws4_request');
      // Any region a signer names costs a derivation; never more than a few kept.
      if (this.keys.size >= MAX_SIGNING_KEYS) this.keys.clear();
      this.keys.set(scope, key);
    }
    return key;
  }

  /** `20260101T120000Z` as milliseconds, NaN when it is not a time. */
  private timeOf(amzDate: string): number {
    if (amzDate !== this.lastDate.text) this.lastDate = { text: amzDate, time: parseAmzDate(amzDate) };
    return this.lastDate.time;
  }
}

/** `20260101T120000Z` as milliseconds since the epoch, or NaN when it is not a valid time. */
function parseAmzDate(value: string): number {
  const match = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(value);
  if (!match) return Number.NaN;
  const [, year, month, day, hour, minute, second] = match;
  return new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}Z`).getTime();
}

/** Equal bytes, compared in constant time when the lengths match (the lengths are not secret). */
function sameBytes(left: Buffer, right: Buffer): boolean {
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Calls `done` with the whole body, or undefined once it passes dynalite's limit; `failed` if the
 * request breaks first. Callbacks, not a promise: the check then runs in the 'end' event itself.
 */
function readBody(request: IncomingMessage, done: (body: Buffer | undefined) => void, failed: () => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  request.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) return void chunks.push(chunk);
    request.removeAllListeners('data');
    request.resume();
    done(undefined);
  });
  request.on('end', () => {
    if (size > MAX_BODY_BYTES) return;
    // A body in one chunk (DynamoDB's requests are small) is handed on as it came, not copied.
    done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
  });
  request.on('error', failed);
}

/**
 * The request again, for dynalite: its method, URL and headers, and the body already read, told as
 * a request tells it ('data', then 'end') once the handlers have subscribed. An event emitter, not a
 * stream: dynalite only listens for those events, and a stream per request cost measurable CPU.
 */
function replay(request: IncomingMessage, body: Buffer, handle: (copy: IncomingMessage) => void): void {
  const copy = Object.assign(new EventEmitter(), {
    method: request.method,
    url: request.url,
    headers: request.headers,
    rawHeaders: request.rawHeaders,
    httpVersion: request.httpVersion,
    socket: request.socket,
  });
  handle(copy as unknown as IncomingMessage);
  if (body.length > 0) copy.emit('data', body);
  copy.emit('end');
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
