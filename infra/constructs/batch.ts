import { Duration, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENV, JOB_SESSION_TAG } from '../../common/names';
import { resourceName, type DeployConfig } from '../config';
import { acknowledgeRule, acknowledgeWildcard } from '../nag';
import { REPO_ROOT, WORKER_DOCKERFILE } from '../paths';
import { codeHostEnvironment } from './codeHost';
import { type CodyBatchData, JOB_TAG_REFERENCE } from './data';
import type { CodyBatchSecrets } from './secrets';

// The workers: AWS Batch on Fargate in a VPC of public subnets (no NAT gateway to pay for; each task
// gets a public IP and accepts no inbound traffic), one job queue, and a job definition that runs
// the worker image built from backend/worker/Dockerfile at deploy time. With auditLogs, the VPC's
// traffic is recorded (flow logs) in a log group of its own.

/**
 * Batch retries an attempt only when the infrastructure failed it; anything the worker itself did
 * (any exit code) ends the attempt, because the worker has already recorded the outcome.
 * First match wins; Batch allows five conditions.
 */
export const WORKER_RETRY_STRATEGIES = [
  { action: batch.Action.RETRY, on: { onStatusReason: 'Host EC2*' } },
  { action: batch.Action.RETRY, on: { onStatusReason: 'Your Spot Task was interrupted*' } },
  { action: batch.Action.RETRY, on: { onReason: 'CannotPullContainerError*' } },
  { action: batch.Action.RETRY, on: { onReason: 'ResourceInitializationError*' } },
  { action: batch.Action.EXIT, on: { onReason: '*' } },
] as const;
export const WORKER_RETRY_ATTEMPTS = 3;

export interface CodyBatchWorkersProps {
  config: DeployConfig;
  data: CodyBatchData;
  secrets: CodyBatchSecrets;
  logRetention: logs.RetentionDays;
}

export class CodyBatchWorkers extends Construct {
  readonly jobQueue: batch.JobQueue;
  readonly jobDefinition: batch.EcsJobDefinition;
  readonly jobRole: iam.Role;
  /** The role a worker assumes with its job's session tag: that job's rows and artifacts, nothing else. */
  readonly runRole: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly jobDefinitionName: string;

