// Names shared by every part (docs/architecture.md, "Names shared by every part").

import { artifactFolderOf } from './repositoryNames';

export const ENVIRONMENTS = ['dev', 'prod', 'local'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export const JOBS_OWNER_INDEX = 'byOwner';
/** The repositories table's index of a job's rows by status (hash `jobStatus` = `{jobId}#{status}`, range the name). */
export const REPOSITORIES_STATUS_INDEX = 'byStatus';

export function jobsTableName(env: string): string {
  return `cody-batch-${env}-jobs`;
}

export function repositoriesTableName(env: string): string {
  return `cody-batch-${env}-repositories`;
}

export function artifactsBucketName(env: string): string {
  return `cody-batch-${env}-artifacts`;
}

export const ARTIFACT_FILES = ['diff.patch', 'thread.json', 'log.txt', 'trigger.json'] as const;
export type ArtifactFile = (typeof ARTIFACT_FILES)[number];

/**
 * `jobs/{jobId}/{owner}/{name}/{file}` for a repository's first attempt (and every attempt of jobs
 * from before attempts had their own keys), `jobs/{jobId}/{owner}/{name}/attempt-{n}/{file}` for
 * a later one, so an earlier attempt stays readable after a retry or a revised continue. A name of
 * three or more segments keeps the two levels: `jobs/{jobId}/{group~subgroup}/{project}/…`
 * (artifactFolderOf).
 */
export function artifactKey(jobId: string, repositoryName: string, file: ArtifactFile, attempt = 1): string {
  const folder = artifactFolderOf(repositoryName);
  return attempt > 1 ? `jobs/${jobId}/${folder}/attempt-${attempt}/${file}` : `jobs/${jobId}/${folder}/${file}`;
}

/**
 * Where a revision of a repository's patch is kept: revision 0 is the worker's own `diff.patch`;
 * a reviewer's later revision n (hunks left out) is `diff-r{n}-{digest}.patch` beside it (16 hex
 * digits of its SHA-256, so two reviewers saving revision n at once never overwrite each other's:
 * the row names the one that won), and the original stays readable.
 */
export function patchRevisionKey(
  jobId: string,
  repositoryName: string,
  attempt: number,
  revision?: { revision: number; digest: string },
): string {
  const key = artifactKey(jobId, repositoryName, 'diff.patch', attempt);
  return revision && revision.revision > 0
    ? key.replace(/diff\.patch$/, `diff-r${revision.revision}-${revision.digest.slice(0, 16)}.patch`)
    : key;
}

/**
 * The file a downloaded patch is saved as: `group-subgroup-project-{jobId}.patch`, every slash a
 * hyphen (`-attempt-{n}` for an earlier attempt's, as the API names it).
 */
export function patchFileName(ref: { jobId: string; repositoryName: string }, attempt = 1): string {
  return `${ref.repositoryName.replaceAll('/', '-')}-${ref.jobId}${attempt > 1 ? `-attempt-${attempt}` : ''}.patch`;
}

export function branchName(jobId: string): string {
  return `cody-batch/${jobId}`;
}

/** On every diff the API answers: the SHA-256 of the patch's bytes, which a review sends back (docs/architecture.md, "Chain of custody"). */
export const PATCH_DIGEST_HEADER = 'x-cody-batch-patch-digest';

/** On a diff answered for `?failed=1`: the change's verification failed (docs/architecture.md, REST API). */
export const FAILED_VERIFICATION_HEADER = 'x-cody-batch-verification-failed';

/** The language of a repository's log in the editor: word wrap on by default (package.json). */
export const LOG_LANGUAGE = 'cody-batch-log';

export const DEFAULT_API_PORT = 7878;
export const DEFAULT_DYNAMODB_PORT = 7879;

/** The owner recorded on jobs created with the local stack's bearer token. */
export const LOCAL_OWNER = 'local';

/** Environment variables of the worker and executor contract. */
/**
 * On AWS, the session tag a worker puts on the run role it assumes: the job its credentials reach
 * (the run role's policies allow that job's items and artifacts only).
 */
export const JOB_SESSION_TAG = 'jobId';

export const ENV = {
  env: 'CODY_BATCH_ENV',
  jobsTable: 'CODY_BATCH_JOBS_TABLE',
  repositoriesTable: 'CODY_BATCH_REPOSITORIES_TABLE',
  dynamodbEndpoint: 'CODY_BATCH_DYNAMODB_ENDPOINT',
  /** The local stack's DynamoDB credentials file (`$CODY_BATCH_HOME/dynamodb-credentials`), for its workers. */
  dynamodbCredentials: 'CODY_BATCH_DYNAMODB_CREDENTIALS',
  artifacts: 'CODY_BATCH_ARTIFACTS',
  jobId: 'JOB_ID',
  batchArrayIndex: 'AWS_BATCH_JOB_ARRAY_INDEX',
  repositoryIndex: 'REPOSITORY_INDEX',
  githubToken: 'GITHUB_TOKEN',
  anthropicApiKey: 'ANTHROPIC_API_KEY',
  legacyClaudeApiKey: 'CLAUDE_API_KEY',
  claudeProvider: 'CODY_BATCH_CLAUDE_PROVIDER',
  anthropicBaseUrl: 'ANTHROPIC_BASE_URL',
  githubApiUrl: 'GITHUB_API_URL',
  /** How long a bulk request (retry, cancel, a merge of many) works before it answers with its operation (ms, default 1500). */
  operationMomentMs: 'CODY_BATCH_OPERATION_MOMENT_MS',
  /** On AWS, the sweeper's: the API function it invokes to go on with an operation whose runner stopped. */
  operationsFunction: 'CODY_BATCH_OPERATIONS_FUNCTION',
  /** Changes (merge, close, comment, branch deletion) sent to GitHub at once; default 1 for github.com, 4 for GitHub Enterprise. */
  githubWritesAtOnce: 'CODY_BATCH_GITHUB_WRITES_AT_ONCE',
  /** The least time between two changes sent to GitHub (ms); default 1000 for github.com (GitHub's advice), 0 for GitHub Enterprise. */
  githubWriteIntervalMs: 'CODY_BATCH_GITHUB_WRITE_INTERVAL_MS',
  /** A GitHub App instead of GITHUB_TOKEN: its id, and its private key (a PEM, or the path of one; a secret). */
  githubAppId: 'GITHUB_APP_ID',
  githubAppPrivateKey: 'GITHUB_APP_PRIVATE_KEY',
  gitBase: 'CODY_BATCH_GIT_BASE',
  /** Which code host the stack speaks to: `github`, `gitlab` or `folder` (default: a file:// git base is the folder host, anything else GitHub). */
  codeHost: 'CODY_BATCH_CODE_HOST',
  /** GitLab's instance (default https://gitlab.com) and the server's GitLab token (a secret). */
  gitlabUrl: 'GITLAB_URL',
  gitlabToken: 'GITLAB_TOKEN',
  home: 'CODY_BATCH_HOME',
  apiPort: 'CODY_BATCH_PORT',
  dynamodbPort: 'CODY_BATCH_DYNAMODB_PORT',
  concurrency: 'CODY_BATCH_CONCURRENCY',
  /**
   * Repositories per worker (a shard): the executor chooses it from the run's size and its
   * concurrency unless this is set; a worker is given it and runs that many of the run, one after another.
   */
  shardSize: 'CODY_BATCH_SHARD_SIZE',
  /**
   * On AWS, the API's: a worker's time limit per repository (the job definition's timeout), so a
   * shard of k repositories is submitted with k times it.
   */
  workerTimeoutMinutes: 'CODY_BATCH_WORKER_TIMEOUT_MINUTES',
  /** The most repositories one job may name (default 10,000). */
  maxRepositories: 'CODY_BATCH_MAX_REPOSITORIES',
  /** The AWS Batch job queue ARN the API submits to. */
  jobQueue: 'CODY_BATCH_JOB_QUEUE',
  /** The AWS Batch job definition ARN the API submits with. */
  jobDefinition: 'CODY_BATCH_JOB_DEFINITION',
  /** The command sandbox: `auto` (default), `require` or `off` (common/sandbox.ts). */
  sandbox: 'CODY_BATCH_SANDBOX',
  /** bubblewrap's path for the sandbox, when not the one on PATH (a newer build than the system's). */
  sandboxBwrap: 'CODY_BATCH_SANDBOX_BWRAP',
  /** The unprivileged user that runs commands and verify steps in the worker image (`sudo -u`). */
  commandUser: 'CODY_BATCH_COMMAND_USER',
  /** The file descriptor on which the local executor hands a worker its secrets as JSON (backend/worker/secrets.ts). */
  secretsFd: 'CODY_BATCH_SECRETS_FD',
  /**
   * A random value per worker, put in every command's environment: processes carrying it are the
   * run's, killed after each command and when the worker ends (backend/worker/runProcesses.ts).
   */
  runMarker: 'CODY_BATCH_RUN_MARKER',
  /**
   * On AWS, the role a worker assumes for its job's data, tagged with JOB_SESSION_TAG; its own role
   * reaches no table or artifact. Absent (locally): the worker signs with what it is given.
   */
  runRoleArn: 'CODY_BATCH_RUN_ROLE_ARN',
  /** The Bedrock model id (or inference profile) the worker uses when the provider is `bedrock`. */
  bedrockModel: 'CODY_BATCH_BEDROCK_MODEL',
  /** CLI: a remote API instead of the local stack, how to sign requests to it (`aws` | `token`), and the bearer token. */
  cliApiUrl: 'CODY_BATCH_API_URL',
  cliAuth: 'CODY_BATCH_AUTH',
  cliToken: 'CODY_BATCH_TOKEN',
  /** Worker knobs, each with a default that suits AWS (backend/worker/config.ts). */
  workDir: 'CODY_BATCH_WORK_DIR',
  heartbeatMs: 'CODY_BATCH_HEARTBEAT_MS',
  staleAfterMs: 'CODY_BATCH_STALE_AFTER_MS',
  wallTimeMs: 'CODY_BATCH_WALL_TIME_MS',
  verifyRounds: 'CODY_BATCH_VERIFY_ROUNDS',
  /** How often the Claude SDK retries a failed call (0–10). */
  claudeMaxRetries: 'CODY_BATCH_CLAUDE_MAX_RETRIES',
  /** Where V8 keeps the compiled worker bundle between runs (backend/worker/codeCache.mjs reads it by name). */
  codeCache: 'CODY_BATCH_CODE_CACHE',
  /**
   * `ipc` (the local executor's, for a change run): when its shard is done, the worker asks on its
   * IPC channel for the next shard of the same job instead of exiting (backend/worker/nextShard.ts).
   */
  nextShard: 'CODY_BATCH_NEXT_SHARD',
  /** What a worker run does: `change` (the default: clone, change, diff) or `publish` (push the reviewed diff, open its PR). */
  runKind: 'CODY_BATCH_RUN_KIND',
  /**
   * On AWS, the API and sweeper Lambdas: the ARN of the Secrets Manager secret holding the GitHub
   * token, read at start with their own role (the token itself is never in a Lambda's environment).
   */
  githubTokenSecret: 'CODY_BATCH_GITHUB_TOKEN_SECRET',
  /** The same for the GitLab token, when the stack's host is GitLab. */
  gitlabTokenSecret: 'CODY_BATCH_GITLAB_TOKEN_SECRET',
  /** The same for a GitHub App's private key, when the stack runs as an App. */
  githubAppKeySecret: 'CODY_BATCH_GITHUB_APP_KEY_SECRET',
  /**
   * The API's public keys a worker trusts (raw Ed25519, base64url, comma-separated, the current one
   * first): it runs and publishes only what they signed. The local executor sets it; on AWS the API
   * adds it to each SubmitJob. Not a secret.
   */
  trustedKeys: 'CODY_BATCH_TRUSTED_KEYS',
  /** The workers' seal key (a secret): what a worker records (its base and digest, its push) is sealed with it. */
  workerKey: 'CODY_BATCH_WORKER_KEY',
  /** The seal key before the last rotation (a secret, locally): seals made with it still verify. */
  previousWorkerKey: 'CODY_BATCH_PREVIOUS_WORKER_KEY',
  /** On AWS, the API Lambda: the ARN of the secret its signing key is made from (only it may read it). */
  signingKeySecret: 'CODY_BATCH_SIGNING_KEY_SECRET',
  /** On AWS, the API Lambda: the ARN of the workers' seal key secret (the workers get it from Batch). */
  workerKeySecret: 'CODY_BATCH_WORKER_KEY_SECRET',
  /** Days a job's rows and artifacts are kept after it was created; unset keeps them (DynamoDB TTL, S3 lifecycle, the local sweep). */
  retentionDays: 'CODY_BATCH_RETENTION_DAYS',
} as const;

/**
 * The `reason` the AWS Batch executor gives `CancelJob` and `TerminateJob`. Batch reports it as the
 * job's status reason, and the failed-worker alarm ignores jobs stopped this way.
 */
export const BATCH_CANCEL_REASON = 'Cancelled by the user in Cody Batch';
