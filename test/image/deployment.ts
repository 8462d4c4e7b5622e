import path from 'node:path';
import type { TableNames } from '../../backend/store/tables';
import { tableNamesFor } from '../../backend/store/tables';
import { stackName } from '../../infra/config';
import { assetManifest, synthesize } from '../../infra/testing';
import type { RetryCondition } from '../fakes/batchServer';

// The dev stack as `cdk synth` makes it, with two deploy parameters pointing at the loopback code
// host (githubApiUrl, gitBase: what an operator sets for GitHub Enterprise), read the way
// CloudFormation would deploy it into a loopback "account": every Ref, Fn::GetAtt, Fn::Join and
// Fn::Sub the worker's job definition, its job and run roles' policies and the API's executor settings use
// is resolved to the loopback resource standing in for it (the local stack's two tables, the S3
// stand-in's bucket of the template's own name). What the test runs is read from here, never
// restated: the image, user, command, environment and secrets of the job definition, its retry
// strategy, the job role's IAM statements, and the run role's statements and trust policy.

export const LOOPBACK_REGION = 'us-east-1';
export const LOOPBACK_ACCOUNT = '123456789012';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Resource {
  Type: string;
  Properties?: Record<string, Json>;
}

/** A statement's conditions: operator (`StringLike`, `ForAllValues:StringEquals`, `Null`…) → key → values. */
export type PolicyConditions = Record<string, Record<string, string[]>>;

export interface PolicyStatement {
  effect: 'Allow' | 'Deny';
  actions: string[];
  resources: string[];
  conditions?: PolicyConditions;
}

/** The role a worker assumes for its job's data (CODY_BATCH_RUN_ROLE_ARN), as the stack makes it. */
export interface RunRole {
  arn: string;
  /** What its sessions may do (policy variables such as `${aws:PrincipalTag/jobId}` left in). */
  statements: PolicyStatement[];
  /** Its trust policy: who may assume it, with which actions, on which conditions. */
  trust: { principals: string[]; actions: string[]; conditions?: PolicyConditions }[];
}

export interface WorkerJobDefinition {
  name: string;
  arn: string;
  environment: Record<string, string>;
  /** The names of the secrets Batch injects from Secrets Manager. */
  secretNames: string[];
  user?: string;
  command?: string[];
  retryStrategy: { attempts: number; evaluateOnExit: RetryCondition[] };
  /** The image's build: the context `cdk synth` staged in cdk.out, and its Dockerfile there. */
  image: { context: string; dockerfile: string; platform?: string };
  /** Statements of the job role's policies (what the worker may do in AWS), resolved. */
  jobRole: PolicyStatement[];
  /** The job role's ARN, as the run role's trust policy names it. */
  jobRoleArn: string;
  /** The run role the worker is told to assume, when the job definition names one. */
  runRole?: RunRole;
}

export interface LoopbackDeployment {
  worker: WorkerJobDefinition;
  /** The API Lambda's executor settings (queue, job definition, concurrency, timeout), resolved. */
  executorEnvironment: Record<string, string>;
  /** The S3 bucket the stack makes for artifacts (by its template name). */
  artifactsBucket: string;
}

export interface LoopbackSynthesis {
  template: { Resources: Record<string, Resource> };
  assembly: ReturnType<typeof synthesize>['assembly'];
}

/** Synthesizes the dev stack with the code host's loopback addresses as its parameters. */
export function synthesizeLoopback(parameters: { githubApiUrl: string; gitBase: string }): LoopbackSynthesis {
  const { assembly } = synthesize({ env: 'dev', ...parameters });
  const template = assembly.getStackByName(stackName('dev')).template as LoopbackSynthesis['template'];
  return { template, assembly };
}

