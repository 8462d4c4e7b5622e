import * as z from 'zod';
import { RepositoryName } from './fields';
import { PullRequestFilter } from './pullRequests';
import { BoundedText, IsoDate, WholeNumber } from './text';

// Follow-up rounds (POST /jobs/{id}/follow-up): what a round answers, what it acted on, and what a
// row keeps of it.

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
    instruction: BoundedText(MAX_FOLLOW_UP_INSTRUCTION_CHARS).optional(),
    /** `reason: instruction`: a comment on one of the job's pull requests, read from the host, is the instruction. */
    fromComment: HostUrl.optional(),
    push: FollowUpPush.default('review'),
    /** Rounds a pull request may take, this one included (default 2, at most 5). */
    maxRounds: WholeNumber(1, MAX_FOLLOW_UP_ROUNDS).default(DEFAULT_FOLLOW_UP_ROUNDS),
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
