import {
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  type ScanCommandInput,
  type ScanCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { encodeToken } from './pagination';

// DynamoDB answers a Scan or a Query one page (at most 1 MB) at a time. A list the API pages gives
// out one page and the token of the next (queryPage); the others read on to the last page and hand
// each page's items over as it comes, so a caller keeps only what it needs of them.

type Items = NonNullable<ScanCommandOutput['Items']>;

/** One page of a list, and the token of the page after it (none after the last). */
export interface Page<T> {
  items: T[];
  nextToken?: string;
}

/**
 * One page of a Query (the caller sets its `Limit` and its `ExclusiveStartKey` from the token it
 * checked): the items as `schema` parses them, and the token of the page after it.
 */
export async function queryPage<T>(
  doc: DynamoDBDocumentClient,
  query: QueryCommandInput,
  schema: { parse(item: unknown): T },
): Promise<Page<T>> {
  const result = await doc.send(new QueryCommand(query));
  return {
    items: (result.Items ?? []).map((item) => schema.parse(item)),
    nextToken: encodeToken(result.LastEvaluatedKey),
  };
}

/** Every page of a Scan (`scan`) or a Query (`query`), from the first. */
export async function* itemPages(
  doc: DynamoDBDocumentClient,
  request:
    | { scan: Omit<ScanCommandInput, 'ExclusiveStartKey'> }
    | { query: Omit<QueryCommandInput, 'ExclusiveStartKey'> },
): AsyncGenerator<Items> {
  let start: Record<string, unknown> | undefined;
  do {
    const page =
      'scan' in request
        ? await doc.send(new ScanCommand({ ...request.scan, ExclusiveStartKey: start }))
        : await doc.send(new QueryCommand({ ...request.query, ExclusiveStartKey: start }));
    yield page.Items ?? [];
    start = page.LastEvaluatedKey;
  } while (start);
}

/**
 * The sort keys (`repositoryName`) of the job's items in `table` that begin with `prefix`: the
 * items of one kind that share the repositories table (operations, name-list chunks).
 */
export async function keysBeginningWith(
  doc: DynamoDBDocumentClient,
  table: string,
  jobId: string,
  prefix: string,
): Promise<string[]> {
  const keys: string[] = [];
  const query = {
    TableName: table,
    KeyConditionExpression: 'jobId = :jobId AND begins_with(repositoryName, :prefix)',
    ExpressionAttributeValues: { ':jobId': jobId, ':prefix': prefix },
    ProjectionExpression: 'repositoryName',
  };
  for await (const items of itemPages(doc, { query })) for (const item of items) keys.push(String(item.repositoryName));
  return keys;
}
