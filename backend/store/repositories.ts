import { conditionHeld, unlessConditionFails } from './conditional';
import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  UpdateCommand,
  type BatchWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import {
  type Fingerprint,
  type PatchRevision,
  type Publication,
  type PullRequestInfo,
  RepositoryResult,
  type Review,
  type Usage,
} from '../../common/schemas';
import { isRepositoryName } from '../../common/repositoryNames';
import { canTransitionRepository, type RepositoryStatus } from '../../common/status';
import { REPOSITORIES_STATUS_INDEX } from '../../common/names';
import { addUsageExpression } from './jobs';
import { STATUS_KEY_ATTRIBUTE, statusKey } from './tables';
import { decodeToken, type TokenKeyShape } from './pagination';
import { forEachLimited } from './parallel';
import { type Page, queryPage } from './pages';
import { statusChange, updateExpression } from './statusChange';

// The repositories table: one row per (job, repository).

const BATCH_SIZE = 25;
const MAX_BATCH_ATTEMPTS = 8;
/** BatchWrite calls one bulk write keeps in flight: 10,000 rows are 400 calls. */
const BATCH_WRITE_CONCURRENCY = 8;
/**
 * Every repository name starts with a letter or digit, so sorts at or after '0'; a name list's
 * chunk items (`#list/…`, backend/store/nameLists.ts) sort before it and never read as rows.
 */
const FIRST_REPOSITORY_NAME = '0';

