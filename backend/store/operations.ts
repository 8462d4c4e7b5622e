import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { conditionHeld, unlessConditionFails } from './conditional';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import {
  type Job,
  NameList,
  Operation,
  type OperationKind,
  RepositoryActionResult,
  type OperationResultsPage,
} from '../../common/schemas';
import type { NameLists } from './nameLists';
import { decodeToken, encodeToken } from './pagination';
import { itemPages, keysBeginningWith } from './pages';
import type { RepositoriesTable } from './repositories';

// Bulk operations (see Operation in common/schemas/operations.ts): what a request started and what goes on
// after it answered. Their state is in two places, written with single-item conditional writes:
// - the job item's `operation`: the public progress (what clients read with the job), and the
//   runner's own fields: the phase, how far it got through its names (`cursor`), its lease (who
//   runs it, until when). One operation runs per job at a time; a runner's every write is
//   conditional on the operation's id and its lease, so a runner that lost it (to a cancel, or to
//   another process after it went silent) stops at its next write;
// - items under the job's key in the repositories table, beside the name lists, which row queries
//   never see (`#op/{id}` sorts before every repository name): the request (`#op/{id}`), the names
//   it works on (a name list), its per-repository results in chunks (`#op/{id}/r/{seq}`), what it
//   did on a code host to each repository as it did it (`#op/{id}/a/{repository}`: a runner that
//   takes over does not do it again), and a copy of its final state once it ends (the job item's
//   `operation` is the next one's after that).

const OPERATION_PREFIX = '#op/';

/** What the runner keeps beside the public fields (the Job schema leaves them out of answers). */
export const OperationState = Operation.extend({
  phase: z.string(),
  /** Index in `list` of the first name not yet settled. */
  cursor: z.number().int(),
  /** Result chunks written so far. */
  seq: z.number().int(),
  list: NameList.optional(),
  lease: z.object({ holder: z.string(), until: z.number() }).optional(),
  /** Not before this (epoch ms): a rate limit longer than its runner could wait. */
  resumeAt: z.number().optional(),
  /** Names of the last batch to do again first (a rate limit stopped them). */
  redo: z.array(z.string()).optional(),
  /**
   * A runner lost it while holding its lease (it died, or went silent past the lease): what that
   * runner's last batch wrote before its counts may be uncounted, so the work's end counts from the rows.
   */
  recount: z.boolean().optional(),
});
export type OperationState = z.infer<typeof OperationState>;

/** The counts an operation's runner moves: each settled repository adds to one of done, skipped, failed. */
export interface OperationProgress {
  phase?: string;
  cursor?: number;
  total?: number;
  done?: number;
  skipped?: number;
  failed?: number;
  waitingSeconds?: number | null;
  reason?: string | null;
  list?: NameList;
  resumeAt?: number | null;
  seq?: number;
  redo?: string[] | null;
  recount?: boolean;
}

const requestKey = (operationId: string) => `${OPERATION_PREFIX}${operationId}`;
const finalKey = (operationId: string) => `${OPERATION_PREFIX}${operationId}/final`;
const resultKey = (operationId: string, seq: number) =>
  `${OPERATION_PREFIX}${operationId}/r/${String(seq).padStart(6, '0')}`;
const actedPrefix = (operationId: string) => `${OPERATION_PREFIX}${operationId}/a/`;

