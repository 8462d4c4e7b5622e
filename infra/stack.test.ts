import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Match } from 'aws-cdk-lib/assertions';
import { artifactsBucketName, ENV, JOBS_OWNER_INDEX, REPOSITORIES_STATUS_INDEX } from '../common/names';
import {
  jobsTableDefinition,
  repositoriesTableDefinition,
  TIME_TO_LIVE_ATTRIBUTE,
  tableNamesFor,
} from '../backend/store/tables';
import { defaultConfig } from './config';
import { WORKER_RETRY_ATTEMPTS } from './constructs/batch';
import {
  assetManifest,
  describeEachEnvironment,
  namedResource,
  render,
  resourcesOf,
  synthesizeBoth,
  synthesizeEveryParameter,
  type Json,
} from './testing';

// The synthesized templates of both environments, as an operator would review them before a deploy.

/** A bucket that blocks every kind of public access and encrypts what it stores (SSE-S3). */
function assertPrivateAndEncrypted(bucket: { Properties?: Record<string, unknown> }): void {
  assert.deepEqual(bucket.Properties!.PublicAccessBlockConfiguration, {
    BlockPublicAcls: true,
    BlockPublicPolicy: true,
    IgnorePublicAcls: true,
    RestrictPublicBuckets: true,
  });
  assert.deepEqual(bucket.Properties!.BucketEncryption, {
    ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
  });
}

