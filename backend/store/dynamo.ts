import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { jobsTableDefinition, repositoriesTableDefinition, type TableNames } from './tables';

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
