import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENV } from '../../common/names';
import { resourceName, type DeployConfig } from '../config';
import { acknowledgeRule, acknowledgeWildcard } from '../nag';
import { LAMBDA_BUNDLES } from '../paths';
import type { CodyBatchWorkers } from './batch';
import type { CodyBatchData } from './data';
import { httpStage } from './httpStage';
import { codeHostEnvironment } from './codeHost';
import type { CodyBatchSecrets } from './secrets';

// The HTTP API (IAM auth on every route but GET /health and GET /openapi.json) in front of the API
// Lambda, and the sweeper Lambda that every five minutes fails stale RUNNING rows and rows whose
// Batch worker ended without running them. Both run the esbuild bundles in dist/lambda with their
// own least-privilege roles and log groups.

export const SWEEPER_SCHEDULE = Duration.minutes(5);

export interface CodyBatchApiProps {
  config: DeployConfig;
  data: CodyBatchData;
  workers: CodyBatchWorkers;
  secrets: CodyBatchSecrets;
  logRetention: logs.RetentionDays;
}

export class CodyBatchApi extends Construct {
  readonly apiFunction: lambda.Function;
  readonly sweeperFunction: lambda.Function;
  readonly httpApi: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly url: string;

  constructor(scope: Construct, id: string, props: CodyBatchApiProps) {
    super(scope, id);
    const { config, data, workers, secrets } = props;
    const code = lambda.Code.fromAsset(LAMBDA_BUNDLES);

    // What every Cody Batch Lambda is told: where the tables and artifacts are.
    const storeEnvironment = {
      [ENV.env]: config.env,
      [ENV.jobsTable]: data.jobsTable.tableName,
      [ENV.repositoriesTable]: data.repositoriesTable.tableName,
      [ENV.artifacts]: `s3://${data.artifactsBucket.bucketName}`,
    };
    // The code host both follow pull requests on (backend/hosts/), and where its credential is: the
    // secret's ARN, read at start with the function's own role, never the credential itself.
    const hostEnvironment = {
      ...codeHostEnvironment(config),
      [secrets.hostCredential.secretVariable]: secrets.hostToken.secretArn,
    };

    const api = this.nodeFunction('Api', {
      name: resourceName(config.env, 'api'),
      handler: 'api.handler',
      code,
      logRetention: props.logRetention,
      // API Gateway's HTTP APIs stop waiting after 30 s.
      timeout: Duration.seconds(29),
      memorySize: 1024,
      environment: {
        ...storeEnvironment,
        [ENV.jobQueue]: workers.jobQueue.jobQueueArn,
        [ENV.jobDefinition]: workers.jobDefinition.jobDefinitionArn,
        // Workers at once (sizes a run's shards) and each one's time per repository (a shard's timeout).
        [ENV.concurrency]: String(Math.max(1, Math.floor(config.maxVcpus / config.workerCpu))),
        [ENV.workerTimeoutMinutes]: String(config.workerTimeoutMinutes),
        [ENV.claudeProvider]: config.claudeProvider,
        // The code host repository queries are resolved on and pull requests followed on.
        ...hostEnvironment,
        // Jobs it creates carry expiresAt, which DynamoDB's TTL acts on.
        ...(config.retentionDays !== undefined ? { [ENV.retentionDays]: String(config.retentionDays) } : {}),
        // Where its signing key and the workers' seal key are (read at start with its own role).
        [ENV.signingKeySecret]: secrets.signingKey.secretArn,
        [ENV.workerKeySecret]: secrets.workerKey.secretArn,
      },
    });
    this.apiFunction = api;
    const apiRole = api.role as iam.Role;
    api.addToRolePolicy(readHostCredential(secrets));
    // The signing key is the API's alone: no other role of the stack may read it.
    api.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [secrets.signingKey.secretArn, secrets.workerKey.secretArn],
      }),
    );
    data.grantItemAccess(api);
    data.grantIndexQueries(api);
    const jobArtifacts = data.artifactsBucket.arnForObjects('jobs/*');
    api.addToRolePolicy(
      new iam.PolicyStatement({
        // Artifacts only: reads serve the diff, thread and log routes and back presigned diff URLs;
        // deletes remove a job's artifacts (ArtifactStore.deletePrefix).
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        resources: [jobArtifacts],
      }),
    );
    api.addToRolePolicy(
      new iam.PolicyStatement({
        // Without ListBucket, S3 answers 403 instead of 404 for a missing artifact.
        actions: ['s3:ListBucket'],
        resources: [data.artifactsBucket.bucketArn],
      }),
    );
    const jobDefinitionRevisions = workers.jobDefinitionRevisionsArn();
    api.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['batch:SubmitJob'],
        resources: [workers.jobQueue.jobQueueArn, jobDefinitionRevisions],
      }),
    );
    const batchJobs = Stack.of(this).formatArn({ service: 'batch', resource: 'job', resourceName: '*' });
    api.addToRolePolicy(
      new iam.PolicyStatement({
        // Cancel: CancelJob on the array parent, and TerminateJobs (which needs batch:TerminateJob,
        // there is no batch:TerminateJobs action) on its running children. These act on job ARNs,
        // which exist only after SubmitJob: scoped to this account and region.
        actions: ['batch:TerminateJob', 'batch:CancelJob'],
        resources: [batchJobs],
      }),
    );
    api.addToRolePolicy(readBatchJobs());
    // A bulk operation goes on after its request in this function, invoked again asynchronously
    // (backend/api/lambdaOperations.ts). Its ARN from its name: the function's own would be a cycle.
    const apiFunctionArn = Stack.of(this).formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: resourceName(config.env, 'api'),
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    api.addToRolePolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [apiFunctionArn] }));
    acknowledgeWildcard(apiRole, '*', READ_BATCH_JOBS_REASON);
    acknowledgeWildcard(
      apiRole,
      jobArtifacts,
      'Artifact keys are jobs/{jobId}/{owner}/{name}/..., made per job at run time, so the ' +
        'jobs/ prefix is the narrowest name the stack has. Objects only (get, put, delete) in ' +
        'this one bucket; the API serves only the artifacts of the caller’s own jobs.',
    );
    acknowledgeWildcard(
      apiRole,
      batchJobs,
      'TerminateJob and CancelJob act on job ARNs, whose ids SubmitJob makes at run time: this ' +
        'account and region only. The API stops only the Batch job id it recorded on the ' +
        'caller’s job.',
    );
    acknowledgeWildcard(
      apiRole,
      jobDefinitionRevisions,
      'Every revision of this stack’s one job definition (the name is exact). A worker change ' +
        'deploys a new revision, and CloudFormation updates this policy before the API Lambda’s ' +
        'environment, so naming one revision would refuse SubmitJob during that deploy.',
    );

    const sweeper = this.nodeFunction('Sweeper', {
      name: resourceName(config.env, 'sweeper'),
      handler: 'sweeper.handler',
      code,
      logRetention: props.logRetention,
      timeout: Duration.minutes(4),
      memorySize: 512,
      // It also refreshes the pull requests of jobs that have open ones, and hands bulk operations
      // whose runner stopped to the API function.
      environment: {
        ...storeEnvironment,
        ...hostEnvironment,
        [ENV.operationsFunction]: resourceName(config.env, 'api'),
      },
    });
    this.sweeperFunction = sweeper;
    data.grantItemAccess(sweeper);
    sweeper.addToRolePolicy(readHostCredential(secrets));
    sweeper.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [apiFunctionArn] }),
    );
    // The sweeper asks Batch which workers ended without running their repository.
    sweeper.addToRolePolicy(readBatchJobs());
    acknowledgeWildcard(sweeper.role as iam.Role, '*', READ_BATCH_JOBS_REASON);
    new events.Rule(this, 'SweeperSchedule', {
      ruleName: resourceName(config.env, 'sweeper-schedule'),
      description: 'Cody Batch: fail RUNNING repositories whose worker stopped sending heartbeats',
      schedule: events.Schedule.rate(SWEEPER_SCHEDULE),
      targets: [new targets.LambdaFunction(sweeper, { retryAttempts: 0 })],
    });

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      logGroupName: `/aws/apigateway/${resourceName(config.env, 'api')}`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      apiName: resourceName(config.env, 'api'),
      description: 'Cody Batch REST API (IAM auth; GET /health and GET /openapi.json are open)',
      createDefaultStage: false,
      defaultAuthorizer: new HttpIamAuthorizer(),
    });
    this.stage = httpStage(this, 'DefaultStage', this.httpApi, accessLogs, '$context.identity.userArn');
    this.url = this.stage.url;
    const integration = new HttpLambdaIntegration('ApiIntegration', api, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
    });
    // Open on purpose, each for the reason given: every other route requires IAM (SigV4).
    const openRoutes = {
      '/health':
        'GET /health is open on purpose, so that a person or a monitor can see the API is up ' +
        'without AWS credentials. It answers {status, version} and reads no job, user or account ' +
        'data; every other route requires IAM (SigV4).',
      '/openapi.json':
        'GET /openapi.json is open on purpose, so that tools can read the API description ' +
        'without AWS credentials, as the README promises. It answers the same document that is ' +
        'checked in as docs/openapi.json and reads no job, user or account data; every other ' +
        'route requires IAM (SigV4).',
    };
    for (const [path, why] of Object.entries(openRoutes)) {
      const [route] = this.httpApi.addRoutes({
        path,
        methods: [apigwv2.HttpMethod.GET],
        integration,
        authorizer: new apigwv2.HttpNoneAuthorizer(),
      });
      acknowledgeRule(route!, 'APIG4', why);
    }
    this.httpApi.addRoutes({ path: '/{proxy+}', methods: [apigwv2.HttpMethod.ANY], integration });
  }

  /** A Node.js 24 function (Lambda's newest runtime) on arm64, with its own role and log group (no managed policy). */
  private nodeFunction(
    id: string,
    options: {
      name: string;
      handler: string;
      code: lambda.Code;
      logRetention: logs.RetentionDays;
      timeout: Duration;
      memorySize: number;
      environment: Record<string, string>;
    },
  ): lambda.Function {
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      logGroupName: `/aws/lambda/${options.name}`,
      retention: options.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Cody Batch: the ${options.name} Lambda`,
    });
    logGroup.grantWrite(role);
    return new lambda.Function(this, id, {
      functionName: options.name,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: options.handler,
      code: options.code,
      role,
      logGroup,
      timeout: options.timeout,
      memorySize: options.memorySize,
      // No --enable-source-maps: it parsed every chunk's map at each cold start; a logged error's
      // stack is mapped when it is logged (backend/api/sourceMappedStack.ts).
      environment: options.environment,
    });
  }
}

const READ_BATCH_JOBS_REASON =
  'The only actions on "*" here are batch:DescribeJobs and batch:ListJobs: AWS Batch ' +
  'supports no resource-level permissions for them, so IAM takes only Resource "*". Both ' +
  'only read job status.';

/** GetSecretValue on the code host's credential alone: the API and the sweeper follow pull requests with it. */
function readHostCredential(secrets: CodyBatchSecrets): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['secretsmanager:GetSecretValue'],
    resources: [secrets.hostToken.secretArn],
  });
}

/** DescribeJobs and ListJobs, to see a run's parent and its children. */
function readBatchJobs(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    // AWS requires "*": DescribeJobs and ListJobs support no resource-level permissions.
    actions: ['batch:DescribeJobs', 'batch:ListJobs'],
    resources: ['*'],
  });
}
