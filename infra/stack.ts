import { CfnOutput, Stack, Tags, type App, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { DEPLOY_ENVIRONMENTS, resolveConfig, stackName, type DeployConfig } from './config';
import { CodyBatchAlarms } from './constructs/alarms';
import { CodyBatchApi } from './constructs/api';
import { CodyBatchWorkers } from './constructs/batch';
import { CodyBatchData } from './constructs/data';
import { CodyBatchFrontend } from './constructs/frontend';
import { CodyBatchSecrets } from './constructs/secrets';
import { acknowledgeWildcard } from './nag';
import { assertBundlesBuilt } from './paths';

// One environment of Cody Batch: data, secrets, workers, API and alarms, named cody-batch-{env}-….
// Environment-agnostic (no account or region in code), so synth needs no lookups and no credentials.

export class CodyBatchStack extends Stack {
  readonly data: CodyBatchData;
  readonly secrets: CodyBatchSecrets;
  readonly workers: CodyBatchWorkers;
  readonly api: CodyBatchApi;
  readonly alarms: CodyBatchAlarms;
  readonly frontend: CodyBatchFrontend;

  constructor(
    scope: Construct,
    readonly config: DeployConfig,
    props: StackProps = {},
  ) {
    super(scope, stackName(config.env), {
      description: `Cody Batch (${config.env}): API, DynamoDB tables, artifacts bucket, AWS Batch workers and the web app`,
      terminationProtection: config.env === 'prod',
      ...props,
    });
    assertBundlesBuilt();
    Tags.of(this).add('project', 'cody-batch');
    Tags.of(this).add('environment', config.env);
    const logRetention = config.logRetentionDays as logs.RetentionDays;

    this.data = new CodyBatchData(this, 'Data', config);
    this.secrets = new CodyBatchSecrets(this, 'Secrets', config);
    this.workers = new CodyBatchWorkers(this, 'Workers', {
      config,
      data: this.data,
      secrets: this.secrets,
      logRetention,
    });
    this.api = new CodyBatchApi(this, 'Api', {
      config,
      data: this.data,
      workers: this.workers,
      secrets: this.secrets,
      logRetention,
    });
    this.alarms = new CodyBatchAlarms(this, 'Alarms', { config, api: this.api, workers: this.workers });
    this.frontend = new CodyBatchFrontend(this, 'Frontend', { config, data: this.data, api: this.api, logRetention });

    // Attach this to the people (or roles) who use Cody Batch: it lets them call the API, no more.
    const apiRoutes = this.formatArn({ service: 'execute-api', resource: this.api.httpApi.apiId, resourceName: '*' });
    const apiUsers = new iam.ManagedPolicy(this, 'ApiUsersPolicy', {
      description: `Cody Batch (${config.env}): call the API (execute-api:Invoke on it only)`,
      statements: [new iam.PolicyStatement({ actions: ['execute-api:Invoke'], resources: [apiRoutes] })],
    });
    acknowledgeWildcard(
      apiUsers,
      apiRoutes,
      'execute-api:Invoke on every stage, method and path of this one API (its id is exact): ' +
        'the policy exists to let a person call the API. Which jobs a caller sees is decided ' +
        'inside the API, by the caller’s ARN.',
    );

    const outputs: Record<string, { value: string; description: string }> = {
      ApiUrl: { value: this.api.url, description: 'The API base URL (SigV4, service execute-api)' },
      JobsTableName: { value: this.data.jobsTable.tableName, description: 'DynamoDB jobs table' },
      RepositoriesTableName: {
        value: this.data.repositoriesTable.tableName,
        description: 'DynamoDB repositories table',
      },
      ArtifactsBucketName: {
        value: this.data.artifactsBucket.bucketName,
        description: 'S3 bucket of diffs, threads and logs',
      },
      JobQueueArn: { value: this.workers.jobQueue.jobQueueArn, description: 'AWS Batch job queue' },
      JobDefinitionArn: {
        value: this.workers.jobDefinition.jobDefinitionArn,
        description: 'AWS Batch job definition (this revision)',
      },
      WorkerLogGroup: { value: this.workers.logGroup.logGroupName, description: 'CloudWatch log group of the workers' },
      AlarmTopicArn: { value: this.alarms.topic.topicArn, description: 'SNS topic of the alarms' },
      [`${this.secrets.hostCredential.id}SecretName`]: {
        value: this.secrets.hostToken.secretName,
        description: `Secret to put the ${this.secrets.hostCredential.what.replaceAll('-', ' ').replace('github', 'GitHub').replace('gitlab', 'GitLab')} in`,
      },
      WebAppUrl: { value: this.frontend.appUrl, description: 'The web app (CloudFront): sign in with the user pool' },
      FrontendBucketName: { value: this.frontend.bucket.bucketName, description: 'S3 bucket of the web app’s files' },
      DistributionId: {
        value: this.frontend.distribution.distributionId,
        description: 'CloudFront distribution of the web app (invalidate after changing the bucket by hand)',
      },
      WebApiUrl: {
        value: this.frontend.webApiStage.url,
        description: 'The API for the web app (Cognito JWT auth, CORS for the web app only)',
      },
      UserPoolId: { value: this.frontend.userPool.userPoolId, description: 'Cognito user pool of the web app’s users' },
      UserPoolClientId: {
        value: this.frontend.userPoolClient.userPoolClientId,
        description: 'The web app’s user pool client (code flow with PKCE)',
      },
      SignInUrl: { value: this.frontend.signInUrl, description: 'The user pool’s hosted sign-in domain' },
      ApiUsersPolicyArn: {
        value: apiUsers.managedPolicyArn,
        description: 'Managed policy that lets a principal call the API',
      },
    };
    if (this.secrets.anthropicApiKey) {
      outputs.AnthropicApiKeySecretName = {
        value: this.secrets.anthropicApiKey.secretName,
        description: 'Secret to put the Anthropic API key in',
      };
    }
    for (const [id, output] of Object.entries(outputs)) new CfnOutput(this, id, output);
  }
}

/** Adds the stack of context `env` (dev or prod), or of both when it is unset, and returns them. */
export function addStacks(app: App): CodyBatchStack[] {
  const env: unknown = app.node.tryGetContext('env');
  const environments: readonly unknown[] = env === undefined ? DEPLOY_ENVIRONMENTS : [env];
  return environments.map(
    (environment) =>
      new CodyBatchStack(
        app,
        resolveConfig(environment, (key) => app.node.tryGetContext(key)),
      ),
  );
}