describe('infra: the CDK stacks', function () {
  this.timeout(120_000);
  describeEachEnvironment((env, template) => {
    const names = tableNamesFor(env);
    const table = (name: string) =>
      namedResource(template(), 'AWS::DynamoDB::GlobalTable', 'TableName', name)[1].Properties!;
    const job = () => Object.values(resourcesOf(template(), 'AWS::Batch::JobDefinition'))[0]!.Properties!;
    const lambdaNamed = (name: string) =>
      namedResource(template(), 'AWS::Lambda::Function', 'FunctionName', name)[1].Properties!;

    it('names every resource cody-batch-{env}-…', () => {
      template().hasResourceProperties('AWS::DynamoDB::GlobalTable', { TableName: names.jobs });
      template().hasResourceProperties('AWS::DynamoDB::GlobalTable', { TableName: names.repositories });
      template().hasResourceProperties('AWS::S3::Bucket', { BucketName: artifactsBucketName(env) });
      template().hasResourceProperties('AWS::Lambda::Function', { FunctionName: `cody-batch-${env}-api` });
      template().hasResourceProperties('AWS::Lambda::Function', { FunctionName: `cody-batch-${env}-sweeper` });
      template().hasResourceProperties('AWS::ApiGatewayV2::Api', {
        Name: `cody-batch-${env}-api`,
        ProtocolType: 'HTTP',
      });
      template().hasResourceProperties('AWS::Batch::ComputeEnvironment', {
        ComputeEnvironmentName: `cody-batch-${env}-compute`,
      });
      template().hasResourceProperties('AWS::Batch::JobQueue', { JobQueueName: `cody-batch-${env}-job-queue` });
      template().hasResourceProperties('AWS::Batch::JobDefinition', {
        JobDefinitionName: `cody-batch-${env}-job-definition`,
      });
      template().hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: `/aws/lambda/cody-batch-${env}-api` });
      template().hasResourceProperties('AWS::SecretsManager::Secret', { Name: `cody-batch/${env}/github-token` });
    });

    it('defines the tables exactly as the local stack does (keys, attribute types, the byOwner and byStatus indexes)', () => {
      for (const definition of [jobsTableDefinition(names.jobs), repositoriesTableDefinition(names.repositories)]) {
        const cdk = table(definition.TableName!);
        const sortByName = <T extends { AttributeName?: string }>(items: T[]) =>
          [...items].sort((a, b) => a.AttributeName!.localeCompare(b.AttributeName!));
        assert.deepEqual(
          sortByName(cdk.AttributeDefinitions as { AttributeName: string }[]),
          sortByName(definition.AttributeDefinitions!),
          definition.TableName,
        );
        assert.deepEqual(cdk.KeySchema, definition.KeySchema, definition.TableName);
        assert.equal(cdk.BillingMode, definition.BillingMode);
        assert.deepEqual(cdk.GlobalSecondaryIndexes, definition.GlobalSecondaryIndexes, definition.TableName);
      }
      const byOwner = (table(names.jobs).GlobalSecondaryIndexes as { IndexName: string; KeySchema: Json }[]).find(
        (index) => index.IndexName === JOBS_OWNER_INDEX,
      );
      assert.deepEqual(byOwner?.KeySchema, [
        { AttributeName: 'owner', KeyType: 'HASH' },
        { AttributeName: 'createdAt', KeyType: 'RANGE' },
      ]);
      const byStatus = (
        table(names.repositories).GlobalSecondaryIndexes as { IndexName: string; KeySchema: Json; Projection: Json }[]
      ).find((index) => index.IndexName === REPOSITORIES_STATUS_INDEX);
      assert.deepEqual(byStatus?.KeySchema, [
        { AttributeName: 'jobStatus', KeyType: 'HASH' },
        { AttributeName: 'repositoryName', KeyType: 'RANGE' },
      ]);
      assert.deepEqual(byStatus?.Projection, { ProjectionType: 'ALL' });
    });

    it('turns point-in-time recovery on for both tables, on demand', () => {
      for (const name of [names.jobs, names.repositories]) {
        const [replica] = table(name).Replicas as {
          PointInTimeRecoverySpecification: Json;
          DeletionProtectionEnabled: boolean;
        }[];
        assert.deepEqual(replica!.PointInTimeRecoverySpecification, { PointInTimeRecoveryEnabled: true }, name);
        assert.equal(table(name).BillingMode, 'PAY_PER_REQUEST');
      }
    });

    it(env === 'prod' ? 'retains and deletion-protects the prod tables and bucket' : 'lets dev be torn down', () => {
      const retained = env === 'prod';
      for (const name of [names.jobs, names.repositories]) {
        const [, resource] = namedResource(template(), 'AWS::DynamoDB::GlobalTable', 'TableName', name);
        assert.equal(resource.DeletionPolicy, retained ? 'Retain' : 'Delete', name);
        assert.equal(resource.UpdateReplacePolicy, retained ? 'Retain' : 'Delete', name);
        assert.equal(
          (resource.Properties!.Replicas as { DeletionProtectionEnabled: boolean }[])[0]!.DeletionProtectionEnabled,
          retained,
          name,
        );
      }
      const [, bucket] = namedResource(template(), 'AWS::S3::Bucket', 'BucketName', artifactsBucketName(env));
      assert.equal(bucket.DeletionPolicy, retained ? 'Retain' : 'Delete');
      assert.equal(synthesizeBoth().stacks[env].terminationProtection, retained, 'stack termination protection');
    });

    it('keeps the artifacts bucket private, encrypted, TLS-only, and expiring', () => {
      const [bucketId, bucket] = namedResource(template(), 'AWS::S3::Bucket', 'BucketName', artifactsBucketName(env));
      assertPrivateAndEncrypted(bucket);
      const rules = (
        bucket.Properties!.LifecycleConfiguration as { Rules: { ExpirationInDays?: number; Status: string }[] }
      ).Rules;
      assert.ok(
        rules.some(
          (rule) => rule.Status === 'Enabled' && rule.ExpirationInDays === defaultConfig(env).artifactExpiryDays,
        ),
      );
      template().hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: bucketId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });

    it('requires IAM auth on every API route except GET /health and GET /openapi.json', () => {
      // The web app's API (cody-batch-{env}-web-api) has its own routes, with the user pool's JWT
      // authorizer on every one (infra/frontend.test.ts).
      const [iamApiId] = namedResource(template(), 'AWS::ApiGatewayV2::Api', 'Name', `cody-batch-${env}-api`);
      const routes = Object.values(resourcesOf(template(), 'AWS::ApiGatewayV2::Route'))
        .map((route) => route.Properties!)
        .filter((route) => (route.ApiId as { Ref?: string }).Ref === iamApiId);
      assert.ok(routes.length >= 3);
      const open = ['GET /health', 'GET /openapi.json'];
      for (const route of routes) {
        if (open.includes(String(route.RouteKey))) assert.equal(route.AuthorizationType, 'NONE');
        else assert.equal(route.AuthorizationType, 'AWS_IAM', `${String(route.RouteKey)} must be IAM-authorized`);
      }
      assert.deepEqual(routes.map((route) => route.RouteKey).sort(), ['ANY /{proxy+}', ...open]);
    });

    it('runs the API and the sweeper from the bundles on Node.js 24, the sweeper every five minutes', () => {
      const api = lambdaNamed(`cody-batch-${env}-api`);
      const sweeper = lambdaNamed(`cody-batch-${env}-sweeper`);
      assert.equal(api.Runtime, 'nodejs24.x');
      assert.equal(api.Handler, 'api.handler');
      assert.equal(sweeper.Runtime, 'nodejs24.x');
      assert.equal(sweeper.Handler, 'sweeper.handler');
      const [sweeperId] = namedResource(
        template(),
        'AWS::Lambda::Function',
        'FunctionName',
        `cody-batch-${env}-sweeper`,
      );
      template().hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(5 minutes)',
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [sweeperId, 'Arn'] } })],
      });
    });

    it('deploys code assets in which each Lambda handler is an exported function', async () => {
      const manifest = assetManifest(env);
      for (const fn of Object.values(resourcesOf(template(), 'AWS::Lambda::Function'))) {
        const key = render((fn.Properties!.Code as { S3Key: Json }).S3Key);
        const asset = manifest.files[key.replace(/\.zip$/, '')];
        assert.ok(asset, `${key} is an asset of the stack`);
        const [file, exported] = String(fn.Properties!.Handler).split('.');
        // ES modules (.mjs), as Lambda's Node runtime loads them by the handler's file name.
        const module = (await import(pathToFileURL(path.join(asset.source.path, `${file}.mjs`)).href)) as Record<
          string,
          unknown
        >;
        assert.equal(
          typeof module[exported!],
          'function',
          `${String(fn.Properties!.FunctionName)}: ${String(fn.Properties!.Handler)}`,
        );
      }
    });

    it('tells the API Lambda its tables, bucket, queue, job definition and Claude provider by the shared names', () => {
      const variables = (lambdaNamed(`cody-batch-${env}-api`).Environment as { Variables: Record<string, Json> })
        .Variables;
      const [jobsId] = namedResource(template(), 'AWS::DynamoDB::GlobalTable', 'TableName', names.jobs);
      const [repositoriesId] = namedResource(template(), 'AWS::DynamoDB::GlobalTable', 'TableName', names.repositories);
      const [bucketId] = namedResource(template(), 'AWS::S3::Bucket', 'BucketName', artifactsBucketName(env));
      const [queueId] = namedResource(
        template(),
        'AWS::Batch::JobQueue',
        'JobQueueName',
        `cody-batch-${env}-job-queue`,
      );
      const [definitionId] = namedResource(
        template(),
        'AWS::Batch::JobDefinition',
        'JobDefinitionName',
        `cody-batch-${env}-job-definition`,
      );
      assert.equal(variables[ENV.env], env);
      assert.equal(render(variables[ENV.jobsTable]!), `\${${jobsId}}`);
      assert.equal(render(variables[ENV.repositoriesTable]!), `\${${repositoriesId}}`);
      assert.equal(render(variables[ENV.artifacts]!), `s3://\${${bucketId}}`);
      assert.equal(render(variables[ENV.jobQueue]!), `\${${queueId}.JobQueueArn}`);
      assert.equal(render(variables[ENV.jobDefinition]!), `\${${definitionId}}`);
      assert.equal(variables[ENV.claudeProvider], 'anthropic');
      // Shards are sized from the workers that run at once; a shard's timeout from the per-repository one.
      assert.equal(variables[ENV.concurrency], env === 'prod' ? '64' : '16');
      assert.equal(variables[ENV.workerTimeoutMinutes], '60');
      assert.ok(
        !(ENV.githubToken in variables) && !(ENV.anthropicApiKey in variables),
        'no secret in the Lambda environment',
      );
    });

    it('runs the worker on Fargate from the image asset, with its own job role', () => {
      const properties = job();
      assert.deepEqual(properties.PlatformCapabilities, ['FARGATE']);
      const container = properties.ContainerProperties as Record<string, Json>;
      // The image is the DockerImageAsset, published by `cdk deploy` to the bootstrap repository.
      const image = render(container.Image!);
      const [asset] = Object.values(synthesizeBoth().stacks[env].workers.node.findAll()).filter(
        (construct) => construct.node.id === 'WorkerImage',
      );
      assert.ok(asset, 'the worker image is a DockerImageAsset');
      assert.match(image, /cdk-[a-z0-9]+-container-assets-.*:[0-9a-f]{64}$/);
      assert.ok(
        image.endsWith(`:${(asset as unknown as { assetHash: string }).assetHash}`),
        'the job definition uses the asset',
      );
      assert.deepEqual(container.NetworkConfiguration, { AssignPublicIp: 'ENABLED' });
      assert.ok(render(container.JobRoleArn!).includes('JobRole'), 'a job role of its own');
      assert.notEqual(
        render(container.JobRoleArn!),
        render(container.ExecutionRoleArn!),
        'the job role is not the execution role',
      );
      const resources = container.ResourceRequirements as { Type: string; Value: string }[];
      assert.deepEqual(Object.fromEntries(resources.map((requirement) => [requirement.Type, requirement.Value])), {
        VCPU: String(defaultConfig(env).workerCpu),
        MEMORY: String(defaultConfig(env).workerMemoryMiB),
      });
      assert.deepEqual(properties.Timeout, { AttemptDurationSeconds: defaultConfig(env).workerTimeoutMinutes * 60 });
    });

    it('gives the worker the design’s environment and injects its secrets from Secrets Manager, never as values', () => {
      const container = job().ContainerProperties as {
        Environment: { Name: string; Value: Json }[];
        Secrets: { Name: string; ValueFrom: Json }[];
      };
      const environment = Object.fromEntries(
        container.Environment.map((variable) => [variable.Name, render(variable.Value)]),
      );
      assert.equal(environment[ENV.env], env);
      for (const name of [ENV.jobsTable, ENV.repositoriesTable, ENV.artifacts, ENV.claudeProvider])
        assert.ok(environment[name], `${name} is set`);
      for (const name of [ENV.githubToken, ENV.anthropicApiKey, ENV.jobId])
        assert.ok(!(name in environment), `${name} is not a plain variable`);
      const secrets = resourcesOf(template(), 'AWS::SecretsManager::Secret');
      assert.deepEqual(
        container.Secrets.map((secret) => secret.Name).sort(),
        [ENV.anthropicApiKey, ENV.githubToken, ENV.workerKey].sort(),
      );
      for (const secret of container.Secrets) {
        const ref = (secret.ValueFrom as { Ref?: string }).Ref;
        assert.ok(ref && secrets[ref], `${secret.Name} comes from a secret of this stack`);
      }
      for (const [id, secret] of Object.entries(secrets)) {
        assert.ok(!('SecretString' in secret.Properties!), `${id} has no value in the template`);
      }
    });

    it('retries a worker only on host and infrastructure failures', () => {
      const strategy = job().RetryStrategy as { Attempts: number; EvaluateOnExit: Record<string, string>[] };
      assert.equal(strategy.Attempts, WORKER_RETRY_ATTEMPTS);
      const conditions = strategy.EvaluateOnExit;
      assert.deepEqual(conditions.at(-1), { Action: 'EXIT', OnReason: '*' }, 'everything else exits');
      assert.ok(
        conditions.some((condition) => condition.Action === 'RETRY' && condition.OnStatusReason === 'Host EC2*'),
      );
      assert.ok(
        conditions.some(
          (condition) => condition.Action === 'RETRY' && condition.OnReason?.startsWith('CannotPullContainerError'),
        ),
      );
      for (const condition of conditions)
        assert.ok(!('OnExitCode' in condition), 'no exit code of the worker is retried');
      assert.ok(conditions.length <= 5, 'Batch takes at most five conditions');
    });

    it('runs Batch in a VPC of its own with public subnets and no NAT gateway', () => {
      template().resourceCountIs('AWS::EC2::VPC', 1);
      template().resourceCountIs('AWS::EC2::NatGateway', 0);
      const subnets = Object.values(resourcesOf(template(), 'AWS::EC2::Subnet'));
      assert.ok(subnets.length >= 2 && subnets.every((subnet) => subnet.Properties!.MapPublicIpOnLaunch === true));
      const compute = namedResource(
        template(),
        'AWS::Batch::ComputeEnvironment',
        'ComputeEnvironmentName',
        `cody-batch-${env}-compute`,
      )[1].Properties!;
      const resources = compute.ComputeResources as { Type: string; MaxvCpus: number };
      assert.equal(resources.Type, defaultConfig(env).spot ? 'FARGATE_SPOT' : 'FARGATE');
      assert.equal(resources.MaxvCpus, defaultConfig(env).maxVcpus);
      const groups = Object.values(resourcesOf(template(), 'AWS::EC2::SecurityGroup'));
      for (const group of groups) assert.equal(group.Properties!.SecurityGroupIngress, undefined, 'no inbound rule');
    });

    it('sets a retention on every log group', () => {
      const groups = Object.values(resourcesOf(template(), 'AWS::Logs::LogGroup'));
      assert.deepEqual(
        groups.map((group) => group.Properties!.LogGroupName).sort(),
        [
          `/aws/apigateway/cody-batch-${env}-api`,
          `/aws/apigateway/cody-batch-${env}-web-api`,
          `/aws/batch/cody-batch-${env}-worker`,
          `/aws/lambda/cody-batch-${env}-api`,
          `/aws/lambda/cody-batch-${env}-sweeper`,
          ...(defaultConfig(env).auditLogs ? [`/aws/vpc/cody-batch-${env}-flow-logs`] : []),
        ].sort(),
      );
      for (const group of groups)
        assert.equal(
          group.Properties!.RetentionInDays,
          defaultConfig(env).logRetentionDays,
          String(group.Properties!.LogGroupName),
        );
      // Each Lambda logs into its own group; the worker's container logs into the worker group.
      for (const fn of Object.values(resourcesOf(template(), 'AWS::Lambda::Function'))) {
        assert.ok(
          (fn.Properties!.LoggingConfig as { LogGroup?: Json } | undefined)?.LogGroup,
          `${String(fn.Properties!.FunctionName)} has its log group`,
        );
      }
    });

    it(
      defaultConfig(env).auditLogs
        ? 'logs the VPC’s traffic and the artifacts bucket’s requests, kept logRetentionDays'
        : 'keeps no VPC flow logs and no bucket access logs by default (auditLogs off in dev)',
      () => {
        const flowLogs = Object.values(resourcesOf(template(), 'AWS::EC2::FlowLog')).map(
          (flowLog) => flowLog.Properties!,
        );
        const [, bucket] = namedResource(template(), 'AWS::S3::Bucket', 'BucketName', artifactsBucketName(env));
        const logging = bucket.Properties!.LoggingConfiguration as { DestinationBucketName: Json } | undefined;
        if (!defaultConfig(env).auditLogs) {
          assert.deepEqual(flowLogs, []);
          assert.equal(logging, undefined);
          return;
        }
        const [vpcId] = Object.keys(resourcesOf(template(), 'AWS::EC2::VPC'));
        assert.equal(flowLogs.length, 1);
        assert.deepEqual(flowLogs[0]!.ResourceId, { Ref: vpcId });
        assert.equal(flowLogs[0]!.TrafficType, 'ALL');
        const [flowLogGroupId] = namedResource(
          template(),
          'AWS::Logs::LogGroup',
          'LogGroupName',
          `/aws/vpc/cody-batch-${env}-flow-logs`,
        );
        assert.deepEqual(flowLogs[0]!.LogGroupName, { Ref: flowLogGroupId });

        assert.ok(logging, 'the artifacts bucket logs its requests');
        const logBucketId = render(logging.DestinationBucketName).replace(/^\$\{(\w+)\}$/, '$1');
        const logBucket = resourcesOf(template(), 'AWS::S3::Bucket')[logBucketId];
        assert.ok(logBucket, 'into a bucket of this stack');
        assertPrivateAndEncrypted(logBucket);
        const rules = (logBucket.Properties!.LifecycleConfiguration as { Rules: { ExpirationInDays?: number }[] })
          .Rules;
        assert.deepEqual(
          rules.map((rule) => rule.ExpirationInDays),
          [defaultConfig(env).logRetentionDays],
        );
        assert.equal(logBucket.DeletionPolicy, 'Retain', 'access logs outlive the stack, until they expire');
        template().hasResourceProperties('AWS::S3::BucketPolicy', {
          Bucket: { Ref: logBucketId },
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            ]),
          },
        });
      },
    );

    it('alarms on API 5xx, Lambda errors and failed worker jobs, into one SNS topic', () => {
      const alarms = Object.values(resourcesOf(template(), 'AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties!);
      const alarm = (name: string) => {
        const found = alarms.find((candidate) => candidate.AlarmName === `cody-batch-${env}-${name}`);
        assert.ok(found, `alarm ${name}`);
        return found;
      };
      const [topicId] = namedResource(template(), 'AWS::SNS::Topic', 'TopicName', `cody-batch-${env}-alarms`);
      for (const found of alarms) assert.deepEqual(found.AlarmActions, [{ Ref: topicId }]);
      assert.equal(alarm('api-5xx').MetricName, '5xx');
      assert.equal(alarm('api-5xx').Namespace, 'AWS/ApiGateway');
      assert.equal(alarm('api-errors').MetricName, 'Errors');
      assert.equal(alarm('sweeper-errors').MetricName, 'Errors');
      assert.equal(alarm('worker-failed').MetricName, 'TriggeredRules');

      const [, rule] = namedResource(template(), 'AWS::Events::Rule', 'Name', `cody-batch-${env}-worker-failed`);
      const [queueId] = namedResource(
        template(),
        'AWS::Batch::JobQueue',
        'JobQueueName',
        `cody-batch-${env}-job-queue`,
      );
      const pattern = rule.Properties!.EventPattern as {
        source: string[];
        'detail-type': string[];
        detail: { status: string[]; jobQueue: Json[] };
      };
      assert.deepEqual(pattern.source, ['aws.batch']);
      assert.deepEqual(pattern['detail-type'], ['Batch Job State Change']);
      assert.deepEqual(pattern.detail.status, ['FAILED']);
      assert.deepEqual(pattern.detail.jobQueue.map(render), [`\${${queueId}.JobQueueArn}`]);
      assert.deepEqual(rule.Properties!.Targets, [{ Arn: { Ref: topicId }, Id: 'Target0' }]);
    });

    it('outputs the API URL, the table names and the bucket name', () => {
      const outputs = template().toJSON().Outputs as Record<string, { Value: Json }>;
      for (const name of ['ApiUrl', 'JobsTableName', 'RepositoriesTableName', 'ArtifactsBucketName'])
        assert.ok(outputs[name], `output ${name}`);
      assert.match(
        render(outputs.ApiUrl!.Value),
        /^https:\/\/\$\{[A-Za-z0-9]+\}\.execute-api\.\$\{AWS::Region\}\.\$\{AWS::URLSuffix\}\/$/,
      );
    });

    it('turns DynamoDB TTL on expiresAt on for both tables; without retentionDays nothing sets it', () => {
      for (const name of [names.jobs, names.repositories])
        assert.deepEqual(table(name).TimeToLiveSpecification, {
          AttributeName: TIME_TO_LIVE_ATTRIBUTE,
          Enabled: true,
        });
      const api = lambdaNamed(`cody-batch-${env}-api`) as { Environment: { Variables: Record<string, unknown> } };
      assert.equal(api.Environment.Variables[ENV.retentionDays], undefined, 'retention is off by default');
      const [, bucket] = namedResource(template(), 'AWS::S3::Bucket', 'BucketName', artifactsBucketName(env));
      const rules = (bucket.Properties!.LifecycleConfiguration as { Rules: { Id: string }[] }).Rules;
      assert.deepEqual(
        rules.map((rule) => rule.Id),
        ['expire-artifacts'],
      );
    });

    it('uses no account, region or lookup of its own (synth works offline, deploys anywhere)', () => {
      const stack = synthesizeBoth().stacks[env];
      assert.equal(stack.environment, 'aws://unknown-account/unknown-region');
      const assembly = synthesizeBoth().assembly;
      assert.equal(assembly.manifest.missing, undefined, 'no context lookup is pending');
      const errors = assembly
        .getStackArtifact(stack.artifactId)
        .messages.filter((message) => message.level === 'error');
      assert.deepEqual(errors, []);
    });
  });
});

describe('infra: retention (retentionDays)', function () {
  this.timeout(120_000);

  it('tells the API how long jobs live and expires their artifacts as their rows expire', () => {
    const { template } = synthesizeEveryParameter();
    const [, api] = namedResource(template, 'AWS::Lambda::Function', 'FunctionName', 'cody-batch-dev-api');
    assert.equal(
      (api.Properties!.Environment as { Variables: Record<string, unknown> }).Variables[ENV.retentionDays],
      '45',
    );
    const [, bucket] = namedResource(template, 'AWS::S3::Bucket', 'BucketName', artifactsBucketName('dev'));
    const rules = (bucket.Properties!.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;
    assert.ok(
      rules.some(
        (rule) =>
          rule.Id === 'expire-retained-jobs' &&
          rule.Prefix === 'jobs/' &&
          rule.ExpirationInDays === 45 &&
          rule.Status === 'Enabled',
      ),
      JSON.stringify(rules),
    );
    for (const name of Object.values(tableNamesFor('dev'))) {
      const [, table] = namedResource(template, 'AWS::DynamoDB::GlobalTable', 'TableName', name);
      assert.deepEqual(table.Properties!.TimeToLiveSpecification, { AttributeName: 'expiresAt', Enabled: true });
    }
  });
});
