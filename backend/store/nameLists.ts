import { createHash, randomBytes } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { keysBeginningWith } from './pages';
import type { NameList } from '../../common/schemas';
import type { RepositoriesTable } from './repositories';

// Lists of repository names kept out of the job item: a run (`job.run`) and a publish run
// (`job.publishRun.list`). A list is written once, in chunk items of the repositories table under
// the job's partition (`repositoryName` = `#list/{listId}/{chunk}`, which sorts before every
// repository name, so row queries never see them), and the job item holds only its id, size and
// each chunk's SHA-256. The digests are signed with the job (the API's signature, backend/store/signing.ts), so a
// chunk changed in the table is refused when it is read. A worker reads only the chunks of its
// shard.

/** Names per chunk item: 1,000 names of at most 140 characters are 141 KB, far under DynamoDB's 400 KB. */
export const NAME_LIST_CHUNK = 1_000;

const CHUNK_KEY_PREFIX = '#list/';

export class NameListTamperedError extends Error {
  constructor(jobId: string, listId: string, chunk: number) {
    super(`Job ${jobId}: chunk ${chunk} of name list ${listId} is missing or does not match its digest`);
    this.name = 'NameListTamperedError';
  }
}

function chunkKey(listId: string, chunk: number): string {
  return `${CHUNK_KEY_PREFIX}${listId}/${String(chunk).padStart(5, '0')}`;
}

function digestOf(names: readonly string[]): string {
  return createHash('sha256').update(names.join('\n')).digest('hex');
}

export class NameLists {
  /** Chunks already read and checked, by `{jobId}\n{listId}/{chunk}` (a worker reads its shard's once). */
  private readonly cache = new Map<string, readonly string[]>();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly rows: RepositoriesTable,
  ) {}

  /** Writes a new list for the job and returns what the job item keeps of it. */
  async write(jobId: string, names: readonly string[], expiresAt?: number): Promise<NameList> {
    const { list, items } = this.prepare(jobId, names, expiresAt);
    await this.rows.putItems(items);
    return list;
  }

  /**
   * A new list's chunk items, not yet written, and what the job item keeps of it: a create writes
   * them in the same batches as its rows (one BatchWriteItem for a small job, not two).
   */
  prepare(
    jobId: string,
    names: readonly string[],
    expiresAt?: number,
  ): { list: NameList; items: Record<string, unknown>[] } {
    const id = randomBytes(8).toString('hex');
    const chunks: string[][] = [];
    for (let offset = 0; offset < names.length; offset += NAME_LIST_CHUNK)
      chunks.push(names.slice(offset, offset + NAME_LIST_CHUNK));
    const items = chunks.map((chunk, index) => ({
      jobId,
      repositoryName: chunkKey(id, index),
      names: chunk,
      ...(expiresAt !== undefined ? { expiresAt } : {}),
    }));
    return { list: { id, size: names.length, digests: chunks.map(digestOf) }, items };
  }

  /** Names `start` to `end` (exclusive) of the list, checked against its digests. */
  async slice(jobId: string, list: NameList, start: number, end = list.size): Promise<string[]> {
    const from = Math.max(0, start);
    const to = Math.min(list.size, end);
    if (from >= to) return [];
    const names: string[] = [];
    const first = Math.floor(from / NAME_LIST_CHUNK);
    const last = Math.floor((to - 1) / NAME_LIST_CHUNK);
    for (let chunk = first; chunk <= last; chunk++) {
      const chunkNames = await this.chunk(jobId, list, chunk);
      const base = chunk * NAME_LIST_CHUNK;
      names.push(...chunkNames.slice(Math.max(0, from - base), to - base));
    }
    return names;
  }

  /** The whole list. */
  async all(jobId: string, list: NameList): Promise<string[]> {
    return this.slice(jobId, list, 0, list.size);
  }

  /** The list's i-th name, or undefined past its end. */
  async at(jobId: string, list: NameList, index: number): Promise<string | undefined> {
    if (!Number.isInteger(index) || index < 0 || index >= list.size) return undefined;
    return (await this.slice(jobId, list, index, index + 1))[0];
  }

  /** Deletes one list's chunks. */
  async deleteList(jobId: string, list: NameList): Promise<void> {
    await this.rows.deleteAll(
      jobId,
      list.digests.map((_, chunk) => chunkKey(list.id, chunk)),
    );
  }

  /** Deletes every chunk of the job's lists but `keep`'s (all of them when none is kept). */
  async deleteAll(jobId: string, keep?: readonly string[]): Promise<void> {
    const keys = await keysBeginningWith(this.doc, this.tableName, jobId, CHUNK_KEY_PREFIX);
    const kept = new Set(keep ?? []);
    const doomed = keys.filter((key) => !kept.has(key.slice(CHUNK_KEY_PREFIX.length).split('/')[0]!));
    await this.rows.deleteAll(jobId, doomed);
  }

  private async chunk(jobId: string, list: NameList, chunk: number): Promise<readonly string[]> {
    const cacheKey = `${jobId}\n${list.id}/${chunk}`;
    const cached = this.cache.get(cacheKey);
    if (cached) return cached;
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { jobId, repositoryName: chunkKey(list.id, chunk) },
        ConsistentRead: true,
      }),
    );
    const names = Item?.names;
    const valid =
      Array.isArray(names) &&
      names.every((name) => typeof name === 'string') &&
      list.digests[chunk] !== undefined &&
      digestOf(names) === list.digests[chunk];
    if (!valid) throw new NameListTamperedError(jobId, list.id, chunk);
    this.cache.set(cacheKey, names);
    return names;
  }
}
