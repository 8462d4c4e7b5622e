import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { ArtifactStore } from './artifactStore';
import { FolderArtifactStore } from './folderArtifactStore';
import { S3ArtifactStore } from './s3ArtifactStore';

export type { ArtifactStore, StoredArtifact } from './artifactStore';
export { FolderArtifactStore } from './folderArtifactStore';
export { S3ArtifactStore } from './s3ArtifactStore';

/** `CODY_BATCH_ARTIFACTS`: `s3://bucket` or a folder; S3 signed with `credentials` when given. */
export function artifactStoreFrom(
  location: string,
  options: { s3Endpoint?: string; credentials?: AwsCredentialIdentityProvider } = {},
): ArtifactStore {
  const s3 = /^s3:\/\/([^/]+)\/?$/.exec(location);
  if (s3)
    return new S3ArtifactStore({ bucket: s3[1]!, endpoint: options.s3Endpoint, credentials: options.credentials });
  if (location.startsWith('s3://')) throw new Error(`CODY_BATCH_ARTIFACTS must be s3://bucket, not ${location}`);
  return new FolderArtifactStore(location);
}
