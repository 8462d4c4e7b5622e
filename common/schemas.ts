import * as z from 'zod';
import { describeCharacter, escapeInvisible, findInvisible } from './invisibleCharacters';
import { BRANCH_PLACEHOLDERS, pullRequestBranch, templateProblem } from './pullRequestTemplate';
import { OWNER_PATTERN, REPOSITORY_NAME_PATTERN, USER_NAME_PATTERN } from './repositoryNames';
import { nameFilterProblem } from './repositoryQuery';
import { JobSandbox, runsCommands, SANDBOX_STATES } from './sandbox';
import { JobStatus, RepositoryStatus } from './status';

// The domain's shapes. Types are inferred from these schemas; there are no hand-written copies.

export const MAX_PROMPT_CHARS = 50_000;
export const MAX_COMMAND_CHARS = 10_000;
/** A job's note for one repository (`repositoryInstructions`), in characters. */
export const MAX_REPOSITORY_NOTE_CHARS = 2_000;
export const DEFAULT_MAX_REPOSITORIES = 10_000;
/**
 * A request body's limit: 10,000 names of 140 characters and a 50,000-character prompt fit (about
 * 1.5 MB), well inside Lambda's 6 MB payload. What the body may hold is not what the job item
 * holds: names and notes go into the repository rows, never into the job item.
 */
export const MAX_BODY_BYTES = 4_194_304;
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
 * A repository's name as every part takes it (common/repositoryNames.ts): `owner/name`, or a longer
 * path such as GitLab's `group/subgroup/project`. The code host narrows it to its own rules when a
 * job is created (GitHub: exactly `owner/name`).
 */
export const RepositoryName = z
  .string()
  .refine((value) => REPOSITORY_NAME_PATTERN.test(value), {
    error: (issue) => `"${printable(issue.input)}" is not a repository in the form owner/name`,
  })
  // Clone URLs end in .git, repository names never do: `widget.git` would clone `widget.git.git`.
  .refine((value) => !/\.git$/i.test(value), {
    error: (issue) => `"${printable(issue.input)}": write the repository without its .git suffix`,
  });
export type RepositoryName = z.infer<typeof RepositoryName>;

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
/** An organisation or user on the code host, or a group or subgroup (`acme/platform`). */
export const OwnerName = z.string().refine((value) => OWNER_PATTERN.test(value), {
  error: (issue) => `"${printable(issue.input)}" is not an owner (an organisation, user, group or group/subgroup)`,
});

/** A person on the code host (a reviewer): a GitHub login or a GitLab username. */
export const UserName = z.string().refine((value) => USER_NAME_PATTERN.test(value), {
  error: (issue) => `"${printable(issue.input)}" is not a user name`,
});

const NameFilter = z.string().superRefine((value, ctx) => {
  const problem = nameFilterProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * `repositoryQuery`: repositories chosen by the code host. Every field given narrows the choice: a
 * repository must belong to one of `owners`, carry one of `topics`, match `search`, hold a match
 * of `codeSearch`, and have an `owner/name` that matches `include` and not `exclude`. Archived
 * repositories and forks are left out unless asked for; empty repositories always are.
 */
export const RepositoryQuery = z
  .strictObject({
    owners: z.array(OwnerName).min(1, { error: 'must name at least one owner' }).max(100).optional(),
    topics: z
      .array(
        z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$/, {
          error: 'is not a topic (letters, digits, `.`, `_` and `-`, at most 50)',
        }),
      )
      .min(1, { error: 'must name at least one topic' })
      .max(20)
      .optional(),
    search: SingleLine(256).optional(),
    codeSearch: SingleLine(256).optional(),
    include: NameFilter.optional(),
    exclude: NameFilter.optional(),
    includeArchived: z.boolean().default(false),
    includeForks: z.boolean().default(false),
  })
  .refine((query) => Boolean(query.owners || query.topics || query.search || query.codeSearch), {
    error: 'give at least one of owners, topics, search or codeSearch',
  });
export type RepositoryQuery = z.infer<typeof RepositoryQuery>;
export type RepositoryQueryInput = z.input<typeof RepositoryQuery>;

/** The body of `POST /repositories/resolve`: what `POST /jobs` would run, without creating it. */
export const ResolveRepositoriesRequest = z.strictObject({
  repositoryQuery: RepositoryQuery,
  repositories: z.array(RepositoryName).optional(),
});
export type ResolveRepositoriesRequest = z.input<typeof ResolveRepositoriesRequest>;

/** Which code host the server's repositories are on (`GET /repositories/host`): clients use its words. */
export const CodeHostInfo = z.object({
  kind: z.enum(['github', 'gitlab', 'folder']),
  /** Whether it opens pull requests (GitLab's merge requests). */
  pullRequests: z.boolean(),
});
export type CodeHostInfo = z.infer<typeof CodeHostInfo>;

/** The answer of `POST /repositories/resolve`. */
export const RepositoryResolution = z.object({
  count: z.number().int(),
  repositories: z.array(z.string()),
  notes: z.array(z.string()).optional(),
});
export type RepositoryResolution = z.infer<typeof RepositoryResolution>;

const TemplateText = (max: number, allowed?: readonly string[]) =>
  z
    .string()
    .max(max, { error: `must be at most ${max} characters` })
    .refine((value) => value.trim().length > 0, { error: 'must not be empty' })
    .superRefine((value, ctx) => {
      const problem = templateProblem(value, allowed);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });

/** In `pullRequest.reviewers`: the owners of the changed files, by the repository's CODEOWNERS. */
export const CODEOWNERS_REVIEWER = '@codeowners';

/**
 * `pullRequest`: how the job's pull requests look. `title`, `body`, `branch` and `commitMessage`
 * are templates (common/pullRequestTemplate.ts); left out, each is what Cody Batch writes by default.
 */
export const PullRequestSettings = z.strictObject({
  title: TemplateText(256)
    .refine((value) => !CONTROL_CHARS.test(value), { error: 'must be one line' })
    .optional(),
  body: TemplateText(60_000).optional(),
  branch: TemplateText(200, BRANCH_PLACEHOLDERS).optional(),
  commitMessage: TemplateText(10_000).optional(),
  labels: z.array(SingleLine(50)).max(20, { error: 'must name at most 20 labels' }).optional(),
  /** Logins, and `@codeowners`: the owners of the changed files by the repository's CODEOWNERS (the others named are the fall-back). */
  reviewers: z
    .array(z.union([z.literal(CODEOWNERS_REVIEWER), UserName]))
    .max(15, { error: 'must name at most 15 reviewers' })
    .optional(),
  teamReviewers: z
    .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, { error: 'is not a team name (its slug)' }))
    .max(15, { error: 'must name at most 15 teams' })
    .optional(),
  draft: z.boolean().optional(),
});
export type PullRequestSettings = z.infer<typeof PullRequestSettings>;
/** `{"owner/name": "note"}`: a note for a repository's first message, at most MAX_REPOSITORY_NOTE_CHARS each. */
export const RepositoryInstructions = z.record(
  z.string(),
  z
    .string()
    .max(MAX_REPOSITORY_NOTE_CHARS, { error: `must be at most ${MAX_REPOSITORY_NOTE_CHARS} characters` })
    .refine((value) => value.trim().length > 0, { error: 'must not be empty' }),
);
export type RepositoryInstructions = z.infer<typeof RepositoryInstructions>;

