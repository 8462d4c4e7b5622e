import assert from 'node:assert/strict';
import type { Template } from 'aws-cdk-lib/assertions';
import { ENV, JOBS_OWNER_INDEX, REPOSITORIES_STATUS_INDEX } from '../common/names';
import { defaultConfig, type DeployEnvironment } from './config';
import { TABLE_ITEM_ACTIONS } from './constructs/data';
import {
  describeEachEnvironment,
  namedResource,
  policyStatements,
  render,
  resourcesOf,
  type FoundStatement,
  type Json,
} from './testing';

// Least privilege, checked on every statement of every policy in both templates.

/**
 * The only actions granted on resource "*", each because AWS offers no narrower resource for it.
 * The test fails if one is missing from the templates too, so this list stays exact.
 */
const STAR_RESOURCE_ACTIONS: Record<string, string> = {
  'ecr:GetAuthorizationToken': 'the registry login token is account-wide (image pull by the worker execution role)',
  'batch:DescribeJobs': 'Batch supports no resource-level permissions for DescribeJobs',
  'batch:ListJobs': 'Batch supports no resource-level permissions for ListJobs',
};

/** Resources that name no resource of the stack, and why they are still scoped. */
const SCOPED_PATTERNS: { pattern: RegExp; why: string }[] = [
  {
    pattern: /^arn:\$\{AWS::Partition\}:batch:\$\{AWS::Region\}:\$\{AWS::AccountId\}:job\/\*$/,
    why: 'TerminateJob and CancelJob act on job ARNs, which exist only once submitted: this account and region',
  },
  {
    pattern:
      /^arn:\$\{AWS::Partition\}:ecr:\$\{AWS::Region\}:\$\{AWS::AccountId\}:repository\/cdk-[a-z0-9]+-container-assets-\$\{AWS::AccountId\}-\$\{AWS::Region\}$/,
    why: 'the CDK bootstrap repository the worker image is published to',
  },
];

function isScoped(resource: string, template: Template, env: DeployEnvironment): boolean {
  const logicalIds = new Set(Object.keys(template.toJSON().Resources as object));
  const referenced = [...resource.matchAll(/\$\{([A-Za-z0-9]+)(?:\.[A-Za-z]+)?\}/g)].some((match) =>
    logicalIds.has(match[1]!),
  );
  return (
    referenced ||
    resource.includes(`cody-batch-${env}-`) ||
    SCOPED_PATTERNS.some(({ pattern }) => pattern.test(resource))
  );
}

