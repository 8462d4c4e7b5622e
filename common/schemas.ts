import { z } from 'zod';
import { describeCharacter, escapeInvisible, findInvisible } from './invisibleCharacters';
import { JobStatus, RepositoryStatus } from './status';

// The domain's shapes. Types are inferred from these schemas; there are no hand-written copies.

export const MAX_PROMPT_CHARS = 50_000;
export const MAX_COMMAND_CHARS = 10_000;
export const DEFAULT_MAX_REPOSITORIES = 1_000;
export const MAX_BODY_BYTES = 1_048_576;
/**
 * A job's cost limit in US dollars: from a cent to 10,000. Bounded both ways so that every value
 * is one DynamoDB can store (it refuses magnitudes under 1e-130, the SDK numbers over 2^53).
 */
export const MIN_COST_USD = 0.01;
export const MAX_COST_USD = 10_000;
/** Claude model used when a job names none. */
export const DEFAULT_MODEL = 'claude-sonnet-5-5';

const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/**
 * A GitHub `owner/name`: the owner is 1–39 letters, digits or inner hyphens; the name is 1–100
 * letters, digits, `.`, `_` or `-`, and neither `.` nor `..`. This rejects `../x`, `a/b/c`,
 * whitespace and control characters, which keeps names safe as path segments and URL parts.
 */
export const REPOSITORY_NAME_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/(?!\.{1,2}$)[A-Za-z0-9._-]{1,100}$/;

export const RepositoryName = z
  .string()
  .refine((value) => REPOSITORY_NAME_PATTERN.test(value), {
    error: (issue) => `"${printable(issue.input)}" is not a GitHub repository in the form owner/name`,
  })
  // GitHub's clone URLs end in .git, its repository names never do: `widget.git` would clone `widget.git.git`.
  .refine((value) => !/\.git$/i.test(value), {
    error: (issue) => `"${printable(issue.input)}": write the repository without its .git suffix`,
  });
export type RepositoryName = z.infer<typeof RepositoryName>;

export function isRepositoryName(value: string): boolean {
  return REPOSITORY_NAME_PATTERN.test(value);
}

/** Shows control characters, invisible ones and surrounding whitespace in messages instead of hiding them. */
function printable(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  const shown = escapeInvisible(JSON.stringify(text).slice(1, -1));
  return shown.length > 120 ? `${shown.slice(0, 117)}...` : shown;
}

/** A git branch name as `git check-ref-format --branch` would accept it, restricted to safe characters. */
export const BranchName = z
  .string()
  .min(1)
  .max(255)
  .refine(
    (value) =>
      /^[A-Za-z0-9._/-]+$/.test(value) &&
      !value.startsWith('-') &&
      !value.startsWith('/') &&
      !value.endsWith('/') &&
      !value.endsWith('.') &&
      !value.endsWith('.lock') &&
      !value.includes('..') &&
      !value.includes('//') &&
      !value.split('/').some((part) => part.startsWith('.')),
    { error: 'is not a valid git branch name' },
  );

