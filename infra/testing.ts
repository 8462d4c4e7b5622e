import { App, Validations, type Stack } from 'aws-cdk-lib';
import { AssetManifestArtifact, type CloudAssembly } from 'aws-cdk-lib/cx-api';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEPLOY_ENVIRONMENTS, stackName, type DeployEnvironment } from './config';
import { REPO_ROOT } from './paths';
import { addStacks, type CodyBatchStack } from './stack';

// Test support: synthesizes the app as `cdk synth` would (cdk.json's context, then the test's),
// offline, into a temporary folder. Needs `npm run build` first, for the bundles in dist/.

export interface Synthesized {
  outdir: string;
  assembly: CloudAssembly;
  stacks: Record<DeployEnvironment, CodyBatchStack>;
  templates: Record<DeployEnvironment, Template>;
}

const outdirs: string[] = [];
process.once('exit', () => {
  for (const outdir of outdirs) rmSync(outdir, { recursive: true, force: true });
});

function cdkJsonContext(): Record<string, unknown> {
  return (
    (JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> })
      .context ?? {}
  );
}

/** Synthesizes the stacks `context` selects (both without `env`). */
export function synthesize(context: Record<string, unknown> = {}): {
  outdir: string;
  assembly: CloudAssembly;
  stacks: CodyBatchStack[];
  templates: Template[];
} {
  const outdir = mkdtempSync(path.join(tmpdir(), 'cody-batch-cdk-'));
  outdirs.push(outdir);
  const app = new App({ outdir, context: { ...cdkJsonContext(), ...context } });
  const stacks = addStacks(app);
  const assembly = app.synth();
  return { outdir, assembly, stacks, templates: stacks.map((stack) => Template.fromStack(stack)) };
}

let both: Synthesized | undefined;

/** Both environments with their default parameters, synthesized once per test run. */
export function synthesizeBoth(): Synthesized {
  if (!both) {
    const { outdir, assembly, stacks, templates } = synthesize();
    const byEnv = <T>(items: T[]) =>
      Object.fromEntries(DEPLOY_ENVIRONMENTS.map((env, i) => [env, items[i]!])) as Record<DeployEnvironment, T>;
    both = { outdir, assembly, stacks: byEnv(stacks), templates: byEnv(templates) };
  }
  return both;
}

/**
 * A dev stack with every parameter set away from its default (Claude on Bedrock through an
 * inference profile, audit logs on, no Spot), synthesized once per test run.
 */
export const EVERY_PARAMETER = {
  env: 'dev',
  maxVcpus: '32',
  spot: 'false',
  workerCpu: '2',
  workerMemoryMiB: '8192',
  workerTimeoutMinutes: '90',
  artifactExpiryDays: '7',
  retentionDays: '45',
  logRetentionDays: '30',
  auditLogs: 'true',
  claudeProvider: 'bedrock',
  bedrockModelId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
  githubApiUrl: 'https://github.example.com/api/v3',
  alarmEmail: 'ops@example.com',
} as const;

let everyParameter: { assembly: CloudAssembly; stack: CodyBatchStack; template: Template } | undefined;

export function synthesizeEveryParameter(): { assembly: CloudAssembly; stack: CodyBatchStack; template: Template } {
  if (!everyParameter) {
    const { assembly, stacks, templates } = synthesize(EVERY_PARAMETER);
    everyParameter = { assembly, stack: stacks[0]!, template: templates[0]! };
  }
  return everyParameter;
}

/** A dev stack per other code-host credential: GitLab (self-managed), and GitHub as an App. */
export const CODE_HOST_VARIANTS = {
  gitlab: { env: 'dev', codeHost: 'gitlab', gitlabUrl: 'https://gitlab.example.com' },
  app: { env: 'dev', githubAppId: '90210' },
} as const;

const variants: Partial<Record<keyof typeof CODE_HOST_VARIANTS, ReturnType<typeof synthesizeEveryParameter>>> = {};

export function synthesizeCodeHost(variant: keyof typeof CODE_HOST_VARIANTS): {
  assembly: CloudAssembly;
  stack: CodyBatchStack;
  template: Template;
} {
  if (!variants[variant]) {
    const { assembly, stacks, templates } = synthesize(CODE_HOST_VARIANTS[variant]);
    variants[variant] = { assembly, stack: stacks[0]!, template: templates[0]! };
  }
  return variants[variant]!;
}

/** What `cdk deploy` publishes for a stack: file assets (Lambda code) and Docker images, by asset hash. */
export interface AssetManifest {
  files: Record<string, { source: { path: string } }>;
  dockerImages: Record<string, { source: { directory: string; dockerFile?: string; platform?: string } }>;
}

/** The stack's asset manifest, with each source path made absolute (of both default stacks, unless another assembly is given). */
export function assetManifest(
  env: DeployEnvironment,
  assembly: CloudAssembly = synthesizeBoth().assembly,
): AssetManifest {
  const artifact = assembly
    .getStackByName(stackName(env))
    .dependencies.find((dependency) => dependency instanceof AssetManifestArtifact);
  if (!artifact) throw new Error(`${stackName(env)} has no asset manifest`);
  const manifest = JSON.parse(readFileSync(artifact.file, 'utf8')) as AssetManifest;
  for (const file of Object.values(manifest.files)) file.source.path = path.join(assembly.directory, file.source.path);
  for (const image of Object.values(manifest.dockerImages))
    image.source.directory = path.join(assembly.directory, image.source.directory);
  return manifest;
}

