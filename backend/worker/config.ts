import os from 'node:os';
import path from 'node:path';
import * as z from 'zod';
import { describeIssues } from '../../common/schemas';
import { ENV } from '../../common/names';
import { CODE_HOST_KINDS, type CodeHostConfig } from '../hosts/codeHost';
import { codeHostConfigFrom } from '../hosts/config';
import { namesRepository } from '../hosts/gitBase';
import { SANDBOX_MODES } from '../../common/sandbox';
import { parseTrustedKeys, verifierFrom, type WorkerKeys, workerSealFrom } from '../store/signing';
import { tableNamesFor, type TableNames } from '../store/tables';
import { DEFAULT_AGENT_LIMITS } from './agent/types';
import { newRunMarker } from './runProcesses';

// The worker's environment contract (docs/architecture.md, "The worker's environment contract"), read once and
// validated, so a misconfigured container fails at start with one clear sentence.

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value));

const positiveInt = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return fallback;
      const number = Number(value);
      if (!Number.isInteger(number) || number < 1) {
        ctx.addIssue({ code: 'custom', message: `must be a positive whole number, not "${value}"` });
        return z.NEVER;
      }
      return number;
    });

const index = z.string().regex(/^\d+$/, { error: 'must be a whole number from 0' }).transform(Number);

export const RUN_KINDS = ['change', 'publish'] as const;
export type RunKind = (typeof RUN_KINDS)[number];

const WorkerEnvironment = z
  .object({
    [ENV.env]: z.string().default('dev'),
    [ENV.jobsTable]: optionalText,
    [ENV.repositoriesTable]: optionalText,
    [ENV.dynamodbEndpoint]: optionalText,
    [ENV.dynamodbCredentials]: optionalText,
    [ENV.artifacts]: z
      .string({ error: 'is required (s3://bucket or a folder)' })
      .min(1, { error: 'is required (s3://bucket or a folder)' }),
    [ENV.jobId]: z.string({ error: 'is required' }).regex(/^[0-9a-z]{26}$/, { error: 'is not a Cody Batch job id' }),
    [ENV.batchArrayIndex]: index.optional(),
    [ENV.repositoryIndex]: index.optional(),
    [ENV.codeHost]: optionalText.pipe(
      z.enum(CODE_HOST_KINDS, { error: `must be one of ${CODE_HOST_KINDS.join(', ')}` }).optional(),
    ),
    [ENV.githubToken]: optionalText,
    [ENV.githubAppId]: optionalText,
    [ENV.githubAppPrivateKey]: optionalText,
    [ENV.githubApiUrl]: optionalText.pipe(z.url({ error: 'must be a URL' }).optional()),
    [ENV.gitlabToken]: optionalText,
    [ENV.gitlabUrl]: optionalText.pipe(z.url({ error: 'must be a URL' }).optional()),
    [ENV.gitBase]: optionalText.refine((value) => value === undefined || namesRepository(value), {
      error: 'must contain {owner} and {name}, or {path}',
    }),
    [ENV.commandUser]: optionalText,
    [ENV.runMarker]: optionalText.pipe(
      z
        .string()
        .regex(/^[0-9a-f]{16,64}$/, { error: 'must be 16 to 64 lowercase hex digits' })
        .optional(),
    ),
    [ENV.workDir]: optionalText,
    [ENV.heartbeatMs]: positiveInt(10_000),
    [ENV.staleAfterMs]: positiveInt(5 * 60_000),
    [ENV.wallTimeMs]: positiveInt(DEFAULT_AGENT_LIMITS.wallTimeMs),
    [ENV.verifyRounds]: positiveInt(3),
    [ENV.runKind]: optionalText.pipe(z.enum(RUN_KINDS, { error: 'must be change or publish' }).optional()),
    [ENV.shardSize]: positiveInt(1),
    [ENV.runRoleArn]: optionalText.pipe(
      z
        .string()
        .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, { error: 'is not an IAM role ARN' })
        .optional(),
    ),
    // Read where it is used (./sandboxPolicy.ts); checked here so a wrong value stops the worker at start.
    [ENV.sandbox]: optionalText.pipe(
      z
        .string()
        .transform((value) => value.trim().toLowerCase())
        .pipe(z.enum(SANDBOX_MODES, { error: `must be one of ${SANDBOX_MODES.join(', ')}` }))
        .optional(),
    ),
    [ENV.trustedKeys]: z
      .string({ error: "is required: the API's public keys, which sign what a worker may run" })
      .transform((value, ctx) => {
        try {
          return verifierFrom(parseTrustedKeys(value));
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
          return z.NEVER;
        }
      }),
    [ENV.workerKey]: z.string({ error: 'is required: the key a worker seals what it records with' }),
    [ENV.previousWorkerKey]: optionalText,
  })
  .loose();

