import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import type { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Checksum, SourceData } from '@smithy/types';
import type { RequestAuth } from './client';

// SigV4 for API Gateway's IAM auth (service `execute-api`), with the caller's AWS profile or the
// default credential chain. Shared by the extension and the CLI.

export interface SigV4Options {
  region: string;
  /** A profile from ~/.aws/config; empty for the default chain. */
  profile?: string;
  /** For tests and callers that already hold credentials. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

/**
 * SHA-256 and HMAC-SHA256 from Node's crypto, for SignatureV4: every signature (ours, and the local
 * DynamoDB guard's check of each request) hashes the body and runs five HMACs, which the pure
 * JavaScript `@aws-crypto/sha256-js` made several times slower (bench/api.ts's profile).
 */
export class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }

  update(data: Uint8Array | string): void {
    this.hash.update(data);
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256');
    const secret = this.secret;
    const key =
      typeof secret === 'string'
        ? secret
        : ArrayBuffer.isView(secret)
          ? new Uint8Array(secret.buffer, secret.byteOffset, secret.byteLength)
          : new Uint8Array(secret);
    return createHmac('sha256', key);
  }
}

/**
 * The chain (for a profile: its SSO, ini, process and role settings), cached until it nears expiry:
 * a poll a second must not read the files or call STS each time. The SDK's providers load on first
 * use, so commands that never sign do not pay for them at start.
 */
export function credentialsFor(profile: string | undefined): AwsCredentialIdentityProvider {
  let chain: Promise<AwsCredentialIdentityProvider> | undefined;
  return async (options) => {
    chain ??= import('./sigv4Sdk').then(({ fromNodeProviderChain }) =>
      fromNodeProviderChain(profile ? { profile } : {}),
    );
    return (await chain)(options);
  };
}

/** Signs each request with SigV4; the signer loads with the first one (common/sigv4Sdk.ts). */
export function sigv4Auth(options: SigV4Options): RequestAuth {
  let signer: Promise<SignatureV4> | undefined;
  return async (request) => {
    signer ??= import('./sigv4Sdk').then(
      ({ SignatureV4 }) =>
        new SignatureV4({
          service: 'execute-api',
          region: options.region,
          credentials: options.credentials ?? credentialsFor(options.profile),
          sha256: NodeSha256,
        }),
    );
    const query: Record<string, string> = {};
    for (const [key, value] of request.url.searchParams) query[key] = value;
    const signed = await (await signer).sign({
      method: request.method,
      protocol: request.url.protocol,
      hostname: request.url.hostname,
      port: request.url.port ? Number(request.url.port) : undefined,
      path: request.url.pathname,
      query,
      headers: { ...request.headers, host: request.url.host },
      body: request.body,
    });
    // fetch sets Host itself; every other signed header is sent as signed.
    const { host: _host, ...headers } = signed.headers;
    return headers;
  };
}

/** `eu-west-1` from `https://abc.execute-api.eu-west-1.amazonaws.com/...`. */
export function regionFromApiUrl(apiUrl: string): string | undefined {
  try {
    return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(new URL(apiUrl).hostname)?.[1];
  } catch {
    return undefined;
  }
}
