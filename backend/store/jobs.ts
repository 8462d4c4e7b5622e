import { conditionHeld, unlessConditionFails } from './conditional';
import { itemPages, type Page, queryPage } from './pages';
import { statusChange, updateExpression } from './statusChange';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { JOBS_OWNER_INDEX } from '../../common/names';
import { Job, type PublishRun, type ReviewState, type Usage } from '../../common/schemas';
import { ACTIVE_JOB_STATUSES, COUNT_KEY, type JobStatus, type RepositoryStatus } from '../../common/status';
import { isJobId } from '../../common/ids';
import { decodeToken, type TokenKeyShape } from './pagination';

// The jobs table: one item per job, listed per owner through the byOwner index.

/** DynamoDB refuses items over 400 KB; this keeps a margin for attribute names and later updates. */
export const MAX_JOB_ITEM_BYTES = 350_000;

/** A job's size as stored, near enough (its JSON in UTF-8). */
export function jobItemBytes(job: Job): number {
  return Buffer.byteLength(JSON.stringify(job));
}

/** A byOwner page's last key: the job's id, its owner (checked against the caller) and when it was created. */
const JOB_TOKEN_SHAPE: TokenKeyShape = {
  jobId: isJobId,
  owner: (owner) => owner.length > 0,
  createdAt: (createdAt) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(createdAt),
};

export class JobsTable {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async put(job: Job): Promise<void> {
    await this.doc.send(
      new PutCommand({ TableName: this.tableName, Item: job, ConditionExpression: 'attribute_not_exists(jobId)' }),
    );
  }