export interface WorkerConfig {
  environment: string;
  /** `change`: run the job's change on its run's shard; `publish`: publish the publish run's `index`-th name. */
  runKind: RunKind;
  tables: TableNames;
  dynamodbEndpoint?: string;
  /** The local stack's DynamoDB credentials file: its DynamoDB accepts no others. */
  dynamodbCredentialsFile?: string;
  /**
   * On AWS, the role whose session, tagged with the job, reaches the job's rows and artifacts (the
   * worker's own role reaches none); absent locally.
   */
  runRoleArn?: string;
  artifacts: string;
  jobId: string;
  /**
   * The shard: Batch's array index, our REPOSITORY_INDEX, or 0 for a single job. A change worker
   * runs names `index × shardSize` to `index × shardSize + shardSize − 1` of the job's run.
   */
  index: number;
  /** CODY_BATCH_SHARD_SIZE: repositories per worker (1 when absent; publish runs use 1). */
  shardSize: number;
  /**
   * The code host (backend/hosts/): its kind (CODY_BATCH_CODE_HOST), the clone URL template
   * (CODY_BATCH_GIT_BASE), its API (GITHUB_API_URL or GITLAB_URL) and the token of that host
   * (GITHUB_TOKEN or GITLAB_TOKEN): clone, push, pull requests. The token is a secret.
   */
  codeHost: CodeHostConfig;
  /** Run commands as this unprivileged user (the worker image's), when set. */
  commandUser?: string;
  /** Where each run makes its temporary folder. */
  workDir: string;
  /** CODY_BATCH_RUN_MARKER, given by the local executor, else a new one. */
  runMarker: string;
  heartbeatMs: number;
  /** A RUNNING row whose heartbeat is older than this may be claimed again (Batch's own retry). */
  staleAfterMs: number;
  /** Wall time per repository. */
  wallTimeMs: number;
  /** Verification runs, the first included; failures between them go back to Claude. */
  verifyRounds: number;
  /** The API's public keys (what it signed runs), and the seal key for what the worker records. */
  keys: WorkerKeys;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function workerConfigFrom(env: NodeJS.ProcessEnv): WorkerConfig {
  const parsed = WorkerEnvironment.safeParse(env);
  if (!parsed.success) throw new ConfigError(`Worker environment: ${describeIssues(parsed.error)}`);
  const values = parsed.data;
  const defaults = tableNamesFor(values[ENV.env]);
  let workerSeal: WorkerKeys['workerSeal'];
  try {
    const previous = values[ENV.previousWorkerKey];
    workerSeal = workerSealFrom(previous ? [values[ENV.workerKey], previous] : [values[ENV.workerKey]]);
  } catch (error) {
    throw new ConfigError(`Worker environment: ${ENV.workerKey}: ${(error as Error).message}`);
  }
  return {
    environment: values[ENV.env],
    runKind: values[ENV.runKind] ?? 'change',
    tables: {
      jobs: values[ENV.jobsTable] ?? defaults.jobs,
      repositories: values[ENV.repositoriesTable] ?? defaults.repositories,
    },
    dynamodbEndpoint: values[ENV.dynamodbEndpoint],
    dynamodbCredentialsFile: values[ENV.dynamodbCredentials],
    runRoleArn: values[ENV.runRoleArn],
    artifacts: values[ENV.artifacts],
    jobId: values[ENV.jobId],
    index: values[ENV.batchArrayIndex] ?? values[ENV.repositoryIndex] ?? 0,
    codeHost: hostConfigFrom(env),
    commandUser: values[ENV.commandUser],
    workDir: workDirFrom(env),
    runMarker: values[ENV.runMarker] ?? newRunMarker(),
    heartbeatMs: values[ENV.heartbeatMs],
    staleAfterMs: values[ENV.staleAfterMs],
    wallTimeMs: values[ENV.wallTimeMs],
    verifyRounds: values[ENV.verifyRounds],
    shardSize: values[ENV.shardSize],
    keys: { verifier: values[ENV.trustedKeys], workerSeal },
  };
}

/** The code host's settings; what the schema cannot say (an App's key that is no PEM) is a ConfigError too. */
function hostConfigFrom(env: NodeJS.ProcessEnv): CodeHostConfig {
  try {
    return codeHostConfigFrom(env);
  } catch (error) {
    throw new ConfigError(`Worker environment: ${(error as Error).message}`);
  }
}

/**
 * Where runs make their folders: CODY_BATCH_WORK_DIR, else a folder of this user's own in the
 * temporary folder as os.tmpdir() finds it, read from `env` so the local executor and its workers
 * agree on it. Not the temporary folder itself: the sandbox denies commands the whole work folder
 * (other runs' clones), and that must not hide everything else in /tmp (a checkout of Cody Batch
 * there, with the sandbox's own helpers, or a tool a job's command uses).
 */
export function workDirFrom(env: NodeJS.ProcessEnv): string {
  const chosen = env[ENV.workDir]?.trim();
  // Absolute: a sandboxed worker moves its working folder (./sandbox.ts).
  if (chosen) return path.resolve(chosen);
  const temporary = env.TMPDIR || env.TMP || env.TEMP || '/tmp';
  return path.resolve(temporary, `cody-batch-runs-${os.userInfo().uid}`);
}
