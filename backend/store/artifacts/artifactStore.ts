// Where a repository's diff.patch, thread.json and log.txt live: S3 on AWS, a folder locally.

export interface StoredArtifact {
  body: Buffer;
  contentType: string;
}

export interface ArtifactStore {
  put(key: string, body: string | Buffer, contentType: string): Promise<void>;
  /** Undefined when there is no such artifact. */
  get(key: string): Promise<StoredArtifact | undefined>;
  /** The artifact's size in bytes, or undefined when it does not exist. */
  size(key: string): Promise<number | undefined>;
  /** A time-limited URL to download it without our auth, where the store can make one. */
  presignedUrl?(key: string, expiresInSeconds: number): Promise<string>;
  /** Removes every artifact under a prefix (a job's `jobs/{jobId}/`). */
  deletePrefix(prefix: string): Promise<void>;
}

/**
 * Artifact keys come from validated job ids and repository names (`~` joins the groups of a name of
 * three or more segments: common/repositoryNames.ts, artifactFolderOf); this refuses anything else.
 */
export function assertSafeKey(key: string): void {
  if (
    !/^[A-Za-z0-9._~\-/]+$/.test(key) ||
    key.split('/').some((part) => part === '' || part === '.' || part === '..')
  ) {
    throw new Error(`Unsafe artifact key: ${JSON.stringify(key)}`);
  }
}