  async delete(jobId: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { jobId } }));
  }

  async get(jobId: string): Promise<Job | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { jobId }, ConsistentRead: true }),
    );
    return Item ? Job.parse(Item) : undefined;
  }

  /** The job if it exists and belongs to `owner`; another owner's job looks exactly like a missing one. */
  async getOwned(jobId: string, owner: string): Promise<Job | undefined> {
    const job = await this.get(jobId);
    return job && job.owner === owner ? job : undefined;
  }

  /** The owner's jobs, newest first. */
  async listByOwner(owner: string, limit: number, nextToken?: string): Promise<Page<Job>> {
    const start = decodeToken(nextToken, JOB_TOKEN_SHAPE, { owner });
    // DynamoDB ends a Query page at 1 MB, so a page of large jobs still fits a Lambda response.
    return queryPage(
      this.doc,
      {
        TableName: this.tableName,
        IndexName: JOBS_OWNER_INDEX,
        KeyConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': owner },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: start,
      },
      Job,
    );
  }

  /** Every job with work under way (ACTIVE_JOB_STATUSES), across owners: the sweeper's view. */
  async scanActive(): Promise<Job[]> {
    const jobs: Job[] = [];
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, string> = {};
    for (const [i, status] of ACTIVE_JOB_STATUSES.entries()) values[`:s${i}`] = status;
    const scan = {
      TableName: this.tableName,
      FilterExpression: `#status IN (${Object.keys(values).join(', ')})`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
    for await (const items of itemPages(this.doc, { scan })) jobs.push(...items.map((item) => Job.parse(item)));
    return jobs;
  }

  /**
   * Moves a job to `to` if its status is one of `from`. Returns the updated job, or undefined when
   * the condition failed (someone else moved it first).
   */
  async setStatus(
    jobId: string,
    from: readonly JobStatus[],
    to: JobStatus,
    extra: {
      set?: Record<string, unknown>;
      remove?: string[];
      /** Only when nothing runs and exactly this many rows are pending (0 for a finished job). */
      ifIdleWithPending?: number;
      /** Only while the job's sample waits for its continue. */
      ifSampling?: boolean;
    } = {},
  ): Promise<Job | undefined> {
    const change = statusChange(from, to, extra.set, extra.remove);
    change.sets.push('updatedAt = :now');
    change.values[':now'] = new Date().toISOString();
    if (extra.ifIdleWithPending !== undefined) {
      change.condition += ' AND counts.pending = :pending AND counts.running = :zero';
      change.values[':pending'] = extra.ifIdleWithPending;
      change.values[':zero'] = 0;
    }
    if (extra.ifSampling) {
      change.condition += ' AND attribute_exists(#sample) AND attribute_not_exists(#sample.continuedAt)';
      change.names['#sample'] = 'sample';
    }
    return unlessConditionFails(async () => {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { jobId },
          UpdateExpression: updateExpression(change),
          ConditionExpression: change.condition,
          ExpressionAttributeNames: change.names,
          ExpressionAttributeValues: change.values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Job.parse(result.Attributes);
    });
  }

  /** Moves one repository between two counters, atomically. Returns the job as it now is. */
  async moveCount(jobId: string, from: RepositoryStatus, to: RepositoryStatus): Promise<Job> {
    return this.addCounts(jobId, [{ from, to }]);
  }

  /**
   * Moves many repositories between counters in one atomic write. One write per bulk change (a
   * cancel, a sweep) rather than one per row matters on AWS: every write to the job item costs
   * its whole size (tens of KB for 1,000 repositories) in write capacity.
   */
  async addCounts(
    jobId: string,
    moves: readonly { from: RepositoryStatus; to: RepositoryStatus }[],
    /** Only while this runner holds the job's operation (else ConditionalCheckFailedException). */
    whileHeld?: LeaseHeld,
  ): Promise<Job> {
    const delta = new Map<string, number>();
    for (const { from, to } of moves) {
      delta.set(COUNT_KEY[from], (delta.get(COUNT_KEY[from]) ?? 0) - 1);
      delta.set(COUNT_KEY[to], (delta.get(COUNT_KEY[to]) ?? 0) + 1);
    }
    const changed = [...delta].filter(([, by]) => by !== 0);
    const names = Object.fromEntries(changed.map(([key], i) => [`#c${i}`, key]));
    const values = Object.fromEntries(changed.map(([, by], i) => [`:c${i}`, by]));
    const adds = changed.map((_, i) => `counts.#c${i} :c${i}`);
    const held = leaseCondition(whileHeld);
    const allNames = { ...names, ...held.names };
    const result = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { jobId },
        UpdateExpression: `${adds.length ? `ADD ${adds.join(', ')} ` : ''}SET updatedAt = :now`,
        ExpressionAttributeNames: Object.keys(allNames).length ? allNames : undefined,
        ExpressionAttributeValues: { ...values, ...held.values, ':now': new Date().toISOString() },
        ConditionExpression: `attribute_exists(jobId)${held.condition}`,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Job.parse(result.Attributes);
  }

  /** Overwrites the counters, for reconciliation after a crash between a row write and its count move. */
  async setCounts(jobId: string, counts: Job['counts']): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { jobId },
        UpdateExpression: 'SET counts = :counts, updatedAt = :now',
        ExpressionAttributeValues: { ':counts': counts, ':now': new Date().toISOString() },
        ConditionExpression: 'attribute_exists(jobId)',
      }),
    );
  }

  async addUsage(jobId: string, delta: Usage): Promise<Job> {
    const result = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { jobId },
        ...addUsageExpression(delta),
        ConditionExpression: 'attribute_exists(jobId)',
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Job.parse(result.Attributes);
  }

  /** Every job, across owners, that `keep` keeps: the pull-request refresh's and the retention sweep's view. */
  async scanAll(keep: (job: Job) => boolean): Promise<Job[]> {
    const jobs: Job[] = [];
    for await (const items of itemPages(this.doc, { scan: { TableName: this.tableName } })) {
      for (const item of items) {
        const parsed = Job.safeParse(item);
        if (parsed.success && keep(parsed.data)) jobs.push(parsed.data);
      }
    }
    return jobs;
  }

  /**
   * Moves many repositories between review counters in one write. False when the job has none yet
   * (the caller counts), or, with `whileHeld`, when that runner no longer holds the job's operation.
   */
  async addReviewCounts(
    jobId: string,
    moves: readonly { from: ReviewState; to: ReviewState }[],
    whileHeld?: LeaseHeld,
  ): Promise<boolean> {
    const delta = new Map<ReviewState, number>();
    for (const { from, to } of moves) {
      if (from === to) continue;
      delta.set(from, (delta.get(from) ?? 0) - 1);
      delta.set(to, (delta.get(to) ?? 0) + 1);
    }
    const changed = [...delta].filter(([, by]) => by !== 0);
    if (!changed.length) return true;
    const held = leaseCondition(whileHeld);
    return conditionHeld(async () => {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { jobId },
          UpdateExpression: `ADD ${changed.map((_, i) => `reviewCounts.#s${i} :d${i}`).join(', ')} SET updatedAt = :now`,
          ConditionExpression: `attribute_exists(reviewCounts)${held.condition}`,
          ExpressionAttributeNames: {
            ...Object.fromEntries(changed.map(([state], i) => [`#s${i}`, state])),
            ...held.names,
          },
          ExpressionAttributeValues: {
            ...Object.fromEntries(changed.map(([, by], i) => [`:d${i}`, by])),
            ...held.values,
            ':now': new Date().toISOString(),
          },
        }),
      );
    });
  }

  /** Moves one repository between review counters. False when the job has none yet (the caller counts). */
  async moveReviewCount(jobId: string, from: ReviewState, to: ReviewState): Promise<boolean> {
    return conditionHeld(async () => {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { jobId },
          UpdateExpression: 'ADD reviewCounts.#from :minus, reviewCounts.#to :one SET updatedAt = :now',
          ConditionExpression: 'attribute_exists(reviewCounts)',
          ExpressionAttributeNames: { '#from': from, '#to': to },
          ExpressionAttributeValues: { ':minus': -1, ':one': 1, ':now': new Date().toISOString() },
        }),
      );
    });
  }

  /**
   * Records a new publish run, re-signed (`signature`), if the job is still `status` and its publish
   * run is still `previousRunId` (of two concurrent publishes, one wins). The job as it now is.
   */
  async startPublishRun(
    jobId: string,
    status: JobStatus,
    previousRunId: string | undefined,
    publishRun: PublishRun,
    signature?: string,
  ): Promise<Job | undefined> {
    const values: Record<string, unknown> = { ':status': status, ':run': publishRun, ':now': new Date().toISOString() };
    let update = 'SET publishRun = :run, updatedAt = :now';
    if (signature) {
      update += ', signature = :signature';
      values[':signature'] = signature;
    }
    let condition = '#status = :status AND ';
    if (previousRunId) {
      condition += 'publishRun.id = :previous';
      values[':previous'] = previousRunId;
    } else condition += 'attribute_not_exists(publishRun)';
    return unlessConditionFails(async () => {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { jobId },
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Job.parse(result.Attributes);
    });
  }

  /** Deletes the job if it is still in `status` (a final one). False when it moved meanwhile. */
  async deleteIfStatus(jobId: string, status: JobStatus): Promise<boolean> {
    return conditionHeld(async () => {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { jobId },
          ConditionExpression: '#status = :status',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': status },
        }),
      );
    });
  }

  async setAttributes(jobId: string, attributes: Record<string, unknown>): Promise<void> {
    await this.updateAttributes(jobId, attributes);
  }

  /** Sets attributes as setAttributes does, and answers the job as it now is (no second read). */
  async setAttributesReturning(jobId: string, attributes: Record<string, unknown>): Promise<Job> {
    return Job.parse(await this.updateAttributes(jobId, attributes, true));
  }

  private async updateAttributes(
    jobId: string,
    attributes: Record<string, unknown>,
    returning = false,
  ): Promise<Record<string, unknown> | undefined> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':now': new Date().toISOString() };
    const sets = ['updatedAt = :now'];
    Object.entries(attributes).forEach(([name, value], i) => {
      names[`#a${i}`] = name;
      values[`:a${i}`] = value;
      sets.push(`#a${i} = :a${i}`);
    });
    const result = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { jobId },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ExpressionAttributeNames: Object.keys(names).length ? names : undefined,
        ExpressionAttributeValues: values,
        ConditionExpression: 'attribute_exists(jobId)',
        ...(returning ? { ReturnValues: 'ALL_NEW' as const } : {}),
      }),
    );
    return result.Attributes;
  }
}

