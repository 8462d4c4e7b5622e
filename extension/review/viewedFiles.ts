import { createHash } from 'node:crypto';
import { MAX_OPEN_KEYS } from '../../common/webviewProtocol';

// The files a reviewer marked Viewed in the diff view, as the GitHub Pull Requests extension keeps
// them: per reviewer (the connection: API and identity), job, repository, attempt and patch, in the
// extension's global state, so they survive closing the panel and reloading the window, and a new
// attempt or another patch starts with nothing viewed. The oldest repositories are forgotten past
// a bound, so the state does not grow without end. No vscode: `store` is a Memento.

export interface KeyValueStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void> | Promise<void>;
}

export interface ViewedScope {
  /** Who reviews: the connection's API and identity. */
  reviewer: string;
  jobId: string;
  repositoryName: string;
  attempt: number;
  /** The patch's text: another patch for the same attempt starts over. */
  patch: string;
}

interface Entry {
  paths: string[];
  at: number;
}

export const VIEWED_KEY = 'codyBatch.viewedFiles';

/** A short digest of the patch: enough to tell two patches apart. */
export function patchIdentity(patch: string): string {
  return createHash('sha256').update(patch).digest('hex').slice(0, 16);
}

export function viewedKey(scope: ViewedScope): string {
  return JSON.stringify([scope.reviewer, scope.jobId, scope.repositoryName, scope.attempt, patchIdentity(scope.patch)]);
}

export class ViewedFiles {
  constructor(
    private readonly store: KeyValueStore,
    private readonly limit = 2000,
    private readonly now: () => number = Date.now,
  ) {}

  get(scope: ViewedScope): string[] {
    return this.entries()[viewedKey(scope)]?.paths ?? [];
  }

  async set(scope: ViewedScope, path: string, viewed: boolean): Promise<string[]> {
    const entries = this.entries();
    const key = viewedKey(scope);
    const paths = new Set(entries[key]?.paths ?? []);
    if (viewed) paths.add(path);
    else paths.delete(path);
    if (paths.size === 0) delete entries[key];
    else entries[key] = { paths: [...paths].slice(0, MAX_OPEN_KEYS), at: this.now() };
    await this.store.update(VIEWED_KEY, this.trimmed(entries));
    return [...paths];
  }

  private entries(): Record<string, Entry> {
    const raw = this.store.get<unknown>(VIEWED_KEY);
    if (!raw || typeof raw !== 'object') return {};
    const entries: Record<string, Entry> = {};
    for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
      const entry = value as Partial<Entry> | null;
      if (entry && Array.isArray(entry.paths) && typeof entry.at === 'number')
        entries[key] = { paths: entry.paths.filter((path): path is string => typeof path === 'string'), at: entry.at };
    }
    return entries;
  }

  /** The most recently changed `limit` repositories. */
  private trimmed(entries: Record<string, Entry>): Record<string, Entry> {
    const all = Object.entries(entries);
    if (all.length <= this.limit) return entries;
    return Object.fromEntries(all.sort(([, a], [, b]) => b.at - a.at).slice(0, this.limit));
  }
}
