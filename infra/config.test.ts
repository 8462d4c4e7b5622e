import assert from 'node:assert/strict';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { ENV } from '../common/names';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultConfig, resolveConfig } from './config';
import { assertBundlesBuilt, DEPLOYED_BUNDLES } from './paths';
import {
  EVERY_PARAMETER,
  namedResource,
  policyStatements,
  render,
  resourcesOf,
  synthesize,
  synthesizeEveryParameter,
  type Json,
} from './testing';

// Deploy parameters: context values (strings from `-c key=value`) over per-environment defaults,
// and what they change in the template.

const context = (values: Record<string, unknown>) => (key: string) => values[key];

describe('infra: deploy parameters', function () {
  this.timeout(120_000);

  describe('resolveConfig', () => {
    it('takes the environment defaults when nothing is given', () => {
      assert.deepEqual(resolveConfig('dev', context({})), { env: 'dev', ...defaultConfig('dev') });
      assert.equal(resolveConfig('prod', context({})).spot, false);
      assert.equal(resolveConfig('dev', context({})).spot, true);
      assert.equal(resolveConfig('prod', context({})).auditLogs, true);
      assert.equal(resolveConfig('dev', context({})).auditLogs, false);
    });

    it('reads command-line strings as numbers and booleans', () => {
      const config = resolveConfig(
        'prod',
        context({ maxVcpus: '32', spot: 'true', workerCpu: '2', workerMemoryMiB: '8192', artifactExpiryDays: '7' }),
      );
      assert.equal(config.maxVcpus, 32);
      assert.equal(config.spot, true);
      assert.equal(config.workerCpu, 2);
      assert.equal(config.workerMemoryMiB, 8192);
      assert.equal(config.artifactExpiryDays, 7);
      assert.equal(resolveConfig('dev', context({ spot: 'false' })).spot, false);
    });

    it('refuses a bad value with a message naming it', () => {
      assert.throws(() => resolveConfig('qa', context({})), /env must be dev or prod \(-c env=dev\), not "qa"/);
      assert.throws(() => resolveConfig(undefined, context({})), /env must be dev or prod/);
      assert.throws(
        () => resolveConfig('dev', context({ workerCpu: '1', workerMemoryMiB: '512' })),
        /workerMemoryMiB: Fargate with 1 vCPU takes 2048 to 8192 MiB/,
      );
      assert.throws(() => resolveConfig('dev', context({ spot: 'yes' })), /\(dev\): spot/);
      assert.throws(() => resolveConfig('dev', context({ claudeProvider: 'openai' })), /claudeProvider/);
      assert.throws(
        () => resolveConfig('dev', context({ logRetentionDays: '10' })),
        /logRetentionDays: must be one of 1, 3, 5/,
      );
      assert.throws(() => resolveConfig('dev', context({ maxVcpus: '0' })), /maxVcpus/);
      assert.throws(() => resolveConfig('dev', context({ alarmEmail: 'ops' })), /alarmEmail/);
    });
  });

  it('says to run the build when a deployed bundle is missing', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'cody-batch-bundles-'));
    try {
      for (const bundle of DEPLOYED_BUNDLES.slice(1)) {
        mkdirSync(path.dirname(path.join(root, bundle)), { recursive: true });
        writeFileSync(path.join(root, bundle), '');
      }
      assert.throws(() => assertBundlesBuilt(root), /dist\/lambda\/api\.mjs missing\. Run `npm run build` first/);
      writeFileSync(path.join(root, DEPLOYED_BUNDLES[0]!), '');
      assert.doesNotThrow(() => assertBundlesBuilt(root));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  describe('a dev stack with every parameter set (Claude on Bedrock, no Spot, audit logs)', () => {
    const modelId = EVERY_PARAMETER.bedrockModelId;
    let template: Template;
    before(() => {
      template = synthesizeEveryParameter().template;
    });
    const container = () =>
      Object.values(resourcesOf(template, 'AWS::Batch::JobDefinition'))[0]!.Properties!.ContainerProperties as Record<
        string,
        Json
      >;

    it('sizes the compute environment and the worker as asked', () => {
      const compute = Object.values(resourcesOf(template, 'AWS::Batch::ComputeEnvironment'))[0]!.Properties!
        .ComputeResources as Record<string, Json>;
      assert.equal(compute.Type, 'FARGATE');
      assert.equal(compute.MaxvCpus, 32);
      const requirements = Object.fromEntries(
        (container().ResourceRequirements as { Type: string; Value: string }[]).map((r) => [r.Type, r.Value]),
      );
      assert.deepEqual(requirements, { VCPU: '2', MEMORY: '8192' });
      template.hasResourceProperties('AWS::Batch::JobDefinition', { Timeout: { AttemptDurationSeconds: 90 * 60 } });
      template.hasResourceProperties('AWS::S3::Bucket', {
        LifecycleConfiguration: {
          Rules: [
            {
              ExpirationInDays: 7,
              Status: 'Enabled',
              Id: 'expire-artifacts',
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            },
            // retentionDays: the artifacts go with their job's rows.
            { ExpirationInDays: 45, Status: 'Enabled', Id: 'expire-retained-jobs', Prefix: 'jobs/' },
          ],
        },
      });
      for (const group of Object.values(resourcesOf(template, 'AWS::Logs::LogGroup')))
        assert.equal(group.Properties!.RetentionInDays, 30);
    });

    it('needs no Anthropic key on Bedrock: no key secret, and the worker is told the provider and model', () => {
      const secrets = Object.values(resourcesOf(template, 'AWS::SecretsManager::Secret')).map(
        (secret) => secret.Properties!.Name,
      );
      assert.deepEqual(secrets, [
        'cody-batch/dev/github-token',
        'cody-batch/dev/signing-key',
        'cody-batch/dev/worker-key',
      ]);
      assert.deepEqual(
        (container().Secrets as { Name: string }[]).map((secret) => secret.Name),
        [ENV.githubToken, ENV.workerKey],
      );
      const environment = Object.fromEntries(
        (container().Environment as { Name: string; Value: Json }[]).map((v) => [v.Name, render(v.Value)]),
      );
      assert.equal(environment[ENV.claudeProvider], 'bedrock');
      assert.equal(environment[ENV.bedrockModel], modelId);
      assert.equal(environment[ENV.githubApiUrl], 'https://github.example.com/api/v3');
      const api = namedResource(template, 'AWS::Lambda::Function', 'FunctionName', 'cody-batch-dev-api')[1].Properties!;
      const apiVariables = (api.Environment as { Variables: Record<string, Json> }).Variables;
      assert.equal(apiVariables[ENV.claudeProvider], 'bedrock');
      // The API resolves repository queries on the same GitHub the workers use.
      assert.equal(apiVariables[ENV.githubApiUrl], 'https://github.example.com/api/v3');
    });

    it('lets the worker invoke only the chosen model (its inference profile and the model behind it)', () => {
      const bedrock = policyStatements(template).filter((statement) =>
        statement.actions.some((action) => action.startsWith('bedrock:')),
      );
      assert.equal(bedrock.length, 1);
      assert.deepEqual(bedrock[0]!.actions, ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream']);
      assert.deepEqual(bedrock[0]!.resources, [
        `arn:\${AWS::Partition}:bedrock:\${AWS::Region}:\${AWS::AccountId}:inference-profile/${modelId}`,
        'arn:${AWS::Partition}:bedrock:*::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0',
      ]);
    });

    it('turns the audit logs on in dev when asked: VPC flow logs and the bucket’s access logs', () => {
      template.resourceCountIs('AWS::EC2::FlowLog', 1);
      template.hasResourceProperties('AWS::S3::Bucket', {
        BucketName: 'cody-batch-dev-artifacts',
        LoggingConfiguration: Match.objectLike({ DestinationBucketName: Match.anyValue() }),
      });
    });

    it('mails the alarms to the given address', () => {
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    });
  });

  it('scopes a plain Bedrock model id to that model in the stack’s region', () => {
    const template = synthesize({
      env: 'prod',
      claudeProvider: 'bedrock',
      bedrockModelId: 'anthropic.claude-3-5-haiku-20241022-v1:0',
    }).templates[0]!;
    const bedrock = policyStatements(template).find((statement) => statement.actions.includes('bedrock:InvokeModel'));
    assert.deepEqual(bedrock?.resources, [
      'arn:${AWS::Partition}:bedrock:${AWS::Region}::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0',
    ]);
  });
});