/** `ADD usage.x :x` for every usage field (`usage` is a DynamoDB reserved word, hence `#usage`). */
export function addUsageExpression(delta: Usage) {
  return {
    UpdateExpression:
      'ADD #usage.inputTokens :i, #usage.outputTokens :o, #usage.cacheReadTokens :cr, #usage.cacheWriteTokens :cw, #usage.costUsd :c',
    ExpressionAttributeNames: { '#usage': 'usage' },
    ExpressionAttributeValues: {
      ':i': delta.inputTokens,
      ':o': delta.outputTokens,
      ':cr': delta.cacheReadTokens,
      ':cw': delta.cacheWriteTokens,
      ':c': delta.costUsd,
    },
  };
}

/**
 * An operation's runner as it holds the job's operation (backend/store/operations.ts): a counter write
 * of its batch is made only while it still does, or once another operation took the job's place. One
 * whose operation went on without it (a successor took it from a runner gone silent, and counts
 * from the rows) writes none: the late write would count that batch twice. One whose operation was
 * replaced (a second cancel) still counts: the next operation never saw those rows as its own.
 */
export interface LeaseHeld {
  operationId: string;
  holder: string;
}

/** The condition (to append with AND) that `held`'s operation, if it is still the job's, runs with its runner holding it. */
function leaseCondition(held: LeaseHeld | undefined): {
  condition: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
} {
  if (!held) return { condition: '', names: {}, values: {} };
  return {
    condition:
      ' AND (attribute_not_exists(#op) OR #op.operationId <> :heldOperation' +
      ' OR (#op.#heldStatus = :heldRunning AND #op.lease.holder = :heldBy))',
    names: { '#op': 'operation', '#heldStatus': 'status' },
    values: { ':heldOperation': held.operationId, ':heldRunning': 'running', ':heldBy': held.holder },
  };
}
