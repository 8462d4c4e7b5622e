import * as z from 'zod';
import { describeIssues } from '../common/schemas';

// The deploy-time parameters of one environment's stack, read from CDK context (`-c key=value` on
// the command line, or `context` in cdk.json). Values from the command line arrive as strings, so
// every field accepts its string form too. docs/operations.md lists them.

export const DEPLOY_ENVIRONMENTS = ['dev', 'prod'] as const;
export type DeployEnvironment = (typeof DEPLOY_ENVIRONMENTS)[number];

export const CLAUDE_PROVIDERS = ['anthropic', 'bedrock'] as const;

/** The code hosts a stack can be deployed for (the local folder host is the laptop's only). */
export const DEPLOYABLE_CODE_HOSTS = ['github', 'gitlab'] as const;

export function stackName(env: DeployEnvironment): string {
  return `CodyBatch-${env}`;
}

/** `cody-batch-{env}-{what}`, the naming convention of every named resource. */
export function resourceName(env: DeployEnvironment, what: string): string {
  return `cody-batch-${env}-${what}`;
}

/** Fargate's valid memory sizes (MiB) per vCPU count. */
const FARGATE_MEMORY_MIB: Record<string, { min: number; max: number; step: number }> = {
  '0.25': { min: 512, max: 2048, step: 512 },
  '0.5': { min: 1024, max: 4096, step: 1024 },
  '1': { min: 2048, max: 8192, step: 1024 },
  '2': { min: 4096, max: 16384, step: 1024 },
  '4': { min: 8192, max: 30720, step: 1024 },
  '8': { min: 16384, max: 61440, step: 4096 },
  '16': { min: 32768, max: 122880, step: 8192 },
};

