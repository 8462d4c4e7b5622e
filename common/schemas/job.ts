import * as z from 'zod';
import { JobStatus } from '../status';
import { PullRequestSettings } from './createJob';
import { Operation, RepositoryActionResult } from './operations';
import { BurndownPoint, MergeMethod, PullRequestCounts } from './pullRequests';
import { pageSchema, RepositoryQuery } from './queries';
import { ReviewCounts } from './review';
import { IsoDate } from './text';
import { Usage } from './usage';

// A job as the API keeps and answers it, its runs, and the answers that carry it.

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

export const JobPage = pageSchema(Job);
export type JobPage = z.infer<typeof JobPage>;
