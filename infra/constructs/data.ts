import type { CreateTableCommandInput, KeySchemaElement } from '@aws-sdk/client-dynamodb';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { artifactsBucketName, JOB_SESSION_TAG, JOBS_OWNER_INDEX, REPOSITORIES_STATUS_INDEX } from '../../common/names';
import {
  jobsTableDefinition,
  repositoriesTableDefinition,
  TIME_TO_LIVE_ATTRIBUTE,
  tableNamesFor,
} from '../../backend/store/tables';
import type { DeployConfig } from '../config';
import { acknowledgeRule } from '../nag';

// The jobs and repositories tables and the artifacts bucket. The tables are built from the same
// definitions the local stack creates its tables from (backend/store/tables.ts), so AWS and the
// laptop cannot drift apart. With auditLogs, S3 logs every request on the artifacts bucket into a
// bucket of its own.

/** Item reads and writes: what backend/store does. No table management, no streams. */
export const TABLE_ITEM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
];

/** The item actions a job's worker needs, keyed by its job: every one but Scan, which names no key. */
export const JOB_ITEM_ACTIONS = TABLE_ITEM_ACTIONS.filter((action) => action !== 'dynamodb:Scan');

/** The session tag's value in a policy: IAM replaces it with the session's own tag when it evaluates the request. */
export const JOB_TAG_REFERENCE = `\${aws:PrincipalTag/${JOB_SESSION_TAG}}`;

export class CodyBatchData extends Construct {
  readonly jobsTable: dynamodb.TableV2;
  readonly repositoriesTable: dynamodb.TableV2;
  readonly artifactsBucket: s3.Bucket;
  /** The artifacts bucket's server access logs; with auditLogs only. */
  readonly accessLogsBucket?: s3.Bucket;

  constructor(scope: Construct, id: string, config: DeployConfig) {
    super(scope, id);
    // S3 log delivery is allowed by the log bucket's policy (AWS's advice), not by the legacy
    // LogDeliveryWrite ACL, which bucket-owner-enforced buckets refuse.
    this.node.setContext(cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    const prod = config.env === 'prod';
    const names = tableNamesFor(config.env);
    // prod keeps its data when the stack or a table is deleted; dev can be torn down.
    const durability = {
      deletionProtection: prod,
      removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    };
    // TTL is on whether or not retentionDays is set: only items that carry expiresAt expire.
    this.jobsTable = new dynamodb.TableV2(this, 'JobsTable', {
      ...tablePropsFrom(jobsTableDefinition(names.jobs)),
      ...durability,
      timeToLiveAttribute: TIME_TO_LIVE_ATTRIBUTE,
    });
    this.repositoriesTable = new dynamodb.TableV2(this, 'RepositoriesTable', {
      ...tablePropsFrom(repositoriesTableDefinition(names.repositories)),
      ...durability,
      timeToLiveAttribute: TIME_TO_LIVE_ATTRIBUTE,
    });

    if (config.auditLogs) {
      this.accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        // S3 delivers server access logs only into buckets encrypted with S3-managed keys.
        encryption: s3.BucketEncryption.S3_MANAGED,
        enforceSSL: true,
        lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(config.logRetentionDays) }],
        // A record of access outlives the stack (and never blocks deleting it); the objects still expire.
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }

