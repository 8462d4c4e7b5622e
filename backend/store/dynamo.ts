import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { jobsTableDefinition, repositoriesTableDefinition, type TableNames } from './tables';

export interface DynamoOptions {
  /** A local endpoint such as dynalite's; AWS otherwise. */
  endpoint?: string;
  region?: string;
}

export function createDocumentClient(options: DynamoOptions = {}): DynamoDBDocumentClient {
  const local = options.endpoint !== undefined;
  const client = new DynamoDBClient({
    endpoint: options.endpoint,
    region: options.region ?? process.env.AWS_REGION ?? (local ? 'local' : undefined),
    // A local server accepts any credentials; never look up a real profile for it.
    credentials: local ? { accessKeyId: 'local', secretAccessKey: 'local' } : undefined,
    maxAttempts: 5,
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

/** Creates the tables that are missing (the local stack and tests; AWS tables come from CDK). */
export async function ensureTables(doc: DynamoDBDocumentClient, tables: TableNames): Promise<void> {
  for (const definition of [jobsTableDefinition(tables.jobs), repositoriesTableDefinition(tables.repositories)]) {
    try {
      await doc.send(new DescribeTableCommand({ TableName: definition.TableName }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      await doc.send(new CreateTableCommand(definition));
    }
  }
}
