import * as vscode from 'vscode';
import type { Connection } from './connection/connection';
import type { RepositoryRef } from '../common/webviewProtocol';

// Patches fetched from the API, kept for a while: the diff view, the diff editor, apply and
// download all want the same text, and a 5 MB patch should be fetched once.

const MAX_BYTES = 64 * 1024 * 1024;

/** A patch as fetched, with the SHA-256 of its bytes (what a review of it sends back). */
export interface FetchedPatch {
  patch: string | undefined;
  digest?: string;
}

export class PatchStore {
  private readonly cache = new Map<string, FetchedPatch & { size: number }>();

  constructor(private readonly connection: Connection) {}

  /**
   * The patch (of `ref.attempt`, else the current attempt), or undefined when the repository made no
   * changes. `failed`: the kept change of a command job whose verification failed. `revision`: a
   * revision of the patch (0: the worker's own); absent: the current one (cleared on a new revision).
   */
  async get(ref: RepositoryRef, options: { failed?: boolean; revision?: number } = {}): Promise<string | undefined> {
    return (await this.fetch(ref, options)).patch;
  }

  /** As `get`, with the patch's digest. */
  async fetch(ref: RepositoryRef, options: { failed?: boolean; revision?: number } = {}): Promise<FetchedPatch> {
    const key = [
      ref.jobId,
      ref.repositoryName,
      ref.attempt ?? 'current',
      options.failed ? 'failed' : '',
      options.revision ?? 'current',
    ].join('\n');
    const cached = this.cache.get(key);
    if (cached) {
      // Most recently used last.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const { patch, digest } = await this.connection.client.getDiff(ref.jobId, ref.repositoryName, {
      attempt: ref.attempt,
      failed: options.failed,
      revision: options.revision,
    });
    const fetched = { patch, ...(digest ? { digest } : {}), size: patch?.length ?? 0 };
    this.cache.set(key, fetched);
    this.trim();
    return fetched;
  }

  clear(): void {
    this.cache.clear();
  }

  private trim(): void {
    let total = [...this.cache.values()].reduce((sum, entry) => sum + entry.size, 0);
    for (const [key, entry] of this.cache) {
      if (total <= MAX_BYTES || this.cache.size <= 1) break;
      this.cache.delete(key);
      total -= entry.size;
    }
  }
}

/** `shown`, the patch a view painted, else the current one, read under a progress notification. */
export function patchToUse(patches: PatchStore, ref: RepositoryRef, shown?: string): Promise<string | undefined> {
  if (shown !== undefined) return Promise.resolve(shown);
  return Promise.resolve(
    vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Cody Batch: downloading the patch of ${ref.repositoryName}…`,
      },
      () => patches.get(ref),
    ),
  );
}