export class OperationsTable {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly jobsTable: string,
    private readonly repositoriesTable: string,
    private readonly rows: RepositoriesTable,
    private readonly lists: NameLists,
  ) {}

  /**
   * Starts an operation on the job: its request and names are written first, then the job's
   * `operation`, conditional on none running (else undefined: OPERATION_IN_PROGRESS), or, with
   * `preempt` (a cancel), whatever runs (its runner stops at its next write).
   */
  async start(
    job: Job,
    kind: OperationKind,
    request: Record<string, unknown>,
    options: {
      names?: readonly string[];
      preempt?: boolean;
      phase?: string;
      /** Its first runner, whose lease it starts with. */
      holder?: string;
      leaseMs?: number;
    } = {},
  ): Promise<OperationState | undefined> {
    const operationId = `${Date.now().toString(36)}${randomBytes(5).toString('hex')}`;
    const now = new Date().toISOString();
    const list = options.names ? await this.lists.write(job.jobId, options.names, job.expiresAt) : undefined;
    await this.doc.send(
      new PutCommand({
        TableName: this.repositoriesTable,
        Item: {
          jobId: job.jobId,
          repositoryName: requestKey(operationId),
          request,
          ...(job.expiresAt !== undefined ? { expiresAt: job.expiresAt } : {}),
        },
      }),
    );
    const state: OperationState = {
      operationId,
      jobId: job.jobId,
      kind,
      status: 'running',
      total: options.names?.length ?? 0,
      done: 0,
      skipped: 0,
      failed: 0,
      left: options.names?.length ?? 0,
      createdAt: now,
      updatedAt: now,
      phase: options.phase ?? 'prepare',
      cursor: 0,
      seq: 0,
      ...(list ? { list } : {}),
      ...(options.holder ? { lease: { holder: options.holder, until: Date.now() + (options.leaseMs ?? 30_000) } } : {}),
    };
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.jobsTable,
          Key: { jobId: job.jobId },
          UpdateExpression: 'SET #op = :op, updatedAt = :now',
          ConditionExpression: options.preempt
            ? 'attribute_exists(jobId)'
            : 'attribute_exists(jobId) AND (attribute_not_exists(#op) OR #op.#status <> :running)',
          ExpressionAttributeNames: { '#op': 'operation', ...(options.preempt ? {} : { '#status': 'status' }) },
          ExpressionAttributeValues: {
            ':op': state,
            ':now': now,
            ...(options.preempt ? {} : { ':running': 'running' }),
          },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      await this.forget(job.jobId, operationId, list);
      return undefined;
    }
    return state;
  }

  /** The job's operation with the runner's fields, as stored (undefined when it has none). */
  async state(jobId: string): Promise<OperationState | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.jobsTable,
        Key: { jobId },
        ProjectionExpression: '#op',
        ExpressionAttributeNames: { '#op': 'operation' },
        ConsistentRead: true,
      }),
    );
    return Item?.operation ? OperationState.parse(Item.operation) : undefined;
  }

  /** The request an operation was started with. */
  async request(jobId: string, operationId: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.repositoriesTable,
        Key: { jobId, repositoryName: requestKey(operationId) },
        ConsistentRead: true,
      }),
    );
    return Item?.request as Record<string, unknown> | undefined;
  }

  /** The operation as clients see it: the job's, or the final copy of an earlier one. */
  async get(job: Job, operationId: string): Promise<Operation | undefined> {
    if (job.operation?.operationId === operationId) return job.operation;
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.repositoriesTable,
        Key: { jobId: job.jobId, repositoryName: finalKey(operationId) },
        ConsistentRead: true,
      }),
    );
    return Item?.operation ? Operation.parse(Item.operation) : undefined;
  }

  /**
   * Takes the lease of the job's running operation `operationId` for `holder` until now + leaseMs:
   * when no one holds it, its holder's lease ran out, or `holder` holds it already. The state, or
   * undefined when it is not this operation's to take; `inherited` when another runner still held
   * it (a lease that ran out, or taken over): that runner stopped somewhere inside a batch.
   */
  async claim(
    jobId: string,
    operationId: string,
    holder: string,
    leaseMs: number,
    /** Takes it whatever lease it has (the local stack's start: no other runner of it is alive). */
    takeOver = false,
  ): Promise<{ state: OperationState; inherited: boolean } | undefined> {
    const now = takeOver ? Number.MAX_SAFE_INTEGER : Date.now();
    const lease = { holder, until: Date.now() + leaseMs };
    return unlessConditionFails(async () => {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.jobsTable,
          Key: { jobId },
          UpdateExpression: 'SET #op.lease = :lease',
          ConditionExpression:
            '#op.operationId = :id AND #op.#status = :running' +
            ' AND (attribute_not_exists(#op.lease) OR #op.lease.#until < :now OR #op.lease.holder = :holder)' +
            ' AND (attribute_not_exists(#op.resumeAt) OR #op.resumeAt <= :now)',
          ExpressionAttributeNames: { '#op': 'operation', '#status': 'status', '#until': 'until' },
          ExpressionAttributeValues: {
            ':lease': lease,
            ':id': operationId,
            ':running': 'running',
            ':now': now,
            ':holder': holder,
          },
          ReturnValues: 'ALL_OLD',
        }),
      );
      const before = OperationState.parse(Attributes!.operation);
      return {
        state: { ...before, lease },
        inherited: before.lease !== undefined && before.lease.holder !== holder,
      };
    });
  }

  /**
   * Records progress and renews the lease, conditional on `holder` still holding it. False when it
   * does not (a cancel took the job over, or another runner the operation): the caller stops.
   */
  async progress(
    jobId: string,
    state: OperationState,
    holder: string,
    leaseMs: number,
    change: OperationProgress,
  ): Promise<boolean> {
    const next = { ...state };
    const names: Record<string, string> = { '#op': 'operation' };
    const values: Record<string, unknown> = {
      ':id': state.operationId,
      ':holder': holder,
      ':lease': { holder, until: Date.now() + leaseMs },
      ':now': new Date().toISOString(),
    };
    const sets = ['#op.lease = :lease', '#op.updatedAt = :now', 'updatedAt = :now'];
    const removes: string[] = [];
    for (const [key, value] of Object.entries(change) as [keyof OperationProgress, unknown][]) {
      if (value === undefined) continue;
      names[`#${key}`] = key;
      if (value === null) {
        removes.push(`#op.#${key}`);
        delete (next as Record<string, unknown>)[key];
      } else {
        values[`:${key}`] = value;
        sets.push(`#op.#${key} = :${key}`);
        (next as Record<string, unknown>)[key] = value;
      }
    }
    next.left = Math.max(0, next.total - next.done - next.skipped - next.failed);
    names['#left'] = 'left';
    values[':left'] = next.left;
    sets.push('#op.#left = :left');
    const held = await conditionHeld(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.jobsTable,
          Key: { jobId },
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: '#op.operationId = :id AND #op.lease.holder = :holder',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
    if (!held) return false;
    Object.assign(state, next, { updatedAt: values[':now'] });
    for (const [key, value] of Object.entries(change))
      if (value === null) delete (state as Record<string, unknown>)[key];
    return true;
  }

  /** Appends a chunk of per-repository results (chunk `seq`); written before the progress that counts them. */
  async addResults(jobId: string, operationId: string, seq: number, results: RepositoryActionResult[]): Promise<void> {
    if (!results.length) return;
    await this.doc.send(
      new PutCommand({
        TableName: this.repositoriesTable,
        Item: { jobId, repositoryName: resultKey(operationId, seq), results },
      }),
    );
  }

  /**
   * Records, the moment it is done, what the operation did to one repository outside our tables (a
   * pull request merged, closed, commented on): a runner that takes over from one that stopped inside
   * its batch takes this result instead of acting again (`acted`). Not conditional on the lease:
   * whoever did it, it was done.
   */
  async recordActed(jobId: string, operationId: string, result: RepositoryActionResult): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.repositoriesTable,
        Item: { jobId, repositoryName: `${actedPrefix(operationId)}${result.repositoryName}`, result },
      }),
    );
  }

  /** What the operation recorded it did (`recordActed`) to any of `names`, by name. */
  async acted(
    jobId: string,
    operationId: string,
    names: readonly string[],
  ): Promise<Map<string, RepositoryActionResult>> {
    const prefix = actedPrefix(operationId);
    const items = await this.rows.getItems(
      jobId,
      names.map((name) => `${prefix}${name}`),
    );
    return new Map(
      items.map((item) => {
        const result = RepositoryActionResult.parse(item.result);
        return [result.repositoryName, result];
      }),
    );
  }

  /**
   * The operation's results a few chunks at a time, in the order they settled. The token is where the
   * next ones are (or will be, while it runs): an empty page with the same token means none yet.
   */
  async results(jobId: string, operationId: string, nextToken?: string): Promise<OperationResultsPage> {
    const prefix = `${OPERATION_PREFIX}${operationId}/r/`;
    const start = decodeToken(
      nextToken,
      { jobId: (value) => value === jobId, repositoryName: (value) => value.startsWith(prefix) && value.length < 100 },
      { jobId },
    );
    const page = await this.doc.send(
      new QueryCommand({
        TableName: this.repositoriesTable,
        KeyConditionExpression: 'jobId = :jobId AND begins_with(repositoryName, :prefix)',
        ExpressionAttributeValues: { ':jobId': jobId, ':prefix': prefix },
        ExclusiveStartKey: start,
        Limit: 10,
        ConsistentRead: true,
      }),
    );
    const items = page.Items ?? [];
    // The token marks where later results go, even at the end: a follower reads again from there.
    const last = items.at(-1);
    return {
      items: items.flatMap((item) => z.array(RepositoryActionResult).parse(item.results)),
      nextToken: last ? encodeToken({ jobId, repositoryName: String(last.repositoryName) }) : nextToken,
    };
  }

  /**
   * Ends the operation (done, or failed with a message) if `holder` still holds it, and keeps a copy
   * of its final state for clients that follow it after another operation took the job's place.
   */
  async finish(
    jobId: string,
    state: OperationState,
    holder: string,
    status: 'done' | 'failed',
    message?: string,
    /** Why it failed as an API error code, when it is one a request would have answered. */
    code?: string,
  ): Promise<boolean> {
    const now = new Date().toISOString();
    const left = Math.max(0, state.total - state.done - state.skipped - state.failed);
    const held = await conditionHeld(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.jobsTable,
          Key: { jobId },
          UpdateExpression:
            'SET #op.#status = :status, #op.finishedAt = :now, #op.updatedAt = :now, #op.#left = :left, updatedAt = :now' +
            `${message ? ', #op.message = :message' : ''}${code ? ', #op.code = :code' : ''}` +
            ' REMOVE #op.lease, #op.waitingSeconds, #op.reason',
          ConditionExpression: '#op.operationId = :id AND #op.lease.holder = :holder',
          ExpressionAttributeNames: { '#op': 'operation', '#status': 'status', '#left': 'left' },
          ExpressionAttributeValues: {
            ':status': status,
            ':now': now,
            ':left': left,
            ':id': state.operationId,
            ':holder': holder,
            ...(message ? { ':message': message } : {}),
            ...(code ? { ':code': code } : {}),
          },
        }),
      ),
    );
    if (!held) return false;
    const { lease: _lease, waitingSeconds: _wait, reason: _reason, ...rest } = state;
    const ended = {
      status,
      finishedAt: now,
      updatedAt: now,
      left,
      ...(message ? { message } : {}),
      ...(code ? { code } : {}),
    };
    Object.assign(state, ended);
    delete state.lease;
    delete state.waitingSeconds;
    delete state.reason;
    const final = Operation.parse({ ...rest, ...ended });
    await this.doc.send(
      new PutCommand({
        TableName: this.repositoriesTable,
        Item: { jobId, repositoryName: finalKey(state.operationId), operation: final },
      }),
    );
    if (state.list) await this.lists.deleteList(jobId, state.list).catch(() => undefined);
    return true;
  }

  /** Lets the lease go (a runner that stops before the end: another takes it at once). */
  async release(jobId: string, state: OperationState, holder: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.jobsTable,
          Key: { jobId },
          UpdateExpression: 'REMOVE #op.lease',
          ConditionExpression: '#op.operationId = :id AND #op.lease.holder = :holder',
          ExpressionAttributeNames: { '#op': 'operation' },
          ExpressionAttributeValues: { ':id': state.operationId, ':holder': holder },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** Jobs whose operation runs, with no runner (its lease ran out, or it was let go): to pick up. */
  async orphaned(now = Date.now()): Promise<{ jobId: string; operationId: string }[]> {
    const found: { jobId: string; operationId: string }[] = [];
    const scan = {
      TableName: this.jobsTable,
      FilterExpression:
        '#op.#status = :running AND (attribute_not_exists(#op.lease) OR #op.lease.#until < :now)' +
        ' AND (attribute_not_exists(#op.resumeAt) OR #op.resumeAt <= :now)',
      ExpressionAttributeNames: { '#op': 'operation', '#status': 'status', '#until': 'until' },
      ExpressionAttributeValues: { ':running': 'running', ':now': now },
      ProjectionExpression: 'jobId, #op.operationId',
    };
    for await (const items of itemPages(this.doc, { scan }))
      for (const item of items)
        found.push({ jobId: String(item.jobId), operationId: String(item.operation?.operationId) });
    return found;
  }

  /** Deletes what a start wrote when the job's write was refused. */
  private async forget(jobId: string, operationId: string, list?: NameList): Promise<void> {
    await this.rows.deleteAll(jobId, [requestKey(operationId)]).catch(() => undefined);
    if (list) await this.lists.deleteList(jobId, list).catch(() => undefined);
  }

  /** Every item of the job's operations (a job's deletion). */
  async deleteAll(jobId: string): Promise<void> {
    await this.rows.deleteAll(
      jobId,
      await keysBeginningWith(this.doc, this.repositoriesTable, jobId, OPERATION_PREFIX),
    );
  }
}