/**
 * Why notes do not fit the job's repositories (names are matched case-insensitively, as GitHub
 * does). The create route calls it again on the repositories the job finally runs, whatever
 * produced them (a list, a query).
 */
export function repositoryInstructionsIssues(
  notes: Record<string, string> | undefined,
  repositories: readonly string[],
): { name: string; message: string }[] {
  if (!notes) return [];
  const known = new Set(repositories.map((name) => name.toLowerCase()));
  const seen = new Set<string>();
  const issues: { name: string; message: string }[] = [];
  for (const name of Object.keys(notes)) {
    if (!known.has(name.toLowerCase())) {
      issues.push({ name, message: `"${printable(name)}" is not one of the job's repositories` });
    } else if (seen.has(name.toLowerCase())) {
      issues.push({ name, message: `"${printable(name)}" has a note twice; GitHub names are case-insensitive` });
    }
    seen.add(name.toLowerCase());
  }
  return issues;
}

/** The notes keyed by the job's own spelling of each repository (call once the issues are none). */
export function notesByRepository(
  notes: Record<string, string> | undefined,
  repositories: readonly string[],
): Record<string, string> | undefined {
  if (!notes) return undefined;
  const lower = new Map(Object.entries(notes).map(([name, note]) => [name.toLowerCase(), note]));
  const result: Record<string, string> = {};
  for (const name of repositories) {
    const note = lower.get(name.toLowerCase());
    if (note !== undefined) result[name] = note;
  }
  return result;
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
        .max(maxRepositories, { error: `must name at most ${maxRepositories} repositories` })
        .optional(),
      repositoryQuery: RepositoryQuery.optional(),
      pullRequest: PullRequestSettings.optional(),
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
      allowCommands: z.boolean().default(false),
      setupCommand: z
        .string()
        .max(MAX_COMMAND_CHARS, { error: `must be at most ${MAX_COMMAND_CHARS} characters` })
        .refine((value) => value.trim().length > 0, { error: 'must not be empty' })
        .optional(),
      repositoryInstructions: RepositoryInstructions.optional(),
      /** What the job's commands may reach beyond the defaults (common/sandbox.ts). */
      sandbox: JobSandbox.optional(),
    })
    .superRefine((request, ctx) => {
      if (request.sandbox?.allowHosts.length && !runsCommands(request)) {
        ctx.addIssue({
          code: 'custom',
          path: ['sandbox', 'allowHosts'],
          message: 'applies to jobs that run commands (command, setupCommand, verifyCommand or allowCommands)',
        });
      }
      if (request.allowCommands && request.prompt === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['allowCommands'],
          message: 'applies to prompt jobs only (Claude runs the commands)',
        });
      }
      if (request.repositoryInstructions && request.prompt === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['repositoryInstructions'],
          message: "applies to prompt jobs only (they go into Claude's first message)",
        });
      }
      // With a query the repositories are known only once it is resolved: the API checks the notes then.
      if (!request.repositoryQuery) {
        for (const issue of repositoryInstructionsIssues(request.repositoryInstructions, request.repositories ?? [])) {
          ctx.addIssue({ code: 'custom', path: ['repositoryInstructions', issue.name], message: issue.message });
        }
      }
      if ((request.prompt === undefined) === (request.command === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['prompt'],
          message: 'give exactly one of prompt (Claude makes the change) or command (a shell command makes it)',
        });
      }
      if (request.repositories === undefined && request.repositoryQuery === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['repositories'],
          message: 'give repositories (a list of owner/name), a repositoryQuery, or both',
        });
      }
      checkPullRequest(request, ctx);
      // With a query the count is known only once it is resolved: the API checks the sample then.
      const sampleProblem =
        request.sample &&
        !request.repositoryQuery &&
        request.repositories &&
        sampleSizeProblem(request.sample.size, request.repositories.length);
      if (sampleProblem) ctx.addIssue({ code: 'custom', path: ['sample', 'size'], message: sampleProblem });
      const seen = new Map<string, number>();
      (request.repositories ?? []).forEach((name, index) => {
        const key = name.toLowerCase();
        const first = seen.get(key);
        if (first !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['repositories', index],
            message: `"${name}" is listed twice (also at position ${first + 1}); repository names are case-insensitive`,
          });
        } else {
          seen.set(key, index);
        }
      });
    });
}

