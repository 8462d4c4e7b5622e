import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type ArtifactStore, assertSafeKey, type StoredArtifact } from './artifactStore';

const CONTENT_TYPES: Record<string, string> = {
  '.patch': 'text/x-diff',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** Artifacts as files under one folder; the content type follows from the file's extension. */
export class FolderArtifactStore implements ArtifactStore {
  constructor(readonly root: string) {}

  async put(key: string, body: string | Buffer): Promise<void> {
    const file = this.pathOf(key);
    await mkdir(path.dirname(file), { recursive: true });
    // Write then rename, so a reader never sees half a thread.json while a worker saves it.
    const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(temporary, body);
    await rename(temporary, file);
  }

  async get(key: string): Promise<StoredArtifact | undefined> {
    const file = this.pathOf(key);
    try {
      const body = await readFile(file);
      return { body, contentType: CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream' };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async size(key: string): Promise<number | undefined> {
    try {
      return (await stat(this.pathOf(key))).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async deletePrefix(prefix: string): Promise<void> {
    assertSafeKey(prefix.replace(/\/$/, ''));
    await rm(path.join(this.root, prefix), { recursive: true, force: true });
  }

  /** The file behind a key, for local tools (the CLI prints where each diff is). */
  pathOf(key: string): string {
    assertSafeKey(key);
    return path.join(this.root, ...key.split('/'));
  }
}