/** Reads the synthesized stack against the loopback resources: `tables` are the local stack's. */
export function readDeployment(synthesis: LoopbackSynthesis, tables: TableNames): LoopbackDeployment {
  const resources = synthesis.template.Resources;
  const resolve = resolverFor(resources, tables);
  const [definitionId, definition] = onlyOne(resources, 'AWS::Batch::JobDefinition');
  const properties = definition.Properties!;
  const container = properties.ContainerProperties as Record<string, Json>;
  const environment: Record<string, string> = {};
  for (const entry of (container.Environment ?? []) as { Name: string; Value: Json }[])
    environment[entry.Name] = resolve(entry.Value);
  const retry = properties.RetryStrategy as { Attempts: number; EvaluateOnExit?: Record<string, string>[] };

  // The image the definition names is the Docker asset whose hash is its tag.
  const tag = resolve(container.Image!).split(':').at(-1)!;
  const images = assetManifest('dev', synthesis.assembly).dockerImages;
  const image = images[tag];
  if (!image) throw new Error(`The job definition's image ${tag} is none of the stack's Docker assets`);

  const roleId = (container.JobRoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const apiEnvironment = Object.values(resources)
    .filter((resource) => resource.Type === 'AWS::Lambda::Function')
    .map((resource) => (resource.Properties?.Environment as { Variables?: Record<string, Json> })?.Variables ?? {})
    .find((variables) => 'CODY_BATCH_JOB_DEFINITION' in variables);
  if (!apiEnvironment) throw new Error('No Lambda function submits Batch jobs');
  const executorEnvironment: Record<string, string> = {};
  for (const name of [
    'CODY_BATCH_JOB_QUEUE',
    'CODY_BATCH_JOB_DEFINITION',
    'CODY_BATCH_CONCURRENCY',
    'CODY_BATCH_WORKER_TIMEOUT_MINUTES',
  ]) {
    if (apiEnvironment[name] !== undefined) executorEnvironment[name] = resolve(apiEnvironment[name]!);
  }

  return {
    worker: {
      name: String(properties.JobDefinitionName),
      arn: resolve({ Ref: definitionId }),
      environment,
      secretNames: ((container.Secrets ?? []) as { Name: string }[]).map((secret) => secret.Name),
      user: container.User === undefined ? undefined : String(container.User),
      command: container.Command === undefined ? undefined : (container.Command as string[]).map(String),
      retryStrategy: {
        attempts: retry.Attempts,
        evaluateOnExit: (retry.EvaluateOnExit ?? []).map((condition) => ({
          action: condition.Action!.toUpperCase() as RetryCondition['action'],
          ...(condition.OnExitCode !== undefined ? { onExitCode: condition.OnExitCode } : {}),
          ...(condition.OnReason !== undefined ? { onReason: condition.OnReason } : {}),
          ...(condition.OnStatusReason !== undefined ? { onStatusReason: condition.OnStatusReason } : {}),
        })),
      },
      image: {
        context: image.source.directory,
        dockerfile: path.join(image.source.directory, image.source.dockerFile ?? 'Dockerfile'),
        platform: image.source.platform,
      },
      jobRole: roleStatements(resources, roleId, resolve),
      jobRoleArn: resolve({ 'Fn::GetAtt': [roleId, 'Arn'] }),
      ...(environment.CODY_BATCH_RUN_ROLE_ARN
        ? { runRole: runRoleOf(resources, environment.CODY_BATCH_RUN_ROLE_ARN, resolve) }
        : {}),
    },
    executorEnvironment,
    artifactsBucket: String(
      onlyOne(resources, 'AWS::S3::Bucket', (resource) =>
        String(resource.Properties?.BucketName ?? '').endsWith('-artifacts'),
      )[1].Properties!.BucketName,
    ),
  };
}

function onlyOne(
  resources: Record<string, Resource>,
  type: string,
  filter: (resource: Resource) => boolean = () => true,
): [string, Resource] {
  const found = Object.entries(resources).filter(([, resource]) => resource.Type === type && filter(resource));
  if (found.length !== 1) throw new Error(`Expected one ${type} in the stack, found ${found.length}`);
  return found[0]!;
}

/** The statements of every policy attached to the role (inline or AWS::IAM::Policy); managed policies are refused. */
function roleStatements(
  resources: Record<string, Resource>,
  roleId: string,
  resolve: (value: Json) => string,
): PolicyStatement[] {
  const role = resources[roleId]!;
  if (role.Properties?.ManagedPolicyArns)
    throw new Error(
      `${roleId} has managed policies, which the image test cannot read: extend test/image/deployment.ts`,
    );
  const documents: Json[] = [
    ...((role.Properties?.Policies ?? []) as { PolicyDocument: Json }[]).map((policy) => policy.PolicyDocument),
    ...Object.values(resources)
      .filter(
        (resource) =>
          resource.Type === 'AWS::IAM::Policy' &&
          ((resource.Properties?.Roles ?? []) as Json[]).some(
            (entry) => JSON.stringify(entry) === JSON.stringify({ Ref: roleId }),
          ),
      )
      .map((resource) => resource.Properties!.PolicyDocument!),
  ];
  return documents.flatMap((document) =>
    list((document as { Statement?: Json }).Statement).map((entry) => {
      const statement = entry as Record<string, Json>;
      for (const unsupported of ['NotAction', 'NotResource', 'Principal'])
        if (unsupported in statement)
          throw new Error(
            `The job role has a statement with ${unsupported}, which the image test's IAM check cannot evaluate: extend test/fakes/jobRoleAws.ts`,
          );
      return {
        effect: statement.Effect === 'Deny' ? 'Deny' : 'Allow',
        actions: list(statement.Action).map(String),
        resources: list(statement.Resource).map(resolve),
        ...(statement.Condition ? { conditions: conditionsOf(statement.Condition) } : {}),
      };
    }),
  );
}

function list(value: Json | undefined): Json[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** `{StringLike: {key: "v"}}` with every value a list of strings. */
function conditionsOf(condition: Json): PolicyConditions {
  return Object.fromEntries(
    Object.entries(condition as Record<string, Record<string, Json>>).map(([operator, keys]) => [
      operator,
      Object.fromEntries(Object.entries(keys).map(([key, values]) => [key, list(values).map(String)])),
    ]),
  );
}

/** The role whose ARN is `arn`: its statements and its trust policy. */
function runRoleOf(resources: Record<string, Resource>, arn: string, resolve: (value: Json) => string): RunRole {
  const id = Object.keys(resources).find(
    (candidate) =>
      resources[candidate]!.Type === 'AWS::IAM::Role' && resolve({ 'Fn::GetAtt': [candidate, 'Arn'] }) === arn,
  );
  if (!id) throw new Error(`The job definition's run role ${arn} is none of the stack's roles`);
  const trust = list((resources[id]!.Properties!.AssumeRolePolicyDocument as { Statement: Json }).Statement).map(
    (entry) => {
      const statement = entry as Record<string, Json>;
      const principal = statement.Principal as { AWS?: Json };
      if (!principal.AWS || statement.Effect !== 'Allow')
        throw new Error(`${id}'s trust policy has a statement the image test cannot evaluate: extend it`);
      return {
        principals: list(principal.AWS).map(resolve),
        actions: list(statement.Action).map(String),
        ...(statement.Condition ? { conditions: conditionsOf(statement.Condition) } : {}),
      };
    },
  );
  return { arn, statements: roleStatements(resources, id, resolve), trust };
}

/**
 * CloudFormation's intrinsics, as a deployment into the loopback account would evaluate them. A
 * resource type the image test has no loopback stand-in for fails loudly, with its logical id.
 */
function resolverFor(resources: Record<string, Resource>, tables: TableNames): (value: Json) => string {
  const devTables = tableNamesFor('dev');
  const arn = (service: string, resource: string, region = LOOPBACK_REGION, account = LOOPBACK_ACCOUNT) =>
    `arn:aws:${service}:${region}:${account}:${resource}`;
  const physical = (id: string): { ref: string; arn?: string; attributes?: Record<string, string> } => {
    const resource = resources[id];
    if (!resource) throw new Error(`The template has no resource ${id}`);
    const name = (key: string) => String(resource.Properties?.[key] ?? id);
    switch (resource.Type) {
      case 'AWS::DynamoDB::GlobalTable':
      case 'AWS::DynamoDB::Table': {
        // The stack's jobs and repositories tables stand in for the template's of the same role.
        const role = (Object.keys(devTables) as (keyof TableNames)[]).find(
          (key) => devTables[key] === name('TableName'),
        );
        if (!role) throw new Error(`The image test has no loopback table for ${id} (${name('TableName')})`);
        return { ref: tables[role], arn: arn('dynamodb', `table/${tables[role]}`) };
      }
      case 'AWS::S3::Bucket':
        return { ref: name('BucketName'), arn: `arn:aws:s3:::${name('BucketName')}` };
      case 'AWS::Batch::JobQueue': {
        const queue = arn('batch', `job-queue/${name('JobQueueName')}`);
        return { ref: queue, attributes: { JobQueueArn: queue } };
      }
      case 'AWS::Batch::JobDefinition':
        return { ref: arn('batch', `job-definition/${name('JobDefinitionName')}:1`) };
      case 'AWS::SecretsManager::Secret':
        return { ref: arn('secretsmanager', `secret:${id}`) };
      case 'AWS::IAM::Role':
        return { ref: id, arn: `arn:aws:iam::${LOOPBACK_ACCOUNT}:role/${id}` };
      default:
        throw new Error(`The image test has no loopback stand-in for ${id} (${resource.Type})`);
    }
  };
  const pseudo: Record<string, string> = {
    'AWS::Region': LOOPBACK_REGION,
    'AWS::AccountId': LOOPBACK_ACCOUNT,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': stackName('dev'),
  };
  const reference = (name: string): string => {
    if (name in pseudo) return pseudo[name]!;
    const [id, attribute] = name.split('.') as [string, string | undefined];
    if (attribute === undefined) return physical(id).ref;
    const found = physical(id);
    if (attribute === 'Arn' && found.arn) return found.arn;
    if (found.attributes?.[attribute]) return found.attributes[attribute]!;
    throw new Error(`The image test cannot resolve ${name}`);
  };
  const resolve = (value: Json): string => {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      if ('Ref' in value) return reference(String(value.Ref));
      if ('Fn::GetAtt' in value) return reference((value['Fn::GetAtt'] as string[]).join('.'));
      if ('Fn::Join' in value) {
        const [separator, parts] = value['Fn::Join'] as [string, Json[]];
        return parts.map(resolve).join(separator);
      }
      if ('Fn::Sub' in value) {
        const sub = value['Fn::Sub'];
        const [text, variables] = (Array.isArray(sub) ? sub : [sub, {}]) as [string, Record<string, Json>];
        return text.replace(/\$\{([^}]+)\}/g, (_, name: string) =>
          name in variables ? resolve(variables[name]!) : reference(name),
        );
      }
    }
    throw new Error(`The image test cannot resolve ${JSON.stringify(value)}`);
  };
  return resolve;
}