/** The pull-request settings need a branch that is a valid ref other than the base. */
function checkPullRequest(
  request: {
    name: string;
    description: string;
    repositories?: string[];
    baseBranch?: string;
    createPullRequests: boolean;
    pullRequest?: PullRequestSettings;
  },
  ctx: z.RefinementCtx,
): void {
  const settings = request.pullRequest;
  // Without createPullRequests the settings shape the pull requests POST /jobs/{id}/publish opens later.
  if (!settings) return;
  if (!settings.branch || templateProblem(settings.branch, BRANCH_PLACEHOLDERS)) return;
  const repositoryName = request.repositories?.[0] ?? 'example-owner/example-repository';
  const branch = pullRequestBranch(settings, {
    jobId: 'sample',
    jobName: request.name,
    description: request.description,
    repositoryName,
  });
  if (!BranchName.safeParse(branch).success) {
    ctx.addIssue({
      code: 'custom',
      path: ['pullRequest', 'branch'],
      message: `gives "${printable(branch)}" for ${repositoryName}, which is not a valid git branch name`,
    });
  } else if (request.baseBranch !== undefined && branch === request.baseBranch) {
    ctx.addIssue({
      code: 'custom',
      path: ['pullRequest', 'branch'],
      message: `is the base branch "${branch}": the change must go to a branch of its own`,
    });
  }
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

export const ReviewState = z.enum(['unreviewed', 'approved', 'rejected']);
export type ReviewState = z.infer<typeof ReviewState>;

/** SHA-256 (lowercase hex) of a patch's exact bytes: what a reviewer saw, what a publish must push. */
export const PatchDigest = z
  .string()
  .regex(/^[0-9a-f]{64}$/, { error: 'is not a SHA-256 digest (64 lowercase hex digits)' });

/** A person's verdict on a repository's diff, for the attempt whose diff they read. */
export const Review = z.object({
  state: ReviewState,
  note: z.string().optional(),
  /** The attempt reviewed: a new attempt's diff is another diff, and its review starts over. */
  attempt: z.number().int(),
  reviewedAt: IsoDate,
  /** The patch revision approved (an approval's). */
  patchRevision: z.number().int().optional(),
  /** The digest of the patch the reviewer was shown and approved: a publish pushes only a patch with this digest. */
  digest: PatchDigest.optional(),
  /** The commit that patch applies to, as the worker recorded it when it made the diff. */
  baseCommit: z.string().optional(),
  /** The API's signature of the approval (repository, attempt, patch revision, digest, base commit). */
  signature: z.string().optional(),
});
export type Review = z.infer<typeof Review>;

export const ReviewCounts = z.object({
  unreviewed: z.number().int(),
  approved: z.number().int(),
  rejected: z.number().int(),
});
export type ReviewCounts = z.infer<typeof ReviewCounts>;

/** The body of `PUT /jobs/{id}/repositories/{owner%2Fname}/review`. */
export const ReviewRequest = z.strictObject({
  state: ReviewState,
  note: z.string().max(2_000, { error: 'must be at most 2000 characters' }).optional(),
  /** The attempt whose diff was read; when the row has moved on since, the review is refused (409). */
  attempt: z.number().int().min(1).optional(),
  /**
   * The digest of the patch the reviewer was shown (the diff's `x-cody-batch-patch-digest`, or the
   * SHA-256 of its bytes); required to approve. Refused (409 PATCH_CHANGED) when it is not the
   * repository's current patch.
   */
  digest: PatchDigest.optional(),
});
export type ReviewRequest = z.infer<typeof ReviewRequest>;

export const PullRequestState = z.enum(['open', 'draft', 'merged', 'closed']);
export type PullRequestState = z.infer<typeof PullRequestState>;
/** Check runs and commit statuses of the head commit, together. */
export const ChecksState = z.enum(['pending', 'passing', 'failing', 'none']);
export type ChecksState = z.infer<typeof ChecksState>;
export const PullRequestReviewState = z.enum(['approved', 'changes_requested', 'review_required', 'none']);
export type PullRequestReviewState = z.infer<typeof PullRequestReviewState>;

export const MergeMethod = z.enum(['merge', 'squash', 'rebase']);
export type MergeMethod = z.infer<typeof MergeMethod>;

/** The host's auto-merge on a pull request: it merges by itself once its checks and reviews allow. */
export const AutoMerge = z.object({ method: MergeMethod, enabledAt: IsoDate });
export type AutoMerge = z.infer<typeof AutoMerge>;

/** A repository's pull request as the code host last told it. */
export const PullRequestInfo = z.object({
  url: z.string(),
  number: z.number().int(),
  state: PullRequestState,
  checks: ChecksState,
  review: PullRequestReviewState,
  /** Whether the host would merge it now; null while the host has not worked it out. */
  mergeable: z.boolean().nullable(),
  /** When it last changed on the host. */
  updatedAt: IsoDate,
  /** The host's auto-merge, when it is enabled. */
  autoMerge: AutoMerge.optional(),
  /** When someone other than Cody Batch last commented or reviewed (what a review follow-up answers). */
  feedbackAt: IsoDate.optional(),
});
export type PullRequestInfo = z.infer<typeof PullRequestInfo>;

export const PullRequestCounts = z.object({
  open: z.number().int(),
  draft: z.number().int(),
  merged: z.number().int(),
  closed: z.number().int(),
  /** Of the open and draft ones: */
  checksPassing: z.number().int(),
  checksFailing: z.number().int(),
  checksPending: z.number().int(),
  approved: z.number().int(),
  changesRequested: z.number().int(),
  /** Repositories whose pull request a publish is still opening (queued or publishing); absent when none. */
  publishing: z.number().int().optional(),
});
export type PullRequestCounts = z.infer<typeof PullRequestCounts>;

export const BurndownPoint = z.object({
  at: IsoDate,
  open: z.number().int(),
  draft: z.number().int(),
  merged: z.number().int(),
  closed: z.number().int(),
});
export type BurndownPoint = z.infer<typeof BurndownPoint>;

/**
 * A list of repository names kept outside the job item (a run, a publish run): in chunk items of
 * the repositories table (`backend/store/nameLists.ts`), so a job item stays small whatever the
 * job's size. Worker index i works on the list's i-th name.
 */
export const NameList = z.object({
  /** Names the chunk items of this list (`#list/{id}/{chunk}`); fresh for every run. */
  id: z.string(),
  size: z.number().int(),
  /** SHA-256 (hex) of each chunk's names, in order: the job's signature covers them, so a chunk written around the API is refused. */
  digests: z.array(z.string()),
});
export type NameList = z.infer<typeof NameList>;

export const PublishRun = z.object({
  id: z.string(),
  /** What it publishes: worker index i publishes the list's i-th name. */
  list: NameList,
  draft: z.boolean().optional(),
  /** Turn on the host's auto-merge with this method once each pull request is open. */
  autoMerge: MergeMethod.optional(),
  requestedAt: IsoDate,
});
export type PublishRun = z.infer<typeof PublishRun>;

/** Where a repository's publish (POST /jobs/{id}/publish) stands. */
export const PublicationStatus = z.enum(['queued', 'publishing', 'published', 'failed']);
export type PublicationStatus = z.infer<typeof PublicationStatus>;
export const Publication = z.object({
  status: PublicationStatus,
  /** The job's `publishRun.id` it belongs to. */
  runId: z.string(),
  requestedAt: IsoDate,
  heartbeatAt: IsoDate.optional(),
  finishedAt: IsoDate.optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  /** What the publish must push, as the API checked it when it queued the row; signed by the API. */
  intent: z
    .object({
      attempt: z.number().int(),
      patchRevision: z.number().int(),
      /** The patch's digest: the artifact the worker reads must hash to it. */
      digest: PatchDigest,
      base: z.object({ branch: z.string(), commit: z.string() }),
      /** What this row pushed last, as the API checked its worker's seal: the push may replace only that. */
      lease: z.object({ branch: z.string(), commit: z.string() }).optional(),
      /** Queued by a publish of approved repositories only: the approval must still hold this digest. */
      approved: z.boolean(),
      /**
       * A follow-up round: its commit goes onto `branch` (the one the row pushed), a child of `head`
       * (and of `mergedBase`), pushed only while the branch is still at `head`.
       */
      round: z
        .object({
          branch: z.string(),
          head: z.string(),
          mergedBase: z.string().optional(),
          round: z.number().int(),
          reason: z.enum(['checks', 'review', 'conflicts', 'instruction']),
          baseBranch: z.string(),
          triggerSummary: z.string().optional(),
        })
        .optional(),
    })
    .optional(),
  signature: z.string().optional(),
});
export type Publication = z.infer<typeof Publication>;

/** The body of `POST /jobs/{id}/publish`. */
export const PublishRequest = z.strictObject({
  /** Only these (each must be part of the job); default every completed repository without a pull request. */
  repositories: z.array(RepositoryName).min(1).optional(),
  /** Only the approved ones. */
  approved: z.literal(true).optional(),
  /** Open them as drafts (default: the job's settings). */
  draft: z.boolean().optional(),
  /** Turn on the host's auto-merge with this method (merge now those with nothing left to wait for). */
  autoMerge: MergeMethod.optional(),
});
export type PublishRequest = z.infer<typeof PublishRequest>;

/** One repository's part in a publish or a bulk action: done (queued, for a publish), or why not. */
/** What a bulk operation does, row by row or pull request by pull request (see `Operation`). */
export const OperationKind = z.enum([
  'retry',
  'continue',
  'cancel',
  'groupReview',
  'merge',
  'close',
  'comment',
  'auto-merge',
]);
export type OperationKind = z.infer<typeof OperationKind>;

/**
 * A bulk action's work that goes on after its request answered: a retry, continue or cancel moving
 * a large job's rows, a group review, a merge, close or comment on many pull requests. The request
 * answers within a second or two; if the work is not done by then, its answer carries this, and the
 * job item keeps it (`Job.operation`) while it runs and after. Clients follow it with
 * `GET /jobs/{id}/operations/{operationId}` and its per-repository results with `…/results`.
 */
export const Operation = z.object({
  operationId: z.string(),
  jobId: z.string(),
  kind: OperationKind,
  status: z.enum(['running', 'done', 'failed']),
  /** Repositories it works on (0 until it has chosen them: a filter, a retry's failed rows). */
  total: z.number().int(),
  /** Done as asked. */
  done: z.number().int(),
  /** Left alone, each with its reason in the results (already merged, moved meanwhile). */
  skipped: z.number().int(),
  /** Tried and not done, each with its reason in the results. */
  failed: z.number().int(),
  /** Not reached yet. */
  left: z.number().int(),
  /** The code host asked to wait (a rate limit): this many seconds from `updatedAt`, and why. */
  waitingSeconds: z.number().optional(),
  reason: z.string().optional(),
  /** Why it failed as a whole (`status: failed`). */
  message: z.string().optional(),
  /** The API error code of that failure when a request would have answered it (a group review: PATCH_CHANGED). */
  code: z.string().optional(),
  createdAt: IsoDate,
  updatedAt: IsoDate,
  finishedAt: IsoDate.optional(),
});
export type Operation = z.infer<typeof Operation>;

export const RepositoryActionResult = z.object({
  repositoryName: z.string(),
  outcome: z.enum(['done', 'queued', 'skipped', 'failed', 'waiting']),
  /** Why not, in a sentence; for `waiting`, the host's rate limit. */
  reason: z.string().optional(),
  /** `waiting`: try this repository again after this many seconds. */
  retryAfterSeconds: z.number().optional(),
  pullRequest: PullRequestInfo.optional(),
});
export type RepositoryActionResult = z.infer<typeof RepositoryActionResult>;

export const PullRequestFilter = z.strictObject({
  checks: z.array(ChecksState).min(1).optional(),
  review: z.array(PullRequestReviewState).min(1).optional(),
  state: z.array(PullRequestState).min(1).optional(),
  /** Whether the host would merge it now (one that it has not worked out yet matches neither). */
  mergeable: z.boolean().optional(),
});
export type PullRequestFilter = z.infer<typeof PullRequestFilter>;

export const BULK_ACTIONS = ['merge', 'close', 'comment', 'auto-merge'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

/** The body of `POST /jobs/{id}/pull-requests/{merge|close|comment}`. */
export const BulkActionRequest = z
  .strictObject({
    repositories: z.array(RepositoryName).min(1).max(1_000).optional(),
    filter: PullRequestFilter.optional(),
    method: MergeMethod.optional(),
    deleteBranch: z.boolean().optional(),
    body: z
      .string()
      .max(60_000, { error: 'must be at most 60000 characters' })
      .refine((value) => value.trim().length > 0, { error: 'must not be empty' })
      .optional(),
  })
  .refine((request) => !(request.repositories && request.filter), {
    error: 'give repositories or a filter, not both',
  });
export type BulkActionRequest = z.infer<typeof BulkActionRequest>;

/** A page of an operation's per-repository results, in the order they settled. */
export const OperationResultsPage = z.object({
  items: z.array(RepositoryActionResult),
  nextToken: z.string().optional(),
});
export type OperationResultsPage = z.infer<typeof OperationResultsPage>;

export const BulkActionResponse = z.object({
  /** Every repository's result, or (with `operation`, when the work goes on) those settled so far. */
  results: z.array(RepositoryActionResult),
  operation: Operation.optional(),
});

// ----- Follow-up rounds (POST /jobs/{id}/follow-up) -----------------------------------------------

/** What a follow-up round answers: failing checks, review comments, a base it conflicts with, or the owner's instruction. */
export const FOLLOW_UP_REASONS = ['checks', 'review', 'conflicts', 'instruction'] as const;
export const FollowUpReason = z.enum(FOLLOW_UP_REASONS);
export type FollowUpReason = z.infer<typeof FollowUpReason>;
/** `review`: the round's diff waits for a person's review and a publish; `auto`: it is pushed at once. */
export const FollowUpPush = z.enum(['review', 'auto']);
export type FollowUpPush = z.infer<typeof FollowUpPush>;
export const DEFAULT_FOLLOW_UP_ROUNDS = 2;
export const MAX_FOLLOW_UP_ROUNDS = 5;
export const MAX_FOLLOW_UP_INSTRUCTION_CHARS = 20_000;

const HostUrl = z
  .string()
  .max(2_048)
  .refine((value) => /^https?:\/\/[^\s]+$/.test(value), { error: 'must be an http(s) URL' });

/** The body of `POST /jobs/{id}/follow-up`. */
export const FollowUpRequest = z
  .strictObject({
    /** Only these (each must be part of the job); default: those the filter, or else the reason, picks. */
    repositories: z.array(RepositoryName).min(1).optional(),
    filter: PullRequestFilter.optional(),
    reason: FollowUpReason,
    /** `reason: instruction`: one text for every chosen pull request. */
    instruction: z
      .string()
      .max(MAX_FOLLOW_UP_INSTRUCTION_CHARS, { error: `must be at most ${MAX_FOLLOW_UP_INSTRUCTION_CHARS} characters` })
      .refine((value) => value.trim().length > 0, { error: 'must not be empty' })
      .optional(),
    /** `reason: instruction`: a comment on one of the job's pull requests, read from the host, is the instruction. */
    fromComment: HostUrl.optional(),
    push: FollowUpPush.default('review'),
    /** Rounds a pull request may take, this one included (default 2, at most 5). */
    maxRounds: z
      .number({ error: `must be a whole number from 1 to ${MAX_FOLLOW_UP_ROUNDS}` })
      .int({ error: `must be a whole number from 1 to ${MAX_FOLLOW_UP_ROUNDS}` })
      .min(1, { error: `must be a whole number from 1 to ${MAX_FOLLOW_UP_ROUNDS}` })
      .max(MAX_FOLLOW_UP_ROUNDS, { error: `must be a whole number from 1 to ${MAX_FOLLOW_UP_ROUNDS}` })
      .default(DEFAULT_FOLLOW_UP_ROUNDS),
  })
  .superRefine((request, ctx) => {
    if (request.repositories && request.filter)
      ctx.addIssue({ code: 'custom', path: ['filter'], message: 'give repositories or a filter, not both' });
    const given = (request.instruction !== undefined ? 1 : 0) + (request.fromComment !== undefined ? 1 : 0);
    if (request.reason === 'instruction' && given !== 1)
      ctx.addIssue({
        code: 'custom',
        path: ['instruction'],
        message: 'an instruction round needs exactly one of instruction (the text) or fromComment (a comment’s URL)',
      });
    if (request.reason !== 'instruction' && given > 0)
      ctx.addIssue({
        code: 'custom',
        path: ['instruction'],
        message: `only reason "instruction" takes an instruction; "${request.reason}" reads its trigger from the host`,
      });
  });
export type FollowUpRequest = z.infer<typeof FollowUpRequest>;
export type FollowUpInput = z.input<typeof FollowUpRequest>;

/** A line of a check's output the host points at. */
export const CheckAnnotation = z.object({
  path: z.string(),
  line: z.number().int().optional(),
  endLine: z.number().int().optional(),
  level: z.string().optional(),
  title: z.string().optional(),
  message: z.string(),
});
export type CheckAnnotation = z.infer<typeof CheckAnnotation>;

/** A failing check of the pull request's head, as the host reports it: the host's words, never instructions. */
export const CheckFailure = z.object({
  /** `check`: a check run (GitHub) or a pipeline job (GitLab); `status`: a commit status. */
  kind: z.enum(['check', 'status']),
  name: z.string(),
  /** failure, timed_out, cancelled, error, action_required … as the host says. */
  conclusion: z.string(),
  title: z.string().optional(),
  summary: z.string().optional(),
  url: z.string().optional(),
  annotations: z.array(CheckAnnotation),
  /** The end of its log (at most 200 lines or 20,000 characters), when the host keeps one. */
  logTail: z.string().optional(),
  /** Why there is no log tail (not a job the host logs, expired, refused). */
  logNote: z.string().optional(),
});
export type CheckFailure = z.infer<typeof CheckFailure>;

/** A person's words on the pull request: a review comment on a line, a review, or a conversation comment. */
export const FeedbackItem = z.object({
  kind: z.enum(['review-comment', 'review', 'comment']),
  author: z.string(),
  body: z.string(),
  createdAt: IsoDate,
  url: z.string().optional(),
  /** A review's verdict: CHANGES_REQUESTED, COMMENTED, … */
  state: z.string().optional(),
  /** A review comment's file and line, and the diff hunk it sits on. */
  path: z.string().optional(),
  line: z.number().int().optional(),
  diffHunk: z.string().optional(),
});
export type FeedbackItem = z.infer<typeof FeedbackItem>;

/** What a follow-up round acted on, as the worker collected it (the attempt's `trigger.json`). */
export const FollowUpTrigger = z.object({
  reason: FollowUpReason,
  collectedAt: IsoDate,
  /** The pull request's head the round started from. */
  head: z.string(),
  checks: z.array(CheckFailure).optional(),
  /** Failing checks left out (past the first ten). */
  checksLeftOut: z.number().int().optional(),
  feedback: z.array(FeedbackItem).optional(),
  feedbackLeftOut: z.number().int().optional(),
  /** `conflicts`: the base branch and commit merged in, and the files that conflicted. */
  conflicts: z.object({ baseBranch: z.string(), baseCommit: z.string(), files: z.array(z.string()) }).optional(),
  /** `instruction`: the text, and the comment it was promoted from. */
  instruction: z.string().optional(),
  instructionSource: z.object({ url: z.string(), author: z.string() }).optional(),
});
export type FollowUpTrigger = z.infer<typeof FollowUpTrigger>;

/** A row's follow-up round: what the API asked for, then what the worker found. */
export const FollowUp = z.object({
  /** The attempt that is this round; the row's current attempt is a round only when they are equal. */
  attempt: z.number().int(),
  /** 1 for the pull request's first round (counts toward maxRounds). */
  round: z.number().int(),
  reason: FollowUpReason,
  push: FollowUpPush,
  requestedAt: IsoDate,
  /** The pull request's branch: the round starts from its head and pushes a fast-forward of it. */
  branch: z.string(),
  /** The pull request's base branch (what a conflicts round merges in). */
  baseBranch: z.string(),
  instruction: z.string().optional(),
  instructionSource: z.object({ url: z.string(), author: z.string() }).optional(),
  /** `review`: only what was said after this (the previous review round's request). */
  since: IsoDate.optional(),
  /** The worker's: the head the round started from, and for a conflicts round the base commit merged in. */
  head: z.string().optional(),
  mergedBase: z.string().optional(),
  /** The trigger in a line (`2 failing checks: lint, test`), for lists; the whole is the attempt's trigger.json. */
  triggerSummary: z.string().optional(),
  /** What Claude cost in this round, US dollars (the row's `usage` is every attempt's). */
  costUsd: z.number().optional(),
});
export type FollowUp = z.infer<typeof FollowUp>;

export type BulkActionResponse = z.infer<typeof BulkActionResponse>;

/** The body of `DELETE /jobs/{id}` (optional). */
export const DeleteJobRequest = z.strictObject({ closePullRequests: z.boolean().optional() });
export type DeleteJobRequest = z.infer<typeof DeleteJobRequest>;

export const DeleteJobResponse = z.object({
  jobId: z.string(),
  deleted: z.literal(true),
  /** With closePullRequests: each pull request's close. */
  results: z.array(RepositoryActionResult).optional(),
});
export type DeleteJobResponse = z.infer<typeof DeleteJobResponse>;

export const Job = z.object({
  jobId: z.string(),
  name: z.string(),
  description: z.string(),
  type: z.string().optional(),
  prompt: z.string().optional(),
  command: z.string().optional(),
  verifyCommand: z.string().optional(),
  /** The query the repositories were chosen by, as given; the rows are what it resolved to (with the listed ones). */
  repositoryQuery: RepositoryQuery.optional(),
  pullRequest: PullRequestSettings.optional(),
  /**
   * The current run: worker index i runs its i-th name. The job's repositories are its rows
   * (`GET /jobs/{id}/repositories`, `counts.total` of them); the names are never in the job item.
   */
  run: NameList,
  createPullRequests: z.boolean(),
  draftPullRequests: z.boolean(),
  baseBranch: z.string().optional(),
  model: z.string(),
  maxCostUsd: z.number().optional(),
  /** Claude may run commands in its sandbox (the bash tool). */
  allowCommands: z.boolean().optional(),
  /** Runs after the clone, before the change (e.g. `npm ci`). */
  setupCommand: z.string().optional(),
  /** Hosts its sandboxed commands may reach besides the defaults and the code host. */
  sandbox: z.object({ allowHosts: z.array(z.string()) }).optional(),
  owner: z.string(),
  status: JobStatus,
  counts: Counts,
  usage: Usage,
  createdAt: IsoDate,
  updatedAt: IsoDate,
  startedAt: IsoDate.optional(),
  finishedAt: IsoDate.optional(),
  executorRef: z.string().optional(),
  /** Repositories per worker of the current run, as the executor cut it (absent: 1); Batch child s ran shard s. */
  shardSize: z.number().int().optional(),
  /**
   * True when every row of the job carries its status index key from creation (jobs created since
   * the repositories table's byStatus index): `?status=` reads only the matching rows. Absent on
   * older jobs, whose rows are read and filtered.
   */
  statusIndex: z.literal(true).optional(),
  /**
   * The API's signature of the job and its current run and publish run (backend/store/signing.ts):
   * the executors and the workers run only what carries a valid one, so only what the API created.
   */
  signature: z.string().optional(),
  sample: JobSample.optional(),
  taskRevisions: z.array(TaskRevision).optional(),
  /** The repositories by review state (absent on jobs from before reviews: clients count the rows). */
  reviewCounts: ReviewCounts.optional(),
  /** The pull requests by state, checks and review, as of `pullRequestsRefreshedAt`. */
  pullRequestCounts: PullRequestCounts.optional(),
  pullRequestsRefreshedAt: IsoDate.optional(),
  /** The pull-request counts over time, one point per refresh at most, thinned evenly (the burndown). */
  burndown: z.array(BurndownPoint).optional(),
  /** The latest publish (POST /jobs/{id}/publish): worker index i publishes its list's i-th name. Signed, as `run` is. */
  publishRun: PublishRun.optional(),
  /** When the job's rows and artifacts may be deleted (CODY_BATCH_RETENTION_DAYS), epoch seconds: DynamoDB's TTL attribute. */
  expiresAt: z.number().int().optional(),
  /** The job's latest bulk operation, while it runs and after (one runs at a time per job). */
  operation: Operation.optional(),
});
export type Job = z.infer<typeof Job>;

export const PublishResponse = z.object({ job: Job, results: z.array(RepositoryActionResult) });
export type PublishResponse = z.infer<typeof PublishResponse>;

export const FollowUpResponse = z.object({ job: Job, results: z.array(RepositoryActionResult) });
export type FollowUpResponse = z.infer<typeof FollowUpResponse>;

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
  /** The follow-up round this attempt was. */
  followUpRound: z.object({ round: z.number().int(), reason: FollowUpReason }).optional(),
});
export type PreviousAttempt = z.infer<typeof PreviousAttempt>;

