import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { itemPages } from './pages';
import { RepositoriesTable } from './repositories';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import {
  jobsTableDefinition,
  repositoriesTableDefinition,
  STATUS_KEY_ATTRIBUTE,
  statusKey,
  type TableNames,
} from './tables';

export interface DynamoOptions {
  /** A local endpoint such as dynalite's; AWS otherwise. */
  endpoint?: string;
  region?: string;
  /** What to sign with: the local stack's own credentials for its DynamoDB, which accepts no others. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

export function createDocumentClient(options: DynamoOptions = {}): DynamoDBDocumentClient {
  const local = options.endpoint !== undefined;
  const client = new DynamoDBClient({
    endpoint: options.endpoint,
    region: options.region ?? process.env.AWS_REGION ?? (local ? 'local' : undefined),
    // Never look up a real profile for a local server: a bare test dynalite accepts any credentials.
    credentials: options.credentials ?? (local ? { accessKeyId: 'local', secretAccessKey: 'local' } : undefined),
    maxAttempts: 5,
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

/**
 * Creates the tables that are missing (the local stack and tests; AWS tables come from CDK), and
 * gives an existing local table the indexes its definition added since it was made (the
 * repositories table's byStatus). dynalite cannot add an index to a table, so the table is copied
 * aside, made again and copied back (`migrateTable`); a start that dies half-way finishes it next time.
 */
export async function ensureTables(doc: DynamoDBDocumentClient, tables: TableNames): Promise<void> {
  for (const definition of [jobsTableDefinition(tables.jobs), repositoriesTableDefinition(tables.repositories)]) {
    const name = definition.TableName!;
    const aside = `${name}${MIGRATING_SUFFIX}`;
    const existing = await describe(doc, name);
    if (await describe(doc, aside)) {
      // A migration died: the rows are in `aside` (and maybe partly in a new table).
      if (!existing) await createTable(doc, definition);
      else if (missingIndexes(definition, existing).length) {
        await deleteTable(doc, name);
        await createTable(doc, definition);
      }
      await copyItems(doc, aside, name);
      await deleteTable(doc, aside);
      continue;
    }
    if (!existing) {
      await createTable(doc, definition);
      continue;
    }
    if (missingIndexes(definition, existing).length) await migrateTable(doc, definition, existing);
  }
}

const MIGRATING_SUFFIX = '-migrating';

async function describe(doc: DynamoDBDocumentClient, name: string): Promise<TableDescription | undefined> {
  try {
    return (await doc.send(new DescribeTableCommand({ TableName: name }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

function missingIndexes(definition: CreateTableCommandInput, existing: TableDescription): string[] {
  const has = new Set((existing.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  return (definition.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName!).filter((index) => !has.has(index));
}

/** Copies the table aside, makes it again from its definition, copies it back (rows gain their status key). */
async function migrateTable(
  doc: DynamoDBDocumentClient,
  definition: CreateTableCommandInput,
  existing: TableDescription,
): Promise<void> {
  const name = definition.TableName!;
  const aside = `${name}${MIGRATING_SUFFIX}`;
  await createTable(doc, {
    TableName: aside,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: existing.AttributeDefinitions,
    KeySchema: existing.KeySchema,
  });
  await copyItems(doc, name, aside);
  await deleteTable(doc, name);
  await createTable(doc, definition);
  await copyItems(doc, aside, name);
  await deleteTable(doc, aside);
}

/** Creates a table and waits until it takes items (dynalite makes it ACTIVE a tick later). */
async function createTable(doc: DynamoDBDocumentClient, definition: CreateTableCommandInput): Promise<void> {
  await doc.send(new CreateTableCommand(definition));
  for (let wait = 0; (await describe(doc, definition.TableName!))?.TableStatus !== 'ACTIVE' && wait < 100; wait++)
    await new Promise((resolve) => setTimeout(resolve, 50));
}

async function deleteTable(doc: DynamoDBDocumentClient, name: string): Promise<void> {
  await doc.send(new DeleteTableCommand({ TableName: name }));
  // dynalite drops a table at once (deleteTableMs 0); wait until it is gone all the same.
  for (let wait = 0; (await describe(doc, name)) && wait < 100; wait++)
    await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Every item of `from` into `to`; a repository row gets its status index key (`{jobId}#{status}`). */
async function copyItems(doc: DynamoDBDocumentClient, from: string, to: string): Promise<void> {
  for await (const page of itemPages(doc, { scan: { TableName: from, ConsistentRead: true } })) {
    const items = page.map((item) =>
      typeof item.status === 'string' && typeof item.repositoryName === 'string' && typeof item.jobId === 'string'
        ? { ...item, [STATUS_KEY_ATTRIBUTE]: statusKey(item.jobId, item.status) }
        : item,
    );
    await new RepositoriesTable(doc, to).putItems(items);
  }
}
