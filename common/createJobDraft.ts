import * as z from 'zod';
import { AgentDraftFields } from './agentDraft';

// The Create Job form's draft as typed: every field as text, before the API's schema checks it
// (common/jobDraft.ts and common/jobDraftSections.ts turn it into a `POST /jobs` body). What the
// form sends the extension (common/webviewProtocol/createJob.ts) and keeps in its panel state.

/** The query fields as typed: lists are text, separated by commas or spaces. */
export const QueryDraft = z.object({
  owners: z.string().max(100_000),
  topics: z.string().max(100_000),
  search: z.string().max(10_000),
  codeSearch: z.string().max(10_000),
  include: z.string().max(10_000),
  exclude: z.string().max(10_000),
  includeArchived: z.boolean(),
  includeForks: z.boolean(),
});
export type QueryDraft = z.infer<typeof QueryDraft>;

export const EMPTY_QUERY: QueryDraft = {
  owners: '',
  topics: '',
  search: '',
  codeSearch: '',
  include: '',
  exclude: '',
  includeArchived: false,
  includeForks: false,
};

/** What Preview showed for a query (`key`), and the names the user removed from it. */
export const RepositoryPreview = z.object({
  key: z.string().max(1_000_000),
  count: z.number().int().nonnegative(),
  repositories: z.array(z.string().max(300)).max(100_000),
  notes: z.array(z.string().max(10_000)).max(100),
  removed: z.array(z.string().max(300)).max(100_000),
});
export type RepositoryPreview = z.infer<typeof RepositoryPreview>;

/** The pull-request section as typed. */
export const PullRequestDraft = z.object({
  title: z.string().max(100_000),
  body: z.string().max(1_000_000),
  labels: z.string().max(100_000),
  reviewers: z.string().max(100_000),
  teamReviewers: z.string().max(100_000),
  // Newer fields: drafts saved before them load as empty.
  branch: z.string().max(100_000).default(''),
  commitMessage: z.string().max(100_000).default(''),
});
export type PullRequestDraft = z.infer<typeof PullRequestDraft>;

export const EMPTY_PULL_REQUEST: PullRequestDraft = {
  title: '',
  body: '',
  labels: '',
  reviewers: '',
  teamReviewers: '',
  branch: '',
  commitMessage: '',
};

/** The draft's newer fields. Optional, so drafts saved before them (and forms that leave them) still load. */
export const DraftSections = {
  /** Where the repositories come from: the list (default) or a query. */
  repositorySource: z.enum(['list', 'query']).optional(),
  query: QueryDraft.optional(),
  preview: RepositoryPreview.optional(),
  sample: z.string().max(100).optional(),
  pullRequest: PullRequestDraft.optional(),
  ...AgentDraftFields,
};

/** What the form sends: the fields as typed, before the API's schema checks them. */
export const CreateJobDraft = z.object({
  name: z.string().max(1_000_000),
  description: z.string().max(1_000_000),
  mode: z.enum(['prompt', 'command']),
  prompt: z.string().max(10_000_000),
  command: z.string().max(10_000_000),
  verifyCommand: z.string().max(10_000_000),
  repositories: z.string().max(10_000_000),
  createPullRequests: z.boolean(),
  draftPullRequests: z.boolean(),
  baseBranch: z.string().max(10_000),
  maxCostUsd: z.string().max(100),
  ...DraftSections,
});
export type CreateJobDraft = z.infer<typeof CreateJobDraft>;

export const FieldErrors = z.record(z.string(), z.string());
export type FieldErrors = z.infer<typeof FieldErrors>;