/** A reviewer's revision of a repository's patch (hunks left out of the one before). */
export const PatchRevision = z.object({
  revision: z.number().int().min(1),
  /** SHA-256 hex of the patch's bytes: names its artifact. */
  digest: PatchDigest,
  diffStats: DiffStats,
  createdAt: IsoDate,
  /** The API's signature of the revision and its digest. */
  signature: z.string().optional(),
});
export type PatchRevision = z.infer<typeof PatchRevision>;

/** At most this many revisions of one attempt's patch. */
export const MAX_PATCH_REVISIONS = 50;

/** At most this many paths are kept in a row's fingerprint (a row must stay far below DynamoDB's 400 KB). */
export const MAX_FINGERPRINT_FILES = 300;

/** What a diff changes, as `common/fingerprint.ts` computes it, and which diff it was computed from. */
export const Fingerprint = z.object({
  /** How it was computed (`FINGERPRINT_VERSION`); absent: version 1, computed again when needed. */
  version: z.number().int().optional(),
  /** SHA-256 hex of each file's kind, modes, link target and paths as git wrote them, and its removed and added lines. */
  exact: z.string().regex(/^[0-9a-f]{64}$/),
  /** The same, ignoring leading whitespace: groups that share it are variants of one another. */
  loose: z.string().regex(/^[0-9a-f]{64}$/),
  /** The same with what surrounds each change (context lines, section headings); absent before version 2. */
  context: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  /** The paths the diff touches, sorted (at most MAX_FINGERPRINT_FILES). */
  files: z.array(z.string()),
  /** The attempt and patch revision whose diff this is; on any other, the fingerprint is stale. */
  attempt: z.number().int(),
  patchRevision: z.number().int(),
});
export type Fingerprint = z.infer<typeof Fingerprint>;

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
  /** What went wrong without failing the repository (a reviewer the host refused). */
  warnings: z.array(z.string()).optional(),
  error: RepositoryError.optional(),
  usage: Usage,
  /** The task revision this attempt runs (absent on rows from before revisions: 1). */
  taskRevision: z.number().int().optional(),
  /** The job's note for this repository (`repositoryInstructions` of the request), for Claude's first message. */
  note: z.string().optional(),
  /** One of the job's sample. */
  sampled: z.boolean().optional(),
  previousAttempts: z.array(PreviousAttempt).optional(),
  /** The branch and commit the diff was made against: a publish pushes exactly this commit plus the stored diff. */
  base: z.object({ branch: z.string(), commit: z.string() }).optional(),
  /** This attempt's review (absent: unreviewed). */
  review: Review.optional(),
  pullRequest: PullRequestInfo.optional(),
  /** The attempt whose diff the pull request's branch holds. */
  publishedAttempt: z.number().int().optional(),
  publication: Publication.optional(),
  expiresAt: z.number().int().optional(),
  /** The current revision of this attempt's patch: 0 or absent, the worker's; n, a reviewer's (hunks left out). */
  patchRevision: z.number().int().optional(),
  /** This attempt's revisions after the worker's, oldest first (each stays readable with `?revision=n`). */
  patchRevisions: z.array(PatchRevision).optional(),
  /** What the current patch changes (absent on rows from before fingerprints: computed when first asked for). */
  fingerprint: Fingerprint.optional(),
  /** SHA-256 of this attempt's diff.patch (patch revision 0) as the worker wrote it. */
  diffDigest: PatchDigest.optional(),
  /** The API's signature of what this row runs: its note, task revision and the push it may replace. */
  taskSignature: z.string().optional(),
  /** The worker's seal of `base` and `diffDigest` (backend/store/signing.ts). */
  resultSeal: z.string().optional(),
  /** The branch and commit this row pushed last (a publish may move that branch only while it is still there). */
  pushedBranch: z.string().optional(),
  pushedCommit: z.string().optional(),
  /** The worker's seal of `pushedBranch` and `pushedCommit`. */
  pushSeal: z.string().optional(),
  /** The pull request's latest follow-up round; the current attempt is that round when `followUp.attempt === attempt`. */
  followUp: FollowUp.optional(),
});
export type RepositoryResult = z.infer<typeof RepositoryResult>;