    this.artifactsBucket = this.privateBucket(
      this,
      'ArtifactsBucket',
      {
        bucketName: config.artifactsBucketName ?? artifactsBucketName(config.env),
        lifecycleRules: [
          {
            id: 'expire-artifacts',
            expiration: Duration.days(config.artifactExpiryDays),
            abortIncompleteMultipartUploadAfter: Duration.days(1),
          },
          // Retention: a job's artifacts go with its rows (DynamoDB TTL on expiresAt, as many days after creation).
          ...(config.retentionDays !== undefined
            ? [{ id: 'expire-retained-jobs', prefix: 'jobs/', expiration: Duration.days(config.retentionDays) }]
            : []),
        ],
        // A non-empty bucket cannot be deleted: dev's must be emptied first (docs/operations.md).
        removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      },
      'artifacts/',
      'a dev stack stays cheap and can be torn down. prod logs every request; deploy with -c ' +
        'auditLogs=true to log dev too.',
    );
  }

  /**
   * A private bucket (public access blocked, owner-enforced, S3-managed keys, TLS 1.2 only) in `scope`.
   * With auditLogs its access is logged under `logPrefix` in the access-logs bucket; without, the S1
   * finding is acknowledged, `unlogged` saying why that is fine for it.
   */
  privateBucket(scope: Construct, id: string, props: s3.BucketProps, logPrefix: string, unlogged: string): s3.Bucket {
    const bucket = new s3.Bucket(scope, id, {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      ...props,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: this.accessLogsBucket ? logPrefix : undefined,
    });
    if (!this.accessLogsBucket) acknowledgeRule(bucket, 'S1', `auditLogs is off, the dev default: ${unlogged}`);
    return bucket;
  }

  /** Lets `grantee` read and write the items of both tables (not their indexes). */
  grantItemAccess(grantee: iam.IGrantable): void {
    const resources = [this.jobsTable.tableArn, this.repositoriesTable.tableArn];
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: TABLE_ITEM_ACTIONS, resources }));
  }

  /**
   * Lets `grantee` read and write the items of both tables whose partition key (`jobId`) is the
   * caller's session tag `jobId`, and no other: `dynamodb:LeadingKeys` must be present and hold only
   * that. Scan names no partition key, so it is not granted (the worker never scans). Nor is Query on
   * an index: LeadingKeys is then the index's partition key (byStatus: `jobId#status`, byOwner: the
   * owner), never the tag's value, and a worker reads its rows by key.
   */
  grantJobItemAccess(grantee: iam.IGrantable): void {
    const resources = [this.jobsTable.tableArn, this.repositoriesTable.tableArn];
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: JOB_ITEM_ACTIONS,
        resources,
        conditions: {
          'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [JOB_TAG_REFERENCE] },
          Null: { 'dynamodb:LeadingKeys': 'false' },
        },
      }),
    );
  }

  /**
   * Lets `grantee` query the two indexes the API reads: an owner's jobs (the jobs table's byOwner)
   * and a job's rows in one status (the repositories table's byStatus).
   */
  grantIndexQueries(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [
          `${this.jobsTable.tableArn}/index/${JOBS_OWNER_INDEX}`,
          `${this.repositoriesTable.tableArn}/index/${REPOSITORIES_STATUS_INDEX}`,
        ],
      }),
    );
  }
}

/** TableV2 props (keys, attribute types, GSIs, on-demand, point-in-time recovery) from a CreateTable input. */
export function tablePropsFrom(definition: CreateTableCommandInput): dynamodb.TablePropsV2 {
  const attribute = (name: string): dynamodb.Attribute => {
    const type = definition.AttributeDefinitions?.find((candidate) => candidate.AttributeName === name)?.AttributeType;
    if (!type) throw new Error(`${definition.TableName}: attribute ${name} has no definition`);
    return { name, type: type as dynamodb.AttributeType };
  };
  const keys = (schema: KeySchemaElement[] | undefined) => ({
    partitionKey: attribute(schema!.find((key) => key.KeyType === 'HASH')!.AttributeName!),
    sortKey: schema?.some((key) => key.KeyType === 'RANGE')
      ? attribute(schema.find((key) => key.KeyType === 'RANGE')!.AttributeName!)
      : undefined,
  });
  if (definition.BillingMode !== 'PAY_PER_REQUEST')
    throw new Error(`${definition.TableName}: only on-demand tables are supported`);
  return {
    tableName: definition.TableName,
    ...keys(definition.KeySchema),
    billing: dynamodb.Billing.onDemand(),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    globalSecondaryIndexes: definition.GlobalSecondaryIndexes?.map((index) => ({
      indexName: index.IndexName!,
      ...keys(index.KeySchema),
      projectionType: index.Projection?.ProjectionType as dynamodb.ProjectionType,
    })),
  };
}
