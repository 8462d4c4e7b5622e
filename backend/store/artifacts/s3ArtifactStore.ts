import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { type ArtifactStore, assertSafeKey, type StoredArtifact } from './artifactStore';

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
  private readonly client: S3Client;

  constructor(options: S3ArtifactStoreOptions) {
    this.bucket = options.bucket;
    this.client =
      options.client ??
      new S3Client({
        endpoint: options.endpoint,
        forcePathStyle: options.endpoint !== undefined,
        region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
        ...(options.credentials ? { credentials: options.credentials } : {}),
      });
  }

  async put(key: string, body: string | Buffer, contentType: string): Promise<void> {
    assertSafeKey(key);
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }),
    );
  }

  async get(key: string): Promise<StoredArtifact | undefined> {
    assertSafeKey(key);
    try {
      const result = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const bytes = await result.Body!.transformToByteArray();
      return { body: Buffer.from(bytes), contentType: result.ContentType ?? 'application/octet-stream' };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async size(key: string): Promise<number | undefined> {
    assertSafeKey(key);
    try {
      const result = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return result.ContentLength ?? 0;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async presignedUrl(key: string, expiresInSeconds: number): Promise<string> {
    assertSafeKey(key);
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: expiresInSeconds,
    });
  }

  async deletePrefix(prefix: string): Promise<void> {
    assertSafeKey(prefix.replace(/\/$/, ''));
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      const objects = (page.Contents ?? []).map((object) => ({ Key: object.Key! }));
      if (objects.length)
        await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: objects } }));
      token = page.NextContinuationToken;
    } while (token);
  }
}

function isMissing(error: unknown): boolean {
  if (error instanceof NoSuchKey || error instanceof NotFound) return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status === 404;
}