/** A repositories page's last key: the job (checked against the list's) and the repository's name. */
const REPOSITORY_TOKEN_SHAPE: TokenKeyShape = { jobId: (jobId) => jobId.length > 0, repositoryName: isRepositoryName };
/** A status index page's last key: the table's key and the index's (its job and status checked against the list's). */
const STATUS_TOKEN_SHAPE: TokenKeyShape = {
  ...REPOSITORY_TOKEN_SHAPE,
  [STATUS_KEY_ATTRIBUTE]: (key) => key.length > 0 && key.length <= 200,
};

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

  /**
   * Writes rows in chunks of 25, retrying what DynamoDB leaves unprocessed, with backoff; each row
   * with its status index key. `others` (a name list's chunks) go in the same batches.
   */
  async putAll(rows: RepositoryResult[], others: readonly Record<string, unknown>[] = []): Promise<void> {
    await this.putItems([
      ...rows.map((row) => ({ ...row, [STATUS_KEY_ATTRIBUTE]: statusKey(row.jobId, row.status) })),
      ...others,
    ]);
  }

  /** Writes items of any shape keyed as rows are (a name list's chunks), as putAll writes rows. */
  async putItems(items: readonly Record<string, unknown>[]): Promise<void> {
    await this.writeAll(items.map((item) => ({ PutRequest: { Item: item } })));
  }

  /** Deletes one job's rows by name (rows that do not exist are fine), as putAll writes them. */
  async deleteAll(jobId: string, repositoryNames: readonly string[]): Promise<void> {
    await this.writeAll(
      repositoryNames.map((repositoryName) => ({ DeleteRequest: { Key: { jobId, repositoryName } } })),
    );
  }

  private async writeAll(writes: NonNullable<BatchWriteCommandInput['RequestItems']>[string]): Promise<void> {
    const batches: (typeof writes)[] = [];
    for (let offset = 0; offset < writes.length; offset += BATCH_SIZE)
      batches.push(writes.slice(offset, offset + BATCH_SIZE));
    await forEachLimited(batches, BATCH_WRITE_CONCURRENCY, async (batch) => {
      let requests: NonNullable<BatchWriteCommandInput['RequestItems']> = { [this.tableName]: batch };
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
    });
  }

  async get(jobId: string, repositoryName: string): Promise<RepositoryResult | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { jobId, repositoryName }, ConsistentRead: true }),
    );
    return Item ? RepositoryResult.parse(Item) : undefined;
  }

  /**
   * A page of the job's rows, by name. With `status`, only rows in that status: through the status
   * index when the job's rows all carry its key (`indexed`, the job's `statusIndex`: the page holds
   * up to `limit` matching rows and nothing else is read; the index is eventually consistent, so a
   * row that just moved may show in its old status for a moment), else a page of `limit` rows read
   * and filtered (it may hold none).
   */
  /** The rows of these names (those that exist), 100 a BatchGetItem, consistent reads, retrying what is left unprocessed. */
  async getMany(jobId: string, repositoryNames: readonly string[]): Promise<RepositoryResult[]> {
    const rows: RepositoryResult[] = [];
    const names = [...new Set(repositoryNames)];
    await forEachLimited(
      Array.from({ length: Math.ceil(names.length / 100) }, (_, i) => names.slice(i * 100, i * 100 + 100)),
      BATCH_WRITE_CONCURRENCY,
      async (chunk) => {
        let keys: Record<string, unknown>[] = chunk.map((repositoryName) => ({ jobId, repositoryName }));
        for (let attempt = 1; keys.length; attempt++) {
          const result = await this.doc.send(
            new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }),
          );
          rows.push(...(result.Responses?.[this.tableName] ?? []).map((item) => RepositoryResult.parse(item)));
          keys = result.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
          if (keys.length && attempt >= MAX_BATCH_ATTEMPTS)
            throw new Error(`DynamoDB left ${keys.length} repository reads unprocessed after ${attempt} attempts`);
          if (keys.length) await this.sleep(Math.min(2_000, 50 * 2 ** attempt) * (0.5 + Math.random()));
        }
      },
    );
    return rows;
  }

  async list(
    jobId: string,
    limit: number,
    nextToken?: string,
    status?: RepositoryStatus,
    indexed = false,
  ): Promise<Page<RepositoryResult>> {
    if (status && indexed) return this.listInStatus(jobId, status, limit, nextToken);
    const start = decodeToken(nextToken, REPOSITORY_TOKEN_SHAPE, { jobId });
    const filter = status
      ? { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } }
      : {};
    return queryPage(
      this.doc,
      {
        TableName: this.tableName,
        // Rows only: a name list's chunk items share the partition under keys that sort first.
        KeyConditionExpression: 'jobId = :jobId AND repositoryName >= :firstName',
        ExpressionAttributeValues: {
          ':jobId': jobId,
          ':firstName': FIRST_REPOSITORY_NAME,
          ...(status ? { ':status': status } : {}),
        },
        ...filter,
        Limit: limit,
        ExclusiveStartKey: start,
        ConsistentRead: true,
      },
      RepositoryResult,
    );
  }

  private async listInStatus(
    jobId: string,
    status: RepositoryStatus,
    limit: number,
    nextToken?: string,
  ): Promise<Page<RepositoryResult>> {
    const key = statusKey(jobId, status);
    const start = decodeToken(nextToken, STATUS_TOKEN_SHAPE, { jobId, [STATUS_KEY_ATTRIBUTE]: key });
    return queryPage(
      this.doc,
      {
        TableName: this.tableName,
        IndexName: REPOSITORIES_STATUS_INDEX,
        KeyConditionExpression: '#key = :key',
        ExpressionAttributeNames: { '#key': STATUS_KEY_ATTRIBUTE },
        ExpressionAttributeValues: { ':key': key },
        Limit: limit,
        ExclusiveStartKey: start,
      },
      RepositoryResult,
    );
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
    const write = statusChange(change.from, change.to, change.set, change.remove);
    write.sets.push(`${STATUS_KEY_ATTRIBUTE} = :statusKey`);
    write.values[':statusKey'] = statusKey(jobId, change.to);
    if (change.incrementAttempt) {
      write.sets.push('attempt = attempt + :one');
      write.values[':one'] = 1;
    }
    if (change.attempt !== undefined) {
      write.condition += ' AND attempt = :attempt';
      write.values[':attempt'] = change.attempt;
    }
    if (change.heartbeatBefore !== undefined) {
      write.condition += ' AND (attribute_not_exists(heartbeatAt) OR heartbeatAt < :heartbeatBefore)';
      write.values[':heartbeatBefore'] = change.heartbeatBefore;
    }
    return unlessConditionFails(async () => {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { jobId, repositoryName },
          UpdateExpression: updateExpression(write),
          ConditionExpression: write.condition,
          ExpressionAttributeNames: write.names,
          ExpressionAttributeValues: write.values,
          ReturnValues: 'ALL_OLD',
        }),
      );
      return RepositoryResult.parse(result.Attributes);
    });
  }

  /**
   * Claims a row for a worker: PENDING, or RUNNING with a heartbeat older than `staleBefore` (AWS
   * Batch re-running a child after a host failure), at `attempt`, or at whatever attempt the row is
   * (`undefined`: a worker's first claim, which spares reading the row first; the claim's answer is
   * the row as it was, attempt and task included). Returns the claimed row.
   */
  async claim(
    jobId: string,
    repositoryName: string,
    attempt: number | undefined,
    staleBefore: string,
    now = new Date().toISOString(),
  ): Promise<RepositoryResult | undefined> {
    const claimable = '(#status = :pending OR (#status = :running AND heartbeatAt < :stale))';
    return this.conditional(jobId, repositoryName, {
      update: `SET #status = :running, ${STATUS_KEY_ATTRIBUTE} = :statusKey, startedAt = :now, heartbeatAt = :now`,
      condition: attempt === undefined ? claimable : `attempt = :attempt AND ${claimable}`,
      names: { '#status': 'status' },
      values: {
        ':running': 'RUNNING',
        ':statusKey': statusKey(jobId, 'RUNNING'),
        ':pending': 'PENDING',
        ...(attempt === undefined ? {} : { ':attempt': attempt }),
        ':stale': staleBefore,
        ':now': now,
      },
    });
  }

  /** Records that the worker of `attempt` is alive. False when the row is no longer its to run (cancelled, swept). */
  async heartbeat(jobId: string, repositoryName: string, attempt: number): Promise<boolean> {
    return conditionHeld(async () => {
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
    });
  }

  /**
   * Sets this attempt's review (or removes it: unreviewed) if the row is still at `attempt` and in
   * one of `statuses`. Returns the row as it was, or undefined when the condition failed.
   */
  async setReview(
    jobId: string,
    repositoryName: string,
    review: Review | undefined,
    condition: { attempt: number; statuses: readonly RepositoryStatus[]; patchRevision?: number },
  ): Promise<RepositoryResult | undefined> {
    const values: Record<string, unknown> = { ':attempt': condition.attempt };
    for (const [i, status] of condition.statuses.entries()) values[`:s${i}`] = status;
    if (review) values[':review'] = review;
    let revision = '';
    if (condition.patchRevision !== undefined) {
      revision = ` AND ${patchRevisionCondition(condition.patchRevision)}`;
      values[':revision'] = condition.patchRevision;
    }
    return this.conditional(jobId, repositoryName, {
      update: review ? 'SET review = :review' : 'REMOVE review',
      condition: `attempt = :attempt AND #status IN (${condition.statuses.map((_, i) => `:s${i}`).join(', ')})${revision}`,
      names: { '#status': 'status' },
      values,
    });
  }

  /** Records the fingerprint of the row's current diff, if the row is still at its attempt and patch revision. */
  async setFingerprint(jobId: string, repositoryName: string, fingerprint: Fingerprint): Promise<boolean> {
    const before = await this.conditional(jobId, repositoryName, {
      update: 'SET fingerprint = :fingerprint',
      condition: `attempt = :attempt AND ${patchRevisionCondition(fingerprint.patchRevision)}`,
      values: { ':fingerprint': fingerprint, ':attempt': fingerprint.attempt, ':revision': fingerprint.patchRevision },
    });
    return before !== undefined;
  }

  /**
   * Makes `revision` the row's current patch revision (its patch already stored) with its stats and fingerprint,
   * and takes the review back: the row must still be COMPLETED at `attempt` and patch revision
   * `from`, and not queued or publishing. Returns the row as it was.
   */
  async setPatchRevision(
    jobId: string,
    repositoryName: string,
    change: { attempt: number; from: number; revision: PatchRevision; fingerprint: Fingerprint },
  ): Promise<RepositoryResult | undefined> {
    return this.conditional(jobId, repositoryName, {
      update:
        'SET patchRevision = :to, diffStats = :stats, fingerprint = :fingerprint,' +
        ' patchRevisions = list_append(if_not_exists(patchRevisions, :none), :entry) REMOVE review',
      condition:
        `attempt = :attempt AND #status = :completed AND ${patchRevisionCondition(change.from)}` +
        ' AND (attribute_not_exists(publication) OR NOT publication.#pstatus IN (:queued, :publishing))',
      names: { '#status': 'status', '#pstatus': 'status' },
      values: {
        ':to': change.revision.revision,
        ':stats': change.revision.diffStats,
        ':none': [],
        ':entry': [change.revision],
        ':fingerprint': change.fingerprint,
        ':attempt': change.attempt,
        ':completed': 'COMPLETED',
        ':revision': change.from,
        ':queued': 'queued',
        ':publishing': 'publishing',
      },
    });
  }

  /** Queues a COMPLETED row at `attempt` (and patch revision) for a publish. Undefined when it changed meanwhile. */
  async queuePublication(
    jobId: string,
    repositoryName: string,
    attempt: number,
    publication: Publication,
    patchRevision = 0,
  ): Promise<RepositoryResult | undefined> {
    // At the patch revision the publish looked at: a revision saved meanwhile took the review back.
    return this.conditional(jobId, repositoryName, {
      update: 'SET publication = :publication',
      condition: `attempt = :attempt AND #status = :completed AND ${patchRevisionCondition(patchRevision)}`,
      names: { '#status': 'status' },
      values: {
        ':publication': publication,
        ':attempt': attempt,
        ':completed': 'COMPLETED',
        ':revision': patchRevision,
      },
    });
  }

  /**
   * A publish worker's claim: the row is still COMPLETED at `attempt`, queued by the publish run
   * `runId`. Returns the row as claimed.
   */
  async claimPublication(
    jobId: string,
    repositoryName: string,
    attempt: number,
    runId: string,
  ): Promise<RepositoryResult | undefined> {
    const now = new Date().toISOString();
    const before = await this.conditional(jobId, repositoryName, {
      update: 'SET publication.#pstatus = :publishing, publication.heartbeatAt = :now',
      condition: this.publicationCondition(':queued'),
      names: { '#status': 'status', '#pstatus': 'status' },
      values: {
        ':publishing': 'publishing',
        ':now': now,
        ':queued': 'queued',
        ...this.publicationValues(attempt, runId),
      },
    });
    if (!before?.publication) return undefined;
    return { ...before, publication: { ...before.publication, status: 'publishing', heartbeatAt: now } };
  }

  /** A publish worker's heartbeat; false once the row is no longer its to publish. */
  async beatPublication(jobId: string, repositoryName: string, attempt: number, runId: string): Promise<boolean> {
    const moved = await this.conditional(jobId, repositoryName, {
      update: 'SET publication.heartbeatAt = :now',
      condition: this.publicationCondition(':publishing'),
      names: { '#status': 'status', '#pstatus': 'status' },
      values: {
        ':now': new Date().toISOString(),
        ':publishing': 'publishing',
        ...this.publicationValues(attempt, runId),
      },
    });
    return moved !== undefined;
  }

  /**
   * Records what a publish worker made: the pull request as soon as it exists (`publication`
   * unchanged), then the publication's end. Undefined when the row is no longer its.
   */
  async recordPublication(
    jobId: string,
    repositoryName: string,
    attempt: number,
    runId: string,
    set: Record<string, unknown>,
  ): Promise<RepositoryResult | undefined> {
    const names: Record<string, string> = { '#status': 'status', '#pstatus': 'status' };
    const values: Record<string, unknown> = { ':publishing': 'publishing', ...this.publicationValues(attempt, runId) };
    const sets = Object.entries(set).map(([name, value], i) => {
      names[`#f${i}`] = name;
      values[`:f${i}`] = value;
      return `#f${i} = :f${i}`;
    });
    return this.conditional(jobId, repositoryName, {
      update: `SET ${sets.join(', ')}`,
      condition: this.publicationCondition(':publishing'),
      names,
      values,
    });
  }

  /** Ends a publication that no worker finished (it never started, or its worker went silent). */
  async failPublication(
    jobId: string,
    repositoryName: string,
    runId: string,
    from: readonly Publication['status'][],
    error: { code: string; message: string },
  ): Promise<boolean> {
    const values: Record<string, unknown> = {
      ':runId': runId,
      ':failed': 'failed',
      ':now': new Date().toISOString(),
      ':error': error,
    };
    for (const [i, status] of from.entries()) values[`:p${i}`] = status;
    const moved = await this.conditional(jobId, repositoryName, {
      update: 'SET publication.#pstatus = :failed, publication.finishedAt = :now, publication.#error = :error',
      condition: `publication.runId = :runId AND publication.#pstatus IN (${from.map((_, i) => `:p${i}`).join(', ')})`,
      names: { '#pstatus': 'status', '#error': 'error' },
      values,
    });
    return moved !== undefined;
  }

  /** The host's latest word on the row's pull request, if the row still points at that one. */
  async setPullRequest(jobId: string, repositoryName: string, info: PullRequestInfo): Promise<boolean> {
    const moved = await this.conditional(jobId, repositoryName, {
      update: 'SET pullRequest = :info',
      condition: 'pullRequestUrl = :url',
      values: { ':info': info, ':url': info.url },
    });
    return moved !== undefined;
  }

  private publicationCondition(statusValue: string): string {
    return `attempt = :attempt AND #status = :completed AND publication.runId = :runId AND publication.#pstatus = ${statusValue}`;
  }

  private publicationValues(attempt: number, runId: string): Record<string, unknown> {
    return { ':attempt': attempt, ':completed': 'COMPLETED', ':runId': runId };
  }

  /** One conditional UpdateItem; the row as it was, or undefined when the condition failed. */
  private async conditional(
    jobId: string,
    repositoryName: string,
    expression: { update: string; condition: string; names?: Record<string, string>; values?: Record<string, unknown> },
  ): Promise<RepositoryResult | undefined> {
    return unlessConditionFails(async () => {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { jobId, repositoryName },
          UpdateExpression: expression.update,
          ConditionExpression: `attribute_exists(jobId) AND ${expression.condition}`,
          ExpressionAttributeNames:
            expression.names && Object.keys(expression.names).length ? expression.names : undefined,
          ExpressionAttributeValues:
            expression.values && Object.keys(expression.values).length ? expression.values : undefined,
          ReturnValues: 'ALL_OLD',
        }),
      );
      return RepositoryResult.parse(result.Attributes);
    });
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

/** The row is at patch revision `:revision` (0: the worker's, on rows that never had another). */
function patchRevisionCondition(revision: number): string {
  return revision === 0
    ? '(attribute_not_exists(patchRevision) OR patchRevision = :revision)'
    : 'patchRevision = :revision';
}
