import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
  type BatchWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { isRepositoryName, RepositoryResult, type Usage } from '../../common/schemas';
import { canTransitionRepository, type RepositoryStatus } from '../../common/status';
import { addUsageExpression } from './jobs';
import { decodeToken, encodeToken, type TokenKeyShape } from './pagination';

// The repositories table: one row per (job, repository).

const BATCH_SIZE = 25;
const MAX_BATCH_ATTEMPTS = 8;

/** A repositories page's last key: the job (checked against the list's) and the repository's name. */
const REPOSITORY_TOKEN_SHAPE: TokenKeyShape = { jobId: (jobId) => jobId.length > 0, repositoryName: isRepositoryName };

export interface RepositoryPageResult {
  items: RepositoryResult[];
  nextToken?: string;
}

export interface RowUpdate {
  /** The row must currently have one of these statuses. */
  from: readonly RepositoryStatus[];
  to: RepositoryStatus;
  /** When given, the row must also be at this attempt (a worker touches only its own attempt). */
  attempt?: number;
  set?: Record<string, unknown>;
  remove?: string[];
  incrementAttempt?: boolean;
  /** When given, the row's heartbeat must be older than this (the sweeper fails only silent rows). */
  heartbeatBefore?: string;
}

export class RepositoriesTable {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  /** Writes rows in chunks of 25, retrying what DynamoDB leaves unprocessed, with backoff. */
  async putAll(rows: RepositoryResult[]): Promise<void> {
    await this.writeAll(rows.map((row) => ({ PutRequest: { Item: row } })));
  }

  /** Deletes one job's rows by name (rows that do not exist are fine), as putAll writes them. */
  async deleteAll(jobId: string, repositoryNames: readonly string[]): Promise<void> {
    await this.writeAll(
      repositoryNames.map((repositoryName) => ({ DeleteRequest: { Key: { jobId, repositoryName } } })),
    );
  }

  private async writeAll(writes: NonNullable<BatchWriteCommandInput['RequestItems']>[string]): Promise<void> {
    for (let offset = 0; offset < writes.length; offset += BATCH_SIZE) {
      let requests: NonNullable<BatchWriteCommandInput['RequestItems']> = {
        [this.tableName]: writes.slice(offset, offset + BATCH_SIZE),
      };
      for (let attempt = 1; ; attempt++) {
        const result = await this.doc.send(new BatchWriteCommand({ RequestItems: requests }));
        const unprocessed = result.UnprocessedItems?.[this.tableName];
        if (!unprocessed || unprocessed.length === 0) break;
        if (attempt >= MAX_BATCH_ATTEMPTS) {
          throw new Error(`DynamoDB left ${unprocessed.length} repository rows unprocessed after ${attempt} attempts`);
        }
        requests = { [this.tableName]: unprocessed };
        await this.sleep(Math.min(2_000, 50 * 2 ** attempt) * (0.5 + Math.random()));
      }
    }
  }

  async get(jobId: string, repositoryName: string): Promise<RepositoryResult | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { jobId, repositoryName }, ConsistentRead: true }),
    );
    return Item ? RepositoryResult.parse(Item) : undefined;
  }

  async list(
    jobId: string,
    limit: number,
    nextToken?: string,
    status?: RepositoryStatus,
  ): Promise<RepositoryPageResult> {
    const start = decodeToken(nextToken, REPOSITORY_TOKEN_SHAPE, { jobId });
    const filter = status
      ? { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } }
      : {};
    const result = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'jobId = :jobId',
        ExpressionAttributeValues: { ':jobId': jobId, ...(status ? { ':status': status } : {}) },
        ...filter,
        Limit: limit,
        ExclusiveStartKey: start,
        ConsistentRead: true,
      }),
    );
    return {
      items: (result.Items ?? []).map((item) => RepositoryResult.parse(item)),
      nextToken: encodeToken(result.LastEvaluatedKey),
    };
  }

  async listAll(jobId: string): Promise<RepositoryResult[]> {
    const rows: RepositoryResult[] = [];
    let token: string | undefined;
    do {
      const page = await this.list(jobId, 1000, token);
      rows.push(...page.items);
      token = page.nextToken;
    } while (token);
    return rows;
  }

  /**
   * A conditional status change. Returns the row as it was before, or undefined when the condition
   * failed (the row was not in a `from` status, or not at that attempt).
   */
  async update(jobId: string, repositoryName: string, change: RowUpdate): Promise<RepositoryResult | undefined> {
    const illegal = change.from.filter((from) => from !== change.to && !canTransitionRepository(from, change.to));
    if (illegal.length) throw new Error(`A repository may not move from ${illegal.join(' or ')} to ${change.to}`);
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = { ':to': change.to };
    for (const [i, status] of change.from.entries()) values[`:from${i}`] = status;
    const sets = ['#status = :to'];
    Object.entries(change.set ?? {}).forEach(([name, value], i) => {
      names[`#set${i}`] = name;
      values[`:set${i}`] = value;
      sets.push(`#set${i} = :set${i}`);
    });
    if (change.incrementAttempt) {
      sets.push('attempt = attempt + :one');
      values[':one'] = 1;
    }
    const removes = (change.remove ?? []).map((name, i) => {
      names[`#rm${i}`] = name;
      return `#rm${i}`;
    });
    let condition = `#status IN (${change.from.map((_, i) => `:from${i}`).join(', ')})`;
    if (change.attempt !== undefined) {
      condition += ' AND attempt = :attempt';
      values[':attempt'] = change.attempt;
    }
    if (change.heartbeatBefore !== undefined) {
      condition += ' AND (attribute_not_exists(heartbeatAt) OR heartbeatAt < :heartbeatBefore)';
      values[':heartbeatBefore'] = change.heartbeatBefore;
    }
    try {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { jobId, repositoryName },
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_OLD',
        }),
      );
      return RepositoryResult.parse(result.Attributes);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /**
   * Claims a row for a worker: PENDING, or RUNNING at the same attempt with a heartbeat older than
   * `staleBefore` (AWS Batch re-running a child after a host failure). Returns the claimed row.
   */
  async claim(
    jobId: string,
    repositoryName: string,
    attempt: number,
    staleBefore: string,
    now = new Date().toISOString(),
  ): Promise<RepositoryResult | undefined> {
    try {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { jobId, repositoryName },
          UpdateExpression: 'SET #status = :running, startedAt = :now, heartbeatAt = :now',
          ConditionExpression:
            'attempt = :attempt AND (#status = :pending OR (#status = :running AND heartbeatAt < :stale))',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':running': 'RUNNING',
            ':pending': 'PENDING',
            ':attempt': attempt,
            ':stale': staleBefore,
            ':now': now,
          },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return RepositoryResult.parse(result.Attributes);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /** Records that the worker of `attempt` is alive. False when the row is no longer its to run (cancelled, swept). */
  async heartbeat(jobId: string, repositoryName: string, attempt: number): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { jobId, repositoryName },
          UpdateExpression: 'SET heartbeatAt = :now',
          ConditionExpression: '#status = :running AND attempt = :attempt',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':now': new Date().toISOString(), ':running': 'RUNNING', ':attempt': attempt },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async addUsage(jobId: string, repositoryName: string, delta: Usage): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { jobId, repositoryName },
        ...addUsageExpression(delta),
        ConditionExpression: 'attribute_exists(jobId)',
      }),
    );
  }
}