/** A `describe` per environment (CodyBatch-dev, CodyBatch-prod), each with its synthesized template. */
export function describeEachEnvironment(body: (env: DeployEnvironment, template: () => Template) => void): void {
  let templates: Record<DeployEnvironment, Template>;
  before(() => {
    templates = synthesizeBoth().templates;
  });
  for (const env of DEPLOY_ENVIRONMENTS) describe(stackName(env), () => body(env, () => templates[env]));
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Resource = {
  Type: string;
  Properties?: Record<string, Json>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};

/** The template's resources of one type, by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, Resource> {
  return template.findResources(type) as Record<string, Resource>;
}

/** The one resource of `type` whose properties include `name: value` (a physical name). */
export function namedResource(
  template: Template,
  type: string,
  nameProperty: string,
  name: string,
): [string, Resource] {
  const matches = Object.entries(resourcesOf(template, type)).filter(
    ([, resource]) => resource.Properties?.[nameProperty] === name,
  );
  if (matches.length !== 1)
    throw new Error(`expected one ${type} with ${nameProperty} ${name}, found ${matches.length}`);
  return matches[0]!;
}

/**
 * A CloudFormation value as readable text: `{Ref: X}` becomes `${X}`, `{Fn::GetAtt: [X, Arn]}`
 * becomes `${X.Arn}`, a `Fn::Join` is joined, and a `Fn::Sub` is kept as written.
 */
export function render(value: Json): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    if ('Ref' in value) return `\${${String(value.Ref)}}`;
    if ('Fn::GetAtt' in value) return `\${${(value['Fn::GetAtt'] as string[]).join('.')}}`;
    if ('Fn::Join' in value) {
      const [separator, parts] = value['Fn::Join'] as [string, Json[]];
      return parts.map(render).join(separator);
    }
    if ('Fn::Sub' in value) return String(value['Fn::Sub']);
  }
  return JSON.stringify(value);
}

/** Every statement of every IAM policy, inline role policy, managed policy and resource policy. */
export interface FoundStatement {
  where: string;
  effect: string;
  actions: string[];
  resources: string[];
  principal?: Json;
  /** NotAction or NotResource, which grant everything but what they list. */
  negated: boolean;
}

const POLICY_DOCUMENTS: Record<string, (properties: Record<string, Json>) => Json[]> = {
  'AWS::IAM::Policy': (p) => [p.PolicyDocument!],
  'AWS::IAM::ManagedPolicy': (p) => [p.PolicyDocument!],
  'AWS::IAM::Role': (p) =>
    ((p.Policies as { PolicyDocument: Json }[] | undefined) ?? []).map((policy) => policy.PolicyDocument),
  'AWS::S3::BucketPolicy': (p) => [p.PolicyDocument!],
  'AWS::SNS::TopicPolicy': (p) => [p.PolicyDocument!],
  'AWS::SQS::QueuePolicy': (p) => [p.PolicyDocument!],
};

export function policyStatements(template: Template): FoundStatement[] {
  const found: FoundStatement[] = [];
  const list = (value: Json | undefined): Json[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
  for (const [type, documentsOf] of Object.entries(POLICY_DOCUMENTS)) {
    for (const [id, resource] of Object.entries(resourcesOf(template, type))) {
      for (const document of documentsOf(resource.Properties ?? {})) {
        for (const statement of list((document as { Statement?: Json }).Statement) as Record<string, Json>[]) {
          found.push({
            where: `${id} (${type})`,
            effect: String(statement.Effect),
            actions: list(statement.Action).map(String),
            resources: list(statement.Resource).map(render),
            principal: statement.Principal,
            negated: 'NotAction' in statement || 'NotResource' in statement,
          });
        }
      }
    }
  }
  return found;
}

/** One cdk-nag finding: its rule (with the finding, for IAM5), the resource's construct path inside its stack. */
export interface NagFinding {
  rule: string;
  resource: string;
  severity: string;
}

const pathInStack = (stack: Stack, path: string) => path.replace(new RegExp(`^/?${stack.stackName}/`), '');

/**
 * The AWS Solutions findings on `stack` that no acknowledgment covers (errors and warnings alike).
 * With `includeAcknowledged`, every finding, as if nothing were acknowledged: cdk-nag's own check
 * for an acknowledgment is switched off on this one pack instance.
 */
export function nagFindings(stack: Stack, options: { includeAcknowledged?: boolean } = {}): NagFinding[] {
  const pack = new AwsSolutionsChecks();
  if (options.includeAcknowledged) Object.defineProperty(pack, 'isAcknowledged', { value: () => false });
  return pack.validateScope(stack).violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => ({
      rule: violation.ruleName,
      resource: pathInStack(stack, resource.constructPath ?? ''),
      severity: violation.severity ?? '',
    })),
  );
}

/** One cdk-nag acknowledgment as the synthesized stack records it: rule, construct path inside the stack, reason. */
export interface NagAcknowledgment {
  rule: string;
  resource: string;
  reason: string;
}

/** The AWS Solutions acknowledgments in a synthesized stack's metadata (the cloud assembly, not the construct tree). */
export function nagAcknowledgments(assembly: CloudAssembly, stack: Stack): NagAcknowledgment[] {
  return assembly
    .getStackByName(stack.stackName)
    .findMetadataByType(Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((entry) =>
      Object.entries(entry.data as unknown as Record<string, string>).map(([id, reason]) => ({
        // aws-cdk-lib records an acknowledged rule as `Annotation::<id>`.
        rule: id.replace(/^annotation::/i, ''),
        resource: pathInStack(stack, entry.path),
        reason,
      })),
    )
    .filter((acknowledgment) => acknowledgment.rule.startsWith('AwsSolutions-'));
}
