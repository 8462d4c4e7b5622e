import type { S3Client } from '@aws-sdk/client-s3';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { type ArtifactStore, assertSafeKey, type StoredArtifact } from './artifactStore';

// Artifacts in S3. The S3 client (and the presigner) load with the first artifact read or written,
// not with the process: the API Lambda answers most routes without them.

type S3Module = typeof import('./s3Sdk');

export interface S3ArtifactStoreOptions {
  bucket: string;
  client?: S3Client;
  /** An S3-compatible endpoint (tests use a loopback server). */
  endpoint?: string;
  region?: string;
  /** What to sign with (a worker's job-scoped session on AWS); the default chain otherwise. */
  credentials?: AwsCredentialIdentityProvider;
}

export class S3ArtifactStore implements ArtifactStore {
  readonly bucket: string;
  private loaded?: Promise<{ s3: S3Module; client: S3Client }>;

  constructor(private readonly options: S3ArtifactStoreOptions) {
    this.bucket = options.bucket;
  }

  /** The SDK's module and the client, loaded once. */
  private sdk(): Promise<{ s3: S3Module; client: S3Client }> {
    this.loaded ??= import('./s3Sdk').then((s3) => ({
      s3,
      client:
        this.options.client ??
        new s3.S3Client({
          endpoint: this.options.endpoint,
          forcePathStyle: this.options.endpoint !== undefined,
          region: this.options.region ?? process.env.AWS_REGION ?? 'us-east-1',
          ...(this.options.credentials ? { credentials: this.options.credentials } : {}),
        }),
    }));
    return this.loaded;
  }

  async put(key: string, body: string | Buffer, contentType: string): Promise<void> {
    assertSafeKey(key);
    const { s3, client } = await this.sdk();
    await client.send(new s3.PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
  }

  async get(key: string): Promise<StoredArtifact | undefined> {
    assertSafeKey(key);
    const { s3, client } = await this.sdk();
    try {
      const result = await client.send(new s3.GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const bytes = await result.Body!.transformToByteArray();
      return { body: Buffer.from(bytes), contentType: result.ContentType ?? 'application/octet-stream' };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async size(key: string): Promise<number | undefined> {
    assertSafeKey(key);
    const { s3, client } = await this.sdk();
    try {
      const result = await client.send(new s3.HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return result.ContentLength ?? 0;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async presignedUrl(key: string, expiresInSeconds: number): Promise<string> {
    assertSafeKey(key);
    const { s3, client } = await this.sdk();
    return s3.getSignedUrl(client, new s3.GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: expiresInSeconds,
    });
  }

  async deletePrefix(prefix: string): Promise<void> {
    assertSafeKey(prefix.replace(/\/$/, ''));
    const { s3, client } = await this.sdk();
    let token: string | undefined;
    do {
      const page = await client.send(
        new s3.ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      const objects = (page.Contents ?? []).map((object) => ({ Key: object.Key! }));
      if (objects.length)
        await client.send(new s3.DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: objects } }));
      token = page.NextContinuationToken;
    } while (token);
  }
}

function isMissing(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  if (name === 'NoSuchKey' || name === 'NotFound') return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status === 404;
}