/** Why a repository stands out from the job's changes. */
export const FLAG_REASONS = ['large-diff', 'extra-files', 'verification-failed', 'high-cost', 'group-of-one'] as const;
export const FlagReason = z.object({
  code: z.enum(FLAG_REASONS),
  /** The reason in a sentence: "touches package-lock.json, which the largest group does not". */
  message: z.string(),
});
export type FlagReason = z.infer<typeof FlagReason>;

/** Repositories whose diffs share an exact fingerprint: one distinct change. */
export const ChangeGroup = z.object({
  fingerprint: z.string(),
  looseFingerprint: z.string(),
  /** Its members, by name. */
  repositories: z.array(z.string()),
  /** The files it touches (every member touches the same). */
  files: z.array(z.string()),
  additions: z.number().int(),
  deletions: z.number().int(),
  /** The member whose diff to show for the group. */
  representative: z.string(),
  reviewCounts: ReviewCounts,
  /** The largest group this one is a variant of (same loose fingerprint: only leading whitespace differs). */
  variantOf: z.string().optional(),
  /**
   * Members with the same lines in different surroundings: the lines around their change (context,
   * section heading) differ from the representative's. One entry per distinct surroundings, largest
   * first, each listing its members. The group is approved as one only once a member of each has
   * been opened (`openedVariants` of the group review). Absent: every member's diff reads alike.
   */
  surroundings: z.array(z.object({ repositories: z.array(z.string()) })).optional(),
  /** Each member's current patch digest, by name: a group review sends back the ones it showed. */
  digests: z.record(z.string(), PatchDigest).optional(),
});
export type ChangeGroup = z.infer<typeof ChangeGroup>;

