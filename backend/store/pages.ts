import {
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  type ScanCommandInput,
  type ScanCommandOutput,
} from '@aws-sdk/lib-dynamodb';

// DynamoDB answers a Scan or a Query one page (at most 1 MB) at a time. These read on to the last
// page and hand each page's items over as it comes, so a caller keeps only what it needs of them.

type Items = NonNullable<ScanCommandOutput['Items']>;

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
