import * as z from 'zod';
import { BRANCH_PLACEHOLDERS, pullRequestBranch, templateProblem } from '../pullRequestTemplate';
import { JobSandbox, runsCommands } from '../sandbox';
import { BranchName, ModelId, RepositoryName, UserName } from './fields';
import { RepositoryQuery } from './queries';
import { BoundedText, CONTROL_CHARS, printable, SingleLine } from './text';

// The body of POST /jobs and its limits, the job's pull-request settings, and the bodies of a
// job's cancel, continue and retry.

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

const TemplateText = (max: number, allowed?: readonly string[]) =>
  BoundedText(max).superRefine((value, ctx) => {
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
export const RepositoryInstructions = z.record(z.string(), BoundedText(MAX_REPOSITORY_NOTE_CHARS));
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
      prompt: BoundedText(MAX_PROMPT_CHARS).optional(),
      command: BoundedText(MAX_COMMAND_CHARS).optional(),
      verifyCommand: BoundedText(MAX_COMMAND_CHARS).optional(),
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
      setupCommand: BoundedText(MAX_COMMAND_CHARS).optional(),
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