describe('infra: least privilege', function () {
  this.timeout(120_000);
  describeEachEnvironment((env, template) => {
    const allows = () => policyStatements(template()).filter((statement) => statement.effect === 'Allow');
    const rolePolicies = (roleId: string): FoundStatement[] => {
      const policies = Object.entries(resourcesOf(template(), 'AWS::IAM::Policy')).filter(([, policy]) =>
        (policy.Properties!.Roles as Json[]).some((role) => render(role) === `\${${roleId}}`),
      );
      const ids = new Set(policies.map(([id]) => `${id} (AWS::IAM::Policy)`));
      return allows().filter((statement) => ids.has(statement.where));
    };
    const roleOfFunction = (name: string) =>
      render(namedResource(template(), 'AWS::Lambda::Function', 'FunctionName', name)[1].Properties!.Role!).replace(
        /^\$\{(\w+)\.Arn\}$/,
        '$1',
      );
    const jobContainer = () =>
      Object.values(resourcesOf(template(), 'AWS::Batch::JobDefinition'))[0]!.Properties!.ContainerProperties as Record<
        string,
        Json
      >;
    const roleIdOf = (arn: Json) => render(arn).replace(/^\$\{(\w+)\.Arn\}$/, '$1');
    const actionsOf = (statements: FoundStatement[]) => new Set(statements.flatMap((statement) => statement.actions));

    it('walks a policy statement at all (the walk sees every kind of policy)', () => {
      const kinds = new Set(policyStatements(template()).map((statement) => statement.where.replace(/^.* \(/, '(')));
      for (const kind of [
        '(AWS::IAM::Policy)',
        '(AWS::IAM::ManagedPolicy)',
        '(AWS::S3::BucketPolicy)',
        '(AWS::SNS::TopicPolicy)',
      ])
        assert.ok(kinds.has(kind), kind);
    });

    it('grants no "*" action, no service wildcard and no NotAction/NotResource', () => {
      for (const statement of policyStatements(template())) {
        assert.equal(statement.negated, false, statement.where);
        if (statement.effect !== 'Allow') continue;
        for (const action of statement.actions)
          assert.ok(!action.includes('*'), `${statement.where}: action ${action}`);
      }
    });

    it('grants "*" resources only for the actions AWS requires it for, and scopes every other resource', () => {
      const starActions = new Set<string>();
      for (const statement of allows()) {
        for (const resource of statement.resources) {
          if (resource === '*') {
            for (const action of statement.actions) {
              assert.ok(action in STAR_RESOURCE_ACTIONS, `${statement.where}: ${action} on "*"`);
              starActions.add(action);
            }
          } else {
            assert.ok(
              isScoped(resource, template(), env),
              `${statement.where}: ${resource} is not scoped to this stack`,
            );
          }
        }
      }
      assert.deepEqual(
        [...starActions].sort(),
        Object.keys(STAR_RESOURCE_ACTIONS).sort(),
        'the exemptions are exactly the ones used',
      );
    });

    it('lets resource policies allow AWS services only, never anyone', () => {
      for (const statement of allows().filter((candidate) => candidate.principal !== undefined)) {
        assert.ok(
          statement.principal &&
            typeof statement.principal === 'object' &&
            !Array.isArray(statement.principal) &&
            Object.keys(statement.principal).join() === 'Service',
          `${statement.where}: principal ${JSON.stringify(statement.principal)}`,
        );
      }
    });

    it('attaches no AWS managed policy, so every permission is in the template', () => {
      for (const [id, role] of Object.entries(resourcesOf(template(), 'AWS::IAM::Role'))) {
        assert.equal(role.Properties!.ManagedPolicyArns, undefined, id);
      }
    });

    it('lets only the expected services assume each role, and the worker role the run role', () => {
      const jobRoleId = roleIdOf(jobContainer().JobRoleArn!);
      const trusts = Object.values(resourcesOf(template(), 'AWS::IAM::Role')).map((role) => {
        const statements = (
          role.Properties!.AssumeRolePolicyDocument as {
            Statement: { Action: string | string[]; Principal: { Service?: string; AWS?: Json } }[];
          }
        ).Statement;
        return statements
          .map(
            (statement) =>
              `${[statement.Action].flat().join('+')} ${statement.Principal.Service ?? render(statement.Principal.AWS!)}`,
          )
          .join();
      });
      assert.deepEqual(
        trusts.sort(),
        [
          'sts:AssumeRole ecs-tasks.amazonaws.com',
          'sts:AssumeRole ecs-tasks.amazonaws.com',
          'sts:AssumeRole lambda.amazonaws.com',
          'sts:AssumeRole lambda.amazonaws.com',
          // The run role: assumed by the worker's own role alone, with a session tag.
          `sts:AssumeRole+sts:TagSession \${${jobRoleId}.Arn}`,
          // VPC flow logs deliver to CloudWatch Logs through a role of their own.
          ...(defaultConfig(env).auditLogs ? ['sts:AssumeRole vpc-flow-logs.amazonaws.com'] : []),
        ].sort(),
      );
    });

    it('lets the API role submit to this queue with this job definition, and stop its jobs', () => {
      const statements = rolePolicies(roleOfFunction(`cody-batch-${env}-api`));
      const [queueId] = namedResource(
        template(),
        'AWS::Batch::JobQueue',
        'JobQueueName',
        `cody-batch-${env}-job-queue`,
      );
      const submit = statements.filter((statement) => statement.actions.includes('batch:SubmitJob'));
      const resources = submit.flatMap((statement) => statement.resources);
      assert.ok(resources.includes(`\${${queueId}.JobQueueArn}`), 'the queue');
      assert.ok(
        resources.some((resource) => resource.endsWith(`:job-definition/cody-batch-${env}-job-definition:*`)),
        'every revision of the job definition',
      );
      // A SubmitJob request names the revision, so the bare job definition ARN would match nothing.
      assert.deepEqual(
        resources.sort(),
        [
          `\${${queueId}.JobQueueArn}`,
          `arn:\${AWS::Partition}:batch:\${AWS::Region}:\${AWS::AccountId}:job-definition/cody-batch-${env}-job-definition:*`,
        ].sort(),
        'nothing else',
      );
      const actions = actionsOf(statements);
      for (const action of [
        'batch:TerminateJob',
        'batch:CancelJob',
        ...TABLE_ITEM_ACTIONS,
        's3:GetObject',
        's3:PutObject',
      ])
        assert.ok(actions.has(action), action);
      // Exactly the Batch calls backend/executor/batch.ts makes (TerminateJobs is authorized as batch:TerminateJob).
      assert.deepEqual([...actions].filter((action) => action.startsWith('batch:')).sort(), [
        'batch:CancelJob',
        'batch:DescribeJobs',
        'batch:ListJobs',
        'batch:SubmitJob',
        'batch:TerminateJob',
      ]);
    });

    it('grants the tables’ items, and Query on the byOwner and byStatus indexes to the API alone (their one user)', () => {
      const tableId = (name: string) =>
        namedResource(template(), 'AWS::DynamoDB::GlobalTable', 'TableName', `cody-batch-${env}-${name}`)[0];
      const indexResources = allows()
        .flatMap((statement) => statement.resources.map((resource) => ({ statement, resource })))
        .filter(({ resource }) => resource.includes('/index/'));
      assert.deepEqual(
        indexResources.map(({ resource }) => resource),
        [
          `\${${tableId('jobs')}.Arn}/index/${JOBS_OWNER_INDEX}`,
          `\${${tableId('repositories')}.Arn}/index/${REPOSITORIES_STATUS_INDEX}`,
        ],
      );
      assert.equal(new Set(indexResources.map(({ statement }) => statement)).size, 1, 'one statement');
      assert.deepEqual(indexResources[0]!.statement.actions, ['dynamodb:Query']);
      const apiPolicies = new Set(rolePolicies(roleOfFunction(`cody-batch-${env}-api`)).map((found) => found.where));
      assert.ok(apiPolicies.has(indexResources[0]!.statement.where), 'in the API role’s policy');
    });

    // Issue 24: a worker reaches only its own job's rows and artifacts. Its own role reaches no data;
    // it assumes the run role with the session tag jobId, and the run role's policies name that tag.
    it('gives the worker role no data access: it may only assume the run role, tagging the session with its job', () => {
      const jobRoleId = roleIdOf(jobContainer().JobRoleArn!);
      const [runRoleId, runRole] = Object.entries(resourcesOf(template(), 'AWS::IAM::Role')).find(([id]) =>
        id.startsWith('WorkersRunRole'),
      )!;
      const statements = rolePolicies(jobRoleId);
      assert.deepEqual(
        statements.map((statement) => [statement.actions, statement.resources]),
        [[['sts:AssumeRole', 'sts:TagSession'], [`\${${runRoleId}.Arn}`]]],
        'no table, no artifact: only the run role',
      );
      const tagged = {
        Null: { 'aws:RequestTag/jobId': 'false' },
        StringLike: { 'aws:RequestTag/jobId': '?'.repeat(26) },
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['jobId'] },
      };
      const policies = Object.entries(resourcesOf(template(), 'AWS::IAM::Policy')).filter(([, policy]) =>
        (policy.Properties!.Roles as Json[]).some((role) => render(role) === `\${${jobRoleId}}`),
      );
      const [assume] = (policies[0]![1].Properties!.PolicyDocument as { Statement: { Condition: unknown }[] })
        .Statement;
      assert.deepEqual(assume!.Condition, tagged, 'the worker must tag the session with its job, and only that');
      const trust = (runRole.Properties!.AssumeRolePolicyDocument as { Statement: Record<string, Json>[] }).Statement;
      assert.equal(trust.length, 1);
      assert.deepEqual(trust[0]!.Action, ['sts:AssumeRole', 'sts:TagSession']);
      assert.equal(render((trust[0]!.Principal as { AWS: Json }).AWS), `\${${jobRoleId}.Arn}`, 'the worker role alone');
      assert.deepEqual(trust[0]!.Condition, tagged, 'the run role takes no session without the tag');
      const environment = jobContainer().Environment as { Name: string; Value: Json }[];
      assert.equal(
        render(environment.find((variable) => variable.Name === ENV.runRoleArn)!.Value),
        `\${${runRoleId}.Arn}`,
        'the worker is told which role to assume',
      );
    });

    it('lets the run role reach its session’s job alone: rows keyed by it in both tables, artifacts under it', () => {
      const [runRoleId] = Object.entries(resourcesOf(template(), 'AWS::IAM::Role')).find(([id]) =>
        id.startsWith('WorkersRunRole'),
      )!;
      const policies = Object.entries(resourcesOf(template(), 'AWS::IAM::Policy')).filter(([, policy]) =>
        (policy.Properties!.Roles as Json[]).some((role) => render(role) === `\${${runRoleId}}`),
      );
      assert.equal(policies.length, 1);
      const statements = (policies[0]![1].Properties!.PolicyDocument as { Statement: Record<string, Json>[] })
        .Statement;
      const table = (name: string) =>
        `\${${namedResource(template(), 'AWS::DynamoDB::GlobalTable', 'TableName', `cody-batch-${env}-${name}`)[0]}.Arn}`;
      const [bucketId] = namedResource(template(), 'AWS::S3::Bucket', 'BucketName', `cody-batch-${env}-artifacts`);
      assert.deepEqual(
        statements.map((statement) => ({
          actions: [statement.Action].flat(),
          resources: [statement.Resource].flat().map((resource) => render(resource!)),
          condition: statement.Condition,
        })),
        [
          {
            // No Scan: it names no partition key, so LeadingKeys could not hold it to the job.
            actions: TABLE_ITEM_ACTIONS.filter((action) => action !== 'dynamodb:Scan'),
            resources: [table('jobs'), table('repositories')],
            condition: {
              'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['${aws:PrincipalTag/jobId}'] },
              Null: { 'dynamodb:LeadingKeys': 'false' },
            },
          },
          {
            // Reading its diff back is what a publish worker does.
            actions: ['s3:GetObject', 's3:PutObject'],
            resources: [`\${${bucketId}.Arn}/jobs/\${aws:PrincipalTag/jobId}/*`],
            condition: undefined,
          },
        ],
      );
    });

    it('lets the execution role read exactly the worker’s secrets, and the sweeper only the tables and Batch’s job list', () => {
      const executionStatements = rolePolicies(roleIdOf(jobContainer().ExecutionRoleArn!));
      const secretReads = executionStatements.filter((statement) =>
        statement.actions.includes('secretsmanager:GetSecretValue'),
      );
      // Every secret of the stack but the signing key, which is the API's alone.
      const secretIds = Object.entries(resourcesOf(template(), 'AWS::SecretsManager::Secret'))
        .filter(([, secret]) => secret.Properties!.Name !== `cody-batch/${env}/signing-key`)
        .map(([id]) => `\${${id}}`);
      assert.deepEqual(secretReads.flatMap((statement) => statement.resources).sort(), secretIds.sort());
      const sweeper = actionsOf(rolePolicies(roleOfFunction(`cody-batch-${env}-sweeper`)));
      assert.deepEqual(
        [...sweeper].sort(),
        [
          ...TABLE_ITEM_ACTIONS,
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'batch:DescribeJobs',
          'batch:ListJobs',
          // It refreshes pull requests with the GitHub token.
          'secretsmanager:GetSecretValue',
          // It hands bulk operations whose runner stopped to the API function.
          'lambda:InvokeFunction',
        ].sort(),
      );
    });

    it('lets the API function and the sweeper invoke the API function alone (bulk operations going on)', () => {
      for (const name of [`cody-batch-${env}-api`, `cody-batch-${env}-sweeper`]) {
        const invokes = rolePolicies(roleOfFunction(name)).filter((statement) =>
          statement.actions.some((action) => action.startsWith('lambda:')),
        );
        assert.deepEqual(
          invokes.map((statement) => statement.actions),
          [['lambda:InvokeFunction']],
          name,
        );
        assert.equal(invokes[0]!.resources.length, 1, name);
        assert.match(invokes[0]!.resources[0]!, new RegExp(`:function:cody-batch-${env}-api$`), name);
      }
      const [, sweeper] = namedResource(
        template(),
        'AWS::Lambda::Function',
        'FunctionName',
        `cody-batch-${env}-sweeper`,
      );
      const variables = (sweeper.Properties!.Environment as { Variables: Record<string, Json> }).Variables;
      assert.equal(variables[ENV.operationsFunction], `cody-batch-${env}-api`);
    });

    it('lets the API and the sweeper read the GitHub token’s secret, the API its signing and seal keys, and tells them where they are, never what', () => {
      const secretId = (what: string) =>
        namedResource(template(), 'AWS::SecretsManager::Secret', 'Name', `cody-batch/${env}/${what}`)[0];
      const tokenId = secretId('github-token');
      const custody = [`\${${secretId('signing-key')}}`, `\${${secretId('worker-key')}}`];
      for (const name of [`cody-batch-${env}-api`, `cody-batch-${env}-sweeper`]) {
        const reads = rolePolicies(roleOfFunction(name)).filter((statement) =>
          statement.actions.some((action) => action.startsWith('secretsmanager:')),
        );
        assert.deepEqual(
          reads.map((statement) => [statement.actions, statement.resources]),
          [
            [['secretsmanager:GetSecretValue'], [`\${${tokenId}}`]],
            ...(name.endsWith('-api') ? [[['secretsmanager:GetSecretValue'], custody]] : []),
          ],
          name,
        );
        const [, lambda] = namedResource(template(), 'AWS::Lambda::Function', 'FunctionName', name);
        const variables = (lambda.Properties!.Environment as { Variables: Record<string, Json> }).Variables;
        assert.deepEqual(variables[ENV.githubTokenSecret], { Ref: tokenId }, name);
        assert.equal(variables[ENV.githubToken], undefined, `${name} has no token in its environment`);
      }
    });

    it('lets no role but the API Lambda’s read the signing key; the workers get the seal key from Batch', () => {
      const [signingId] = namedResource(
        template(),
        'AWS::SecretsManager::Secret',
        'Name',
        `cody-batch/${env}/signing-key`,
      );
      const apiRole = roleOfFunction(`cody-batch-${env}-api`);
      const readers = Object.keys(resourcesOf(template(), 'AWS::IAM::Role')).filter((roleId) =>
        rolePolicies(roleId).some((statement) => statement.resources.includes(`\${${signingId}}`)),
      );
      assert.deepEqual(readers, [apiRole]);
      const container = jobContainer() as unknown as { Secrets: { Name: string }[]; Environment: { Name: string }[] };
      assert.ok(container.Secrets.some((secret) => secret.Name === ENV.workerKey));
      assert.ok(
        ![...container.Secrets, ...container.Environment].some((variable) =>
          [ENV.signingKeySecret, ENV.trustedKeys].includes(variable.Name as never),
        ),
        'the job definition carries no signing key; the public keys come with each SubmitJob',
      );
    });
  });
});