export const FlaggedRepository = z.object({
  repositoryName: z.string(),
  fingerprint: z.string(),
  reasons: z.array(FlagReason),
});
export type FlaggedRepository = z.infer<typeof FlaggedRepository>;

/** `GET /jobs/{id}/changes`: the distinct changes of a job's COMPLETED repositories, largest first. */
export const JobChanges = z.object({
  jobId: z.string(),
  groups: z.array(ChangeGroup),
  flagged: z.array(FlaggedRepository),
  /** COMPLETED repositories with changes whose diff could not be read (missing from the artifact store). */
  unreadable: z.array(z.string()),
});
export type JobChanges = z.infer<typeof JobChanges>;

/** The body of `PUT /jobs/{id}/changes/{fingerprint}/review`. */
export const GroupReviewRequest = z.strictObject({
  state: ReviewState,
  note: z.string().max(2_000, { error: 'must be at most 2000 characters' }).optional(),
  /**
   * The members the reviewer was shown, each with the digest of its patch as shown: when the group
   * has any other members now (a repository joined or left), the review is refused (409
   * GROUP_CHANGED); when a member's patch is not that digest any more, 409 PATCH_CHANGED. Nothing is
   * written either way.
   */
  members: z
    .array(z.strictObject({ repositoryName: z.string().regex(REPOSITORY_NAME_PATTERN), digest: PatchDigest }))
    .min(1)
    .max(1_000),
  /**
   * The members whose own diffs the reviewer opened. Approving a group that has `surroundings` is
   * refused (409 VARIANTS_NOT_OPENED) unless it names a member of each.
   */
  openedVariants: z.array(z.string().regex(REPOSITORY_NAME_PATTERN)).max(1_000).optional(),
});
export type GroupReviewRequest = z.infer<typeof GroupReviewRequest>;

