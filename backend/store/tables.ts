import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import {
  ENV,
  JOBS_OWNER_INDEX,
  REPOSITORIES_STATUS_INDEX,
  jobsTableName,
  repositoriesTableName,
} from '../../common/names';

// The two tables, as docs/architecture.md ("Names shared by every part") gives them. The local stack creates them from
// these definitions, and the infra tests compare the CDK stack against them.

/**
 * DynamoDB's TTL attribute on both tables: `expiresAt`, epoch seconds, set from
 * CODY_BATCH_RETENTION_DAYS at creation (backend/store/retention.ts). Items without it never expire.
 */
export const TIME_TO_LIVE_ATTRIBUTE = 'expiresAt';

/**
 * The key of the repositories table's status index: `{jobId}#{status}` on every row, written with
 * its status (backend/store/repositories.ts), so the rows of one job in one status are one Query.
 * A name list's chunk items have none, so the index never holds them.
 */
export const STATUS_KEY_ATTRIBUTE = 'jobStatus';

export function statusKey(jobId: string, status: string): string {
  return `${jobId}#${status}`;
}

export interface TableNames {
  jobs: string;
  repositories: string;
}

export function tableNamesFor(env: string): TableNames {
  return { jobs: jobsTableName(env), repositories: repositoriesTableName(env) };
}

/** The tables named by CODY_BATCH_JOBS_TABLE / CODY_BATCH_REPOSITORIES_TABLE, else by CODY_BATCH_ENV. */
export function tableNamesFromEnvironment(env: NodeJS.ProcessEnv): TableNames {
  const defaults = tableNamesFor(env[ENV.env] || 'dev');
  return {
    jobs: env[ENV.jobsTable] || defaults.jobs,
    repositories: env[ENV.repositoriesTable] || defaults.repositories,
  };
}

export function jobsTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'jobId', AttributeType: 'S' },
      { AttributeName: 'owner', AttributeType: 'S' },
      { AttributeName: 'createdAt', AttributeType: 'S' },
    ],
    KeySchema: [{ AttributeName: 'jobId', KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      {
        IndexName: JOBS_OWNER_INDEX,
        KeySchema: [
          { AttributeName: 'owner', KeyType: 'HASH' },
          { AttributeName: 'createdAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

export function repositoriesTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'jobId', AttributeType: 'S' },
      { AttributeName: 'repositoryName', AttributeType: 'S' },
      { AttributeName: STATUS_KEY_ATTRIBUTE, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'jobId', KeyType: 'HASH' },
      { AttributeName: 'repositoryName', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        // Whole rows (the tree and the overview show them): a status page is one Query, no read back.
        IndexName: REPOSITORIES_STATUS_INDEX,
        KeySchema: [
          { AttributeName: STATUS_KEY_ATTRIBUTE, KeyType: 'HASH' },
          { AttributeName: 'repositoryName', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}