/** CloudWatch Logs' allowed retention periods, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')]);
const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const DeployConfigSchema = z
  .object({
    env: z.enum(DEPLOY_ENVIRONMENTS),
    /** The compute environment's ceiling: how many vCPUs of workers run at once. */
    maxVcpus: integer(1, 10_000),
    /** Fargate Spot (about 70% cheaper; tasks can be interrupted and are then retried). */
    spot: flag,
    workerCpu: z.coerce
      .number()
      .refine((cpu) => String(cpu) in FARGATE_MEMORY_MIB, { error: 'must be one of 0.25, 0.5, 1, 2, 4, 8, 16' }),
    workerMemoryMiB: integer(512, 122_880),
    /** Batch's timeout for one attempt of one repository's worker. */
    workerTimeoutMinutes: integer(1, 14 * 24 * 60),
    artifactExpiryDays: integer(1, 3650),
    /**
     * CODY_BATCH_RETENTION_DAYS: jobs, their rows (DynamoDB TTL) and their artifacts (an S3
     * lifecycle rule) go this many days after creation; unset keeps them (artifacts still expire).
     */
    retentionDays: integer(1, 3650).optional(),
    logRetentionDays: z.coerce.number().refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
      error: `must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
    }),
    /** VPC flow logs and the artifacts bucket's server access logs, kept logRetentionDays. */
    auditLogs: flag,
    claudeProvider: z.enum(CLAUDE_PROVIDERS, { error: 'must be anthropic or bedrock' }),
    /** A Bedrock model id or cross-region inference profile id; used when claudeProvider is bedrock. */
    bedrockModelId: z.string().regex(/^[a-z0-9.-]+\.[A-Za-z0-9.:-]+$/, {
      error: 'is not a Bedrock model id such as us.anthropic.claude-sonnet-4-5-20250929-v1:0',
    }),
    /** The code host: GitHub (or GitHub Enterprise) or GitLab (GitLab.com or self-managed). One per stack. */
    codeHost: z.enum(DEPLOYABLE_CODE_HOSTS, { error: 'must be github or gitlab' }),
    /** GitHub Enterprise's API URL; github.com when unset. */
    githubApiUrl: z.url().optional(),
    /** A GitHub App's id: the stack runs as the App (its private key a secret) instead of with a token. */
    githubAppId: z.coerce.string().regex(/^\d+$/, { error: "is not a GitHub App's number" }).optional(),
    /** The GitLab instance; GitLab.com when unset. */
    gitlabUrl: z.url().optional(),
    /** Where repositories are cloned from, with {owner} and {name} (or {path}); the host's own when unset. */
    gitBase: z
      .string()
      .refine((value) => value.includes('{path}') || (value.includes('{owner}') && value.includes('{name}')), {
        error: 'must contain {owner} and {name}, or {path}',
      })
      .optional(),
    /** Who gets the alarms by e-mail (SNS subscription); none when unset. */
    alarmEmail: z.email().optional(),
    /** Overrides cody-batch-{env}-artifacts when that global S3 name is taken. */
    artifactsBucketName: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: 'is not a valid S3 bucket name' })
      .optional(),
  })
  .superRefine((config, context) => {
    const elsewhere = (key: 'githubApiUrl' | 'githubAppId' | 'gitlabUrl', host: string) =>
      context.addIssue({
        code: 'custom',
        path: [key],
        message: `is for codeHost=${host}, and codeHost is ${config.codeHost}`,
      });
    if (config.codeHost === 'gitlab') {
      if (config.githubApiUrl) elsewhere('githubApiUrl', 'github');
      if (config.githubAppId) elsewhere('githubAppId', 'github');
    } else if (config.gitlabUrl) elsewhere('gitlabUrl', 'gitlab');
    const memory = FARGATE_MEMORY_MIB[String(config.workerCpu)];
    if (
      memory &&
      (config.workerMemoryMiB < memory.min ||
        config.workerMemoryMiB > memory.max ||
        config.workerMemoryMiB % memory.step !== 0)
    ) {
      context.addIssue({
        code: 'custom',
        path: ['workerMemoryMiB'],
        message: `Fargate with ${config.workerCpu} vCPU takes ${memory.min} to ${memory.max} MiB in steps of ${memory.step}, not ${config.workerMemoryMiB}`,
      });
    }
  });

export type DeployConfig = z.infer<typeof DeployConfigSchema>;

/** A context value the operator got wrong; the message says which and how. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
export type ConfigKey = keyof DeployConfig;

/** Defaults per environment; prod favours durability and on-demand capacity, dev favours cost. */
export function defaultConfig(env: DeployEnvironment): Omit<DeployConfig, 'env'> {
  const prod = env === 'prod';
  return {
    maxVcpus: prod ? 64 : 16,
    spot: !prod,
    workerCpu: 1,
    workerMemoryMiB: 4096,
    workerTimeoutMinutes: 60,
    artifactExpiryDays: prod ? 90 : 30,
    logRetentionDays: prod ? 90 : 14,
    auditLogs: prod,
    claudeProvider: 'anthropic',
    codeHost: 'github',
    bedrockModelId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
  };
}

export const CONFIG_KEYS = Object.keys(DeployConfigSchema.shape) as ConfigKey[];

/**
 * The config for `env`, from context values (strings or JSON values) over the defaults.
 * Throws one error naming every bad value.
 */
export function resolveConfig(env: unknown, context: (key: string) => unknown): DeployConfig {
  const parsedEnv = DeployConfigSchema.shape.env.safeParse(env);
  if (!parsedEnv.success)
    throw new ConfigError(`Cody Batch infra: env must be dev or prod (-c env=dev), not ${JSON.stringify(env)}`);
  const given: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const value = context(key);
    if (value !== undefined && value !== '') given[key] = value;
  }
  const parsed = DeployConfigSchema.safeParse({ ...defaultConfig(parsedEnv.data), ...given, env: parsedEnv.data });
  if (!parsed.success) throw new ConfigError(`Cody Batch infra (${parsedEnv.data}): ${describeIssues(parsed.error)}`);
  return parsed.data;
}