  constructor(scope: Construct, id: string, props: CodyBatchWorkersProps) {
    super(scope, id);
    const { config, data, secrets } = props;
    this.jobDefinitionName = resourceName(config.env, 'job-definition');
    const stack = Stack.of(this);

    const vpc = new ec2.Vpc(this, 'Vpc', {
      vpcName: resourceName(config.env, 'vpc'),
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
      // Nothing uses the default security group; leaving it avoids a custom-resource Lambda.
      restrictDefaultSecurityGroup: false,
    });
    if (config.auditLogs) {
      const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
        logGroupName: `/aws/vpc/${resourceName(config.env, 'flow-logs')}`,
        retention: props.logRetention,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      vpc.addFlowLog('FlowLog', {
        destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
        trafficType: ec2.FlowLogTrafficType.ALL,
      });
    } else {
      acknowledgeRule(
        vpc,
        'VPC7',
        'auditLogs is off, the dev default: a dev stack stays cheap. prod records the VPC’s ' +
          'traffic; deploy with -c auditLogs=true to record dev’s too. The VPC takes no inbound ' +
          'traffic either way.',
      );
    }
    const securityGroup = new ec2.SecurityGroup(this, 'WorkerSecurityGroup', {
      vpc,
      securityGroupName: resourceName(config.env, 'worker'),
      description: 'Cody Batch workers: no inbound; outbound HTTPS to GitHub, Claude and AWS',
      allowAllOutbound: true,
    });

    const computeEnvironment = new batch.FargateComputeEnvironment(this, 'Compute', {
      computeEnvironmentName: resourceName(config.env, 'compute'),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroups: [securityGroup],
      spot: config.spot,
      maxvCpus: config.maxVcpus,
    });
    this.jobQueue = new batch.JobQueue(this, 'JobQueue', {
      jobQueueName: resourceName(config.env, 'job-queue'),
      computeEnvironments: [{ computeEnvironment, order: 1 }],
      priority: 1,
    });

    this.logGroup = new logs.LogGroup(this, 'WorkerLogs', {
      logGroupName: `/aws/batch/${resourceName(config.env, 'worker')}`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // Built by `cdk deploy` (Docker needed then), never by synth: synth only hashes and stages the
    // context, which .dockerignore cuts down to the Dockerfile and the worker bundle.
    const image = new ecrAssets.DockerImageAsset(this, 'WorkerImage', {
      directory: REPO_ROOT,
      file: WORKER_DOCKERFILE,
      platform: ecrAssets.Platform.LINUX_AMD64,
      displayName: `${resourceName(config.env, 'worker')} image`,
    });

    // Pulls the image, reads the secrets and writes the logs, before the worker starts. For the pull
    // CDK also grants ecr:GetAuthorizationToken on "*", which AWS requires: the token is account-wide.
    const executionRole = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Cody Batch: starts worker containers (image pull, secrets, logs)',
    });
    // The worker's own role reaches no data: it may only assume the run role, tagging the session
    // with its job (and Claude on Bedrock, if chosen). The run role's policies reach that job's items
    // and artifacts only, by the session tag: a defect or a mixed-up shard cannot touch another job.
    this.jobRole = new iam.Role(this, 'JobRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Cody Batch: one worker; assumes the run role for its job, and reaches no data itself',
    });
    const jobTag = `aws:RequestTag/${JOB_SESSION_TAG}`;
    // The tag must be there, be the only one, and look like a job id (26 characters).
    const tagConditions = {
      Null: { [jobTag]: 'false' },
      StringLike: { [jobTag]: '?'.repeat(26) },
      'ForAllValues:StringEquals': { 'aws:TagKeys': [JOB_SESSION_TAG] },
    };
    this.runRole = new iam.Role(this, 'RunRole', {
      assumedBy: new iam.SessionTagsPrincipal(new iam.ArnPrincipal(this.jobRole.roleArn)).withConditions(tagConditions),
      description: `Cody Batch: one job's rows and artifacts, by the session tag ${JOB_SESSION_TAG}`,
      maxSessionDuration: Duration.hours(1),
    });
    this.jobRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['sts:AssumeRole', 'sts:TagSession'],
        resources: [this.runRole.roleArn],
        conditions: tagConditions,
      }),
    );
    data.grantJobItemAccess(this.runRole);
    const jobArtifacts = data.artifactsBucket.arnForObjects(`jobs/${JOB_TAG_REFERENCE}/*`);
    this.runRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject'], resources: [jobArtifacts] }),
    );
    acknowledgeWildcard(
      this.runRole,
      jobArtifacts,
      'Artifact keys are jobs/{jobId}/{owner}/{name}/..., and the run role reaches only the ' +
        'job its session is tagged with: IAM puts the tag in place of ${aws:PrincipalTag/jobId}, ' +
        'so the wildcard spans one job’s repositories and attempts. s3:GetObject and ' +
        's3:PutObject only, in this one bucket: a worker writes its repository’s diff, thread ' +
        'and log, and a publish run reads back the approved diff and the log it appends to.',
    );
    if (config.claudeProvider === 'bedrock') {
      const models = bedrockModelArns(stack, config.bedrockModelId);
      this.jobRole.addToPolicy(
        new iam.PolicyStatement({
          actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
          resources: models,
        }),
      );
      for (const model of models.filter((arn) => arn.includes(':*:'))) {
        acknowledgeWildcard(
          this.jobRole,
          model,
          'A cross-region inference profile sends each request to its foundation model in any ' +
            'region of its geography, so IAM must allow that one model (the id is exact) in every ' +
            'region. Only with claudeProvider=bedrock and a profile id.',
        );
      }
    }

    const environment: Record<string, string> = {
      [ENV.env]: config.env,
      [ENV.jobsTable]: data.jobsTable.tableName,
      [ENV.repositoriesTable]: data.repositoriesTable.tableName,
      [ENV.artifacts]: `s3://${data.artifactsBucket.bucketName}`,
      [ENV.runRoleArn]: this.runRole.roleArn,
      [ENV.claudeProvider]: config.claudeProvider,
      AWS_REGION: stack.region,
    };
    if (config.claudeProvider === 'bedrock') environment[ENV.bedrockModel] = config.bedrockModelId;
    Object.assign(environment, codeHostEnvironment(config));

    // The seal key, but never the signing key: the API's public keys come with each SubmitJob.
    const workerSecrets: Record<string, batch.Secret> = {
      [secrets.hostCredential.variable]: batch.Secret.fromSecretsManager(secrets.hostToken),
      [ENV.workerKey]: batch.Secret.fromSecretsManager(secrets.workerKey),
    };
    if (secrets.anthropicApiKey)
      workerSecrets[ENV.anthropicApiKey] = batch.Secret.fromSecretsManager(secrets.anthropicApiKey);

    this.jobDefinition = new batch.EcsJobDefinition(this, 'JobDefinition', {
      jobDefinitionName: this.jobDefinitionName,
      container: new batch.EcsFargateContainerDefinition(this, 'Worker', {
        image: ecs.ContainerImage.fromDockerImageAsset(image),
        cpu: config.workerCpu,
        memory: Size.mebibytes(config.workerMemoryMiB),
        assignPublicIp: true,
        fargatePlatformVersion: ecs.FargatePlatformVersion.LATEST,
        fargateCpuArchitecture: ecs.CpuArchitecture.X86_64,
        fargateOperatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
        executionRole,
        jobRole: this.jobRole,
        environment,
        secrets: workerSecrets,
        logging: ecs.LogDriver.awsLogs({ logGroup: this.logGroup, streamPrefix: 'worker' }),
      }),
      timeout: Duration.minutes(config.workerTimeoutMinutes),
      retryAttempts: WORKER_RETRY_ATTEMPTS,
      retryStrategies: WORKER_RETRY_STRATEGIES.map((strategy) =>
        batch.RetryStrategy.of(strategy.action, batch.Reason.custom(strategy.on)),
      ),
    });
    // Granted by CDK with the image pull, above.
    acknowledgeWildcard(
      executionRole,
      '*',
      'The only action on "*" here is ecr:GetAuthorizationToken: the registry login token is ' +
        'account-wide and IAM takes only Resource "*" for it. The image pull itself is scoped to ' +
        'the CDK assets repository, the secrets to the worker’s own, the logs to the worker log group.',
    );
  }

  /**
   * Every revision of the job definition. A SubmitJob request names a revision, so IAM never
   * matches the ARN without one (AWS Batch user guide, "Accounting for job definition revisions").
   */
  jobDefinitionRevisionsArn(): string {
    return Stack.of(this).formatArn({
      service: 'batch',
      resource: 'job-definition',
      resourceName: `${this.jobDefinitionName}:*`,
    });
  }
}

/** Cross-region inference profiles carry a geography prefix (`us.anthropic…`); plain ids name one model. */
const INFERENCE_PROFILE_PREFIX = /^(us|eu|apac|jp|au|ca|us-gov|global)\./;

/**
 * The ARNs a worker needs to invoke `modelId`. An inference profile routes to the same foundation
 * model in any of its geography's regions, so the model ARN takes every region there.
 */
export function bedrockModelArns(stack: Stack, modelId: string): string[] {
  const foundationModel = (region: string, id: string) =>
    stack.formatArn({ service: 'bedrock', region, account: '', resource: 'foundation-model', resourceName: id });
  if (!INFERENCE_PROFILE_PREFIX.test(modelId)) return [foundationModel(stack.region, modelId)];
  return [
    stack.formatArn({ service: 'bedrock', resource: 'inference-profile', resourceName: modelId }),
    foundationModel('*', modelId.replace(INFERENCE_PROFILE_PREFIX, '')),
  ];
}
