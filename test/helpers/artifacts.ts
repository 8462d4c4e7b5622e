import { rm } from 'node:fs/promises';
import S3rver from 's3rver';
import { type ArtifactStore, FolderArtifactStore, S3ArtifactStore } from '../../backend/store/artifacts';
import { makeTempDir } from './localStack';

// The two artifact stores tests run against: a temporary folder, and S3 through the real SDK client
// against a loopback S3-compatible server (s3rver) with the bucket made.

export type ArtifactStoreKind = 'folder' | 's3';

export interface OpenArtifactStore {
  store: ArtifactStore;
  /** Stops the server (for S3) and removes what it wrote. */
  close(): Promise<void>;
}

export async function openArtifactStore(kind: ArtifactStoreKind): Promise<OpenArtifactStore> {
  if (kind === 'folder') {
    const root = await makeTempDir('cody-batch-artifacts-');
    return { store: new FolderArtifactStore(root), close: () => rm(root, { recursive: true, force: true }) };
  }
  const directory = await makeTempDir('cody-batch-s3rver-');
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: 'cody-batch-test-artifacts' }],
  });
  const { port } = await server.run();
  process.env.AWS_ACCESS_KEY_ID ??= 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'S3RVER';
  const store = new S3ArtifactStore({
    bucket: 'cody-batch-test-artifacts',
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
  });
  return {
    store,
    close: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