export const GroupReviewResponse = z.object({
  fingerprint: z.string(),
  /** The members reviewed; with `operation` (a large group, reviewed after the answer) none yet. */
  repositories: z.array(RepositoryResult),
  operation: Operation.optional(),
});
export type GroupReviewResponse = z.infer<typeof GroupReviewResponse>;

/** The body of `PUT /jobs/{id}/repositories/{owner%2Fname}/patch`: a new revision with hunks left out. */
export const PatchRevisionRequest = z.strictObject({
  /** The revision the reviewer read (0: the worker's); refused (409) when the row has another now. */
  basedOn: z.number().int().min(0),
  /** What to leave out of it: a file's hunks by index from 0, or the whole file without `hunks`. */
  drop: z
    .array(
      z.strictObject({
        path: z.string().min(1).max(4_096),
        hunks: z.array(z.number().int().min(0)).min(1).max(10_000).optional(),
      }),
    )
    .min(1)
    .max(1_000),
});
export type PatchRevisionRequest = z.infer<typeof PatchRevisionRequest>;

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

/** A file of the repository's own instructions, as the first message carried it (or why it did not). */
export const InstructionFile = z.object({
  path: z.string(),
  /** Characters included. */
  characters: z.number().int(),
  /** Cut at the cap. */
  cut: z.boolean(),
  /** Why it was left out (binary, a link out of the checkout); then nothing of it was included. */
  skipped: z.string().optional(),
});
export type InstructionFile = z.infer<typeof InstructionFile>;

/** What held around the commands of a run (the thread view says it; common/sandbox.ts). */
export const ThreadSandbox = z.object({
  state: z.enum(SANDBOX_STATES),
  /** The hosts its commands could reach (`on`). */
  allowedHosts: z.array(z.string()).optional(),
});
export type ThreadSandbox = z.infer<typeof ThreadSandbox>;

export const Thread = z.object({
  messages: z.array(ThreadMessage),
  /** The repository's instruction files in its first message (CLAUDE.md, AGENTS.md, …). */
  instructionFiles: z.array(InstructionFile).optional(),
  /** What held around Claude's commands, when it could run any. */
  sandbox: ThreadSandbox.optional(),
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
  /** The patch revision (0: the worker's own diff); default the current one. */
  revision: z.coerce
    .number({ error: 'must be a whole number from 0' })
    .int({ error: 'must be a whole number from 0' })
    .min(0, { error: 'must be a whole number from 0' })
    .optional(),
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
