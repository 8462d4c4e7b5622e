import { Sha256 } from '@aws-crypto/sha256-js';
import { fromIni, fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
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

export function credentialsFor(profile: string | undefined): AwsCredentialIdentityProvider {
  return profile ? fromIni({ profile }) : fromNodeProviderChain();
}

export function sigv4Auth(options: SigV4Options): RequestAuth {
  const signer = new SignatureV4({
    service: 'execute-api',
    region: options.region,
    credentials: options.credentials ?? credentialsFor(options.profile),
    sha256: Sha256,
  });
  return async (request) => {
    const query: Record<string, string> = {};
    request.url.searchParams.forEach((value, key) => (query[key] = value));
    const signed = await signer.sign({
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