const SingleLine = (max: number) =>
  z
    .string()
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must be at most ${max} characters` })
    .refine((value) => !CONTROL_CHARS.test(value), { error: 'must not contain control characters' })
    .superRefine((value, ctx) => {
      const invisible = findInvisible(value);
      if (invisible !== undefined)
        ctx.addIssue({
          code: 'custom',
          message: `must not contain ${describeCharacter(invisible)}: invisible characters make a name read as something else`,
        });
    });

export const ModelId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9.:@/_-]{0,127}$/, { error: 'is not a model id such as claude-sonnet-4-5' });

/** `sample` of `POST /jobs`: run this many of the repositories first, then stop SAMPLED until a continue. */
export const SampleRequest = z.strictObject({
  size: z
    .number({ error: 'must be a whole number of repositories' })
    .int({ error: 'must be a whole number of repositories' })
    .min(1, { error: 'must be at least 1' }),
});
export type SampleRequest = z.infer<typeof SampleRequest>;

/** Why a sample of `size` cannot be taken from `count` repositories, or undefined when it can. */
export function sampleSizeProblem(size: number, count: number): string | undefined {
  if (size < count) return undefined;
  return `must be less than the number of repositories (${count}): a sample leaves some for later; to run them all at once, leave sample out`;
}

export interface CreateJobLimits {
  maxRepositories?: number;
}

/**
 * The body of `POST /jobs`. The seed's body (`name, description, type, prompt, repositories,
 * createPullRequests`) is valid as written. Unknown fields are refused, so a typo such as
 * `createPullRequest` is reported rather than silently ignored.
 */
export function createJobRequestSchema(limits: CreateJobLimits = {}) {
  const maxRepositories = limits.maxRepositories ?? DEFAULT_MAX_REPOSITORIES;
  return z
    .strictObject({
      name: SingleLine(200),
      description: z.string().max(10_000, { error: 'must be at most 10000 characters' }).default(''),
      type: SingleLine(100).optional(),
      prompt: z
        .string()
        .max(MAX_PROMPT_CHARS, { error: `must be at most ${MAX_PROMPT_CHARS} characters` })
        .refine((value) => value.trim().length > 0, { error: 'must not be empty' })
        .optional(),
      command: z
        .string()
        .max(MAX_COMMAND_CHARS, { error: `must be at most ${MAX_COMMAND_CHARS} characters` })
        .refine((value) => value.trim().length > 0, { error: 'must not be empty' })
        .optional(),
      verifyCommand: z
        .string()
        .max(MAX_COMMAND_CHARS, { error: `must be at most ${MAX_COMMAND_CHARS} characters` })
        .refine((value) => value.trim().length > 0, { error: 'must not be empty' })
        .optional(),
      repositories: z
        .array(RepositoryName)
        .min(1, { error: 'must name at least one repository' })
        .max(maxRepositories, { error: `must name at most ${maxRepositories} repositories` }),
      createPullRequests: z.boolean().default(false),
      draftPullRequests: z.boolean().default(false),
      baseBranch: BranchName.optional(),
      model: ModelId.optional(),
      maxCostUsd: z
        .number({ error: 'must be a number of US dollars' })
        .min(MIN_COST_USD, { error: `must be at least ${MIN_COST_USD} (one cent)` })
        .max(MAX_COST_USD, { error: `must be at most ${MAX_COST_USD} US dollars` })
        .optional(),
      sample: SampleRequest.optional(),
    })
    .superRefine((request, ctx) => {
      if ((request.prompt === undefined) === (request.command === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['prompt'],
          message: 'give exactly one of prompt (Claude makes the change) or command (a shell command makes it)',
        });
      }
      const sampleProblem = request.sample && sampleSizeProblem(request.sample.size, request.repositories.length);
      if (sampleProblem) ctx.addIssue({ code: 'custom', path: ['sample', 'size'], message: sampleProblem });
      const seen = new Map<string, number>();
      request.repositories.forEach((name, index) => {
        const key = name.toLowerCase();
        const first = seen.get(key);
        if (first !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['repositories', index],
            message: `"${name}" is listed twice (also at position ${first + 1}); GitHub names are case-insensitive`,
          });
        } else {
          seen.set(key, index);
        }
      });
    });
}

export const CreateJobRequest = createJobRequestSchema();
export type CreateJobRequest = z.infer<typeof CreateJobRequest>;
/** What a client sends: defaults may be left out. */
export type CreateJobInput = z.input<typeof CreateJobRequest>;

export const CancelRequest = z.strictObject({});

/**
 * The body of `POST /jobs/{id}/continue`: empty runs the rest of a SAMPLED job with its task as it
 * is; any of these revise the task (a new revision), and the sampled repositories run again with it.
 */
export const ContinueRequest = z.strictObject({
  prompt: CreateJobRequest.shape.prompt,
  command: CreateJobRequest.shape.command,
  verifyCommand: CreateJobRequest.shape.verifyCommand,
});
export type ContinueRequest = z.infer<typeof ContinueRequest>;

export const RetryRequest = z.strictObject({
  // No count limit of its own: the body limit bounds it, and every name must belong to the job.
  repositories: z.array(RepositoryName).min(1).optional(),
});
export type RetryRequest = z.infer<typeof RetryRequest>;

export const Counts = z.object({
  total: z.number().int(),
  pending: z.number().int(),
  running: z.number().int(),
  completed: z.number().int(),
  noChanges: z.number().int(),
  failed: z.number().int(),
  cancelled: z.number().int(),
});
export type Counts = z.infer<typeof Counts>;

export const Usage = z.object({
  inputTokens: z.number(),
  outputTokens: z.number(),
  cacheReadTokens: z.number(),
  cacheWriteTokens: z.number(),
  costUsd: z.number(),
});
export type Usage = z.infer<typeof Usage>;

export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 };
}

/** `total` plus `delta`, field by field, into `total`. */
export function addUsage(total: Usage, delta: Usage): Usage {
  total.inputTokens += delta.inputTokens;
  total.outputTokens += delta.outputTokens;
  total.cacheReadTokens += delta.cacheReadTokens;
  total.cacheWriteTokens += delta.cacheWriteTokens;
  total.costUsd += delta.costUsd;
  return total;
}

const IsoDate = z.string();

/** A job's sample: its size, and when a continue (or a retry) started the rest. */
export const JobSample = z.object({ size: z.number().int(), continuedAt: IsoDate.optional() });
export type JobSample = z.infer<typeof JobSample>;

/**
 * A revision of a job's task from a continue. Revision 1 is the job's own `prompt`/`command` and
 * `verifyCommand`; each later one is the whole task as it then stood.
 */
export const TaskRevision = z.object({
  revision: z.number().int(),
  prompt: z.string().optional(),
  command: z.string().optional(),
  verifyCommand: z.string().optional(),
  createdAt: IsoDate,
});
export type TaskRevision = z.infer<typeof TaskRevision>;

export const Job = z.object({
  jobId: z.string(),
  name: z.string(),
  description: z.string(),
  type: z.string().optional(),
  prompt: z.string().optional(),
  command: z.string().optional(),
  verifyCommand: z.string().optional(),
  repositories: z.array(z.string()),
  /** The repository names of the current run; worker index i runs run[i]. */
  run: z.array(z.string()),
  createPullRequests: z.boolean(),
  draftPullRequests: z.boolean(),
  baseBranch: z.string().optional(),
  model: z.string(),
  maxCostUsd: z.number().optional(),
  owner: z.string(),
  status: JobStatus,
  counts: Counts,
  usage: Usage,
  createdAt: IsoDate,
  updatedAt: IsoDate,
  startedAt: IsoDate.optional(),
  finishedAt: IsoDate.optional(),
  executorRef: z.string().optional(),
  /**
   * The local stack's MAC of the job and its current run (backend/store/runMac.ts): its executor
   * runs only jobs that carry a valid one, so only jobs its API created. Absent on AWS.
   */
  runMac: z.string().optional(),
  sample: JobSample.optional(),
  taskRevisions: z.array(TaskRevision).optional(),
});
export type Job = z.infer<typeof Job>;

export const DiffStats = z.object({
  files: z.number().int(),
  additions: z.number().int(),
  deletions: z.number().int(),
});
export type DiffStats = z.infer<typeof DiffStats>;

export const Verification = z.object({
  command: z.string(),
  passed: z.boolean(),
  rounds: z.number().int(),
  outputTail: z.string(),
});
export type Verification = z.infer<typeof Verification>;

export const RepositoryError = z.object({ code: z.string(), message: z.string() });
export type RepositoryError = z.infer<typeof RepositoryError>;

/** How an earlier attempt of a repository ended; its diff, thread and log stay readable with `?attempt=`. */
export const PreviousAttempt = z.object({
  attempt: z.number().int(),
  taskRevision: z.number().int(),
  status: RepositoryStatus,
  finishedAt: IsoDate.optional(),
  diffStats: DiffStats.optional(),
  summary: z.string().optional(),
  pullRequestUrl: z.string().optional(),
  error: RepositoryError.optional(),
});
export type PreviousAttempt = z.infer<typeof PreviousAttempt>;

export const RepositoryResult = z.object({
  jobId: z.string(),
  repositoryName: z.string(),
  status: RepositoryStatus,
  attempt: z.number().int(),
  startedAt: IsoDate.optional(),
  heartbeatAt: IsoDate.optional(),
  finishedAt: IsoDate.optional(),
  diffStats: DiffStats.optional(),
  summary: z.string().optional(),
  verification: Verification.optional(),
  pullRequestUrl: z.string().optional(),
  error: RepositoryError.optional(),
  usage: Usage,
  /** The task revision this attempt runs (absent on rows from before revisions: 1). */
  taskRevision: z.number().int().optional(),
  /** One of the job's sample. */
  sampled: z.boolean().optional(),
  previousAttempts: z.array(PreviousAttempt).optional(),
});
export type RepositoryResult = z.infer<typeof RepositoryResult>;

/** One message of a Claude thread, in the Messages API's shape plus our bookkeeping. */
export const ThreadMessage = z
  .object({
    role: z.enum(['user', 'assistant']),
    content: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]),
    /** Usage of the call that produced an assistant message. */
    usage: Usage.optional(),
    stopReason: z.string().optional(),
    at: IsoDate.optional(),
  })
  .loose();
export type ThreadMessage = z.infer<typeof ThreadMessage>;

export const Thread = z.object({
  messages: z.array(ThreadMessage),
  usage: Usage,
  model: z.string().optional(),
  system: z.string().optional(),
});
export type Thread = z.infer<typeof Thread>;

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextToken: z.string().optional() });
}
export const JobPage = pageSchema(Job);
export type JobPage = z.infer<typeof JobPage>;
export const RepositoryPage = pageSchema(RepositoryResult);
export type RepositoryPage = z.infer<typeof RepositoryPage>;

export const ListQuery = z.object({
  limit: z.coerce
    .number({ error: 'must be a whole number from 1 to 100' })
    .int({ error: 'must be a whole number from 1 to 100' })
    .min(1, { error: 'must be a whole number from 1 to 100' })
    .max(100, { error: 'must be a whole number from 1 to 100' })
    .default(25),
  nextToken: z.string().min(1).max(2048).optional(),
});
export type ListQuery = z.infer<typeof ListQuery>;

export const RepositoryListQuery = ListQuery.extend({
  status: RepositoryStatus.optional(),
  limit: ListQuery.shape.limit.default(100),
});

/** `?attempt=N` on a repository's diff, thread and log: an earlier attempt's (default: the current one). */
export const ArtifactQuery = z.object({
  attempt: z.coerce
    .number({ error: 'must be a whole number from 1' })
    .int({ error: 'must be a whole number from 1' })
    .min(1, { error: 'must be a whole number from 1' })
    .optional(),
});

/**
 * `?failed=1` on a diff: the change of a command job whose verification failed, which is kept to be
 * read (a plain request answers 409 NO_DIFF, so no client applies it by mistake).
 */
export const DiffQuery = ArtifactQuery.extend({
  failed: z
    .enum(['1', 'true'], { error: 'must be 1 or true' })
    .optional()
    .transform((value) => value !== undefined),
});

export const Health = z.object({ status: z.literal('ok'), version: z.string() });
export type Health = z.infer<typeof Health>;

/** Turns zod issues into one readable sentence: `repositories[2]: "../x" is not ...; name: must not be empty`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((issue) => {
      const path = issue.path
        .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
        .join('');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}
