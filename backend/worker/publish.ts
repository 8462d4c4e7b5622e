import { createHash } from 'node:crypto';
import { filePath, parsePatch } from '../../common/patch';
import { pullRequestBranch, pullRequestText } from '../../common/pullRequestTemplate';
import {
  BranchName,
  CODEOWNERS_REVIEWER,
  type DiffStats,
  type FollowUp,
  type MergeMethod,
  type PullRequestInfo,
  type Verification,
} from '../../common/schemas';
import { autoMergeOrMerge, type CodeHost, type PullRequestHost, pullRequestKey } from '../hosts';
import { RunFailure, step, type RunContext } from './runContext';

// The one publishing path, for a job that asks for pull requests at creation and for a publish
// later (POST /jobs/{id}/publish, a worker run in publish mode: ./publishRun.ts). The commit is
// the recorded base commit plus the stored diff, applied in a scratch index: exactly what was
// reviewed, byte for byte, whatever the working tree holds: the stored patch must hash to the
// digest the caller vouches for (the worker's own, or the one the API signed for the publish).
// Then push the job's branch (`cody-batch/{jobId}` unless the job names one) and open (or reuse)
// the pull request on the code host, shaped by the job's `pullRequest` settings.
//
// A push only creates a branch that does not exist, or moves one whose head is still the commit
// this row pushed last (`lease`: the worker's sealed record of it, never a value read from the
// remote), and never the repository's default branch or the job's base branch.

export interface PublishInput {
  host: CodeHost;
  url: string;
  summary: string;
  stats: DiffStats;
  verification?: Verification;
  /** Open it as a draft whatever the job says (a publish's `draft`); undefined: the job's settings. */
  draft?: boolean;
  /** The SHA-256 the stored patch must have: nothing is pushed when it does not. */
  digest: string;
  /** The branch and commit this row pushed last, from its sealed record; undefined when it pushed none. */
  lease?: { branch: string; commit: string };
  /** Called as soon as the push landed: the row records it, the lease of its next push. */
  recordPush(pushed: { branch: string; commit: string }): Promise<void>;
  /**
   * A follow-up round, as sealed (the worker's own, or the API's signed intent): its commit goes
   * onto the branch this row pushed, a child of the head the round started from (and of the base
   * it merged), and only while the branch is still at that head.
   */
  round?: RoundPush;
  /** Turn on the host's auto-merge once the pull request is open (a publish's `autoMerge`). */
  autoMerge?: MergeMethod;
  /** Called as soon as the PR exists, before anything else can fail. */
  recordUrl(url: string, pullRequest?: PullRequestInfo): Promise<void>;
}

/** What a round's push needs: where, on top of what, and the words of its commit. */
export interface RoundPush {
  branch: string;
  head: string;
  mergedBase?: string;
  /** For the commit message. */
  round: number;
  reason: FollowUp['reason'];
  baseBranch: string;
  triggerSummary?: string;
}

/** A round as its push needs it; the round must have recorded the head it started from. */
export function roundPushOf(round: FollowUp): RoundPush {
  if (!round.head) throw new RunFailure('PATCH_FAILED', 'The follow-up round recorded no head to build on');
  return {
    branch: round.branch,
    head: round.head,
    ...(round.mergedBase ? { mergedBase: round.mergedBase } : {}),
    round: round.round,
    reason: round.reason,
    baseBranch: round.baseBranch,
    ...(round.triggerSummary ? { triggerSummary: round.triggerSummary } : {}),
  };
}

export interface Published {
  url: string;
  pullRequest?: PullRequestInfo;
  /** What the host refused without failing the pull request (a reviewer). */
  warnings: string[];
}

export async function publishChange(context: RunContext, input: PublishInput): Promise<Published> {
  if (input.round) return pushRound(context, input, input.round);
  const { job, checkout, repositoryName } = context;
  const { host } = input;
  const settings = job.pullRequest;
  const facts = {
    jobId: job.jobId,
    jobName: job.name,
    description: job.description,
    repositoryName,
    summary: input.summary,
    stats: input.stats,
    verification: input.verification,
  };
  const branch = pullRequestBranch(settings, facts);
  const base = job.baseBranch ?? checkout.base.branch;
  const pullRequests = host.pullRequests;
  if (!pullRequests.supported) throw new RunFailure('PULL_REQUEST_FAILED', pullRequests.refusal);
  if (!host.hasCredentials) {
    throw new RunFailure(
      'PULL_REQUEST_FAILED',
      `The job asks for pull requests, but the worker has no credentials for ${host.label}`,
    );
  }
  // Checked at creation with one repository's name; another's may still make no valid ref (`.github`).
  if (!BranchName.safeParse(branch).success) {
    throw new RunFailure('PUSH_FAILED', `The pull request's branch "${branch}" is not a valid git branch name`);
  }
  await refuseProtectedBranch(context, host, branch, [base, job.baseBranch, checkout.base.branch]);
  const text = pullRequestText(settings, facts);

  const patch = await approvedPatch(context, input.digest);
  await step(context, `Committing the reviewed diff onto ${checkout.base.head.slice(0, 12)}`);
  let commit: string;
  try {
    commit = await checkout.commitPatch(checkout.base.head, patch, text.commitMessage, host.commitAuthor);
  } catch (error) {
    throw new RunFailure(
      'PATCH_FAILED',
      `The stored diff does not apply to its base commit ${checkout.base.head}: ${context.log.redact((error as Error).message)}`,
    );
  }

  await step(context, `Pushing ${branch}`);
  // Ours to move only while it still holds what this row pushed last; a branch that is gone may be
  // made again. The look at the remote only words the refusal: the lease git enforces is ours.
  const ours = input.lease?.branch === branch ? input.lease.commit : undefined;
  let head: string | undefined;
  try {
    // A short-lived token (a GitHub App's) is asked for again: the push may come an hour after the clone.
    checkout.authenticate(await host.gitAuthHeader(repositoryName));
    head = await checkout.remoteBranchHead(input.url, branch);
  } catch (error) {
    throw new RunFailure('PUSH_FAILED', `Looking up ${branch} failed: ${context.log.redact((error as Error).message)}`);
  }
  const foreign = () =>
    new RunFailure(
      'BRANCH_EXISTS',
      `The branch "${branch}" already exists in ${repositoryName} and is not this job's to ` +
        `move${ours ? ` (its head is no longer ${ours.slice(0, 12)}, the commit Cody Batch pushed last)` : ' (Cody Batch did not push it)'}. ` +
        `Nothing was pushed: rename or delete that branch, or give the job another branch template`,
    );
  if (head !== undefined && head !== ours) throw foreign();
  try {
    await checkout.push(input.url, branch, head === undefined ? undefined : ours, commit);
  } catch (error) {
    const message = context.log.redact((error as Error).message);
    // Someone pushed (or made the branch) between our look and our push: the lease held.
    if (/stale info|\(fetch first\)|\[rejected\]/.test(message)) throw foreign();
    throw new RunFailure('PUSH_FAILED', `Pushing ${branch} failed: ${message}`);
  }
  await input.recordPush({ branch, commit });

  const reviewers = await chooseReviewers(context, pullRequests, patch.toString('utf8'));
  await step(context, `Opening the pull request ${branch} → ${base}`);
  try {
    const draft = input.draft ?? ((settings?.draft ?? job.draftPullRequests) || input.verification?.passed === false);
    const outcome = await pullRequests.ensurePullRequest({
      repositoryName,
      head: branch,
      base,
      title: text.title,
      body: text.body,
      draft,
      labels: settings?.labels ?? [],
      reviewers: reviewers.reviewers,
      teamReviewers: reviewers.teamReviewers,
      existingUrl: context.row.pullRequestUrl,
    });
    const pullRequest: PullRequestInfo | undefined =
      outcome.number === undefined
        ? undefined
        : {
            url: outcome.url,
            number: outcome.number,
            state: (outcome.draft ?? draft) ? 'draft' : 'open',
            // Until the first refresh asks the host.
            checks: 'none',
            review: 'none',
            mergeable: null,
            updatedAt: new Date().toISOString(),
          };
    await input.recordUrl(outcome.url, pullRequest);
    context.log.step(`${outcome.created ? 'Opened' : 'Updated'} ${outcome.url}`);
    const said = [...reviewers.notes, ...outcome.warnings];
    if (input.autoMerge && pullRequest) {
      const merged = await turnOnAutoMerge(context, pullRequests, pullRequest, commit, input.autoMerge);
      if (merged.pullRequest) Object.assign(pullRequest, merged.pullRequest);
      if (merged.said) said.push(merged.said);
      if (merged.pullRequest) await input.recordUrl(outcome.url, pullRequest);
    }
    const warnings = said.map((warning) => context.log.redact(warning));
    for (const warning of warnings) context.log.step(`Warning: ${warning}`);
    return { url: outcome.url, pullRequest, warnings };
  } catch (error) {
    if (error instanceof RunFailure) throw error;
    throw new RunFailure(
      'PULL_REQUEST_FAILED',
      `The pull request could not be opened: ${context.log.redact((error as Error).message)}`,
    );
  }
}

/**
 * A follow-up round's push: the recorded base (the head it started from, or the base branch it
 * merged in) plus the stored diff, committed as a child of the head it started from (and of the
 * merged base), pushed to the pull request's branch only while that branch is still at the head:
 * a fast-forward, never a rewrite. A branch that moved meanwhile fails with HEAD_MOVED, and
 * nothing is lost: the round can run again from the new head.
 */
async function pushRound(context: RunContext, input: PublishInput, round: RoundPush): Promise<Published> {
  const { checkout, row, repositoryName } = context;
  const { host } = input;
  if (!host.hasCredentials)
    throw new RunFailure(
      'PUSH_FAILED',
      `The follow-up needs a push, but the worker has no credentials for ${host.label}`,
    );
  if (!BranchName.safeParse(round.branch).success)
    throw new RunFailure('PUSH_FAILED', `The pull request's branch "${round.branch}" is not a valid git branch name`);
  // Only the branch this row pushed (its sealed record), and never a default or base branch.
  if (input.lease?.branch !== round.branch)
    throw new RunFailure(
      'BRANCH_EXISTS',
      `The pull request's branch "${round.branch}" is not one Cody Batch has a sealed record of pushing for ${repositoryName}: nothing was pushed`,
    );
  await refuseProtectedBranch(context, host, round.branch, [round.baseBranch, context.job.baseBranch]);
  const patch = await approvedPatch(context, input.digest);
  const parents = round.mergedBase ? [round.head, round.mergedBase] : [round.head];
  await step(context, `Committing the reviewed diff onto ${round.head.slice(0, 12)}`);
  let commit: string;
  try {
    commit = await checkout.commitPatch(
      checkout.base.head,
      patch,
      roundMessage(round, input.summary),
      host.commitAuthor,
      parents,
    );
  } catch (error) {
    throw new RunFailure(
      'PATCH_FAILED',
      `The stored diff does not apply to ${checkout.base.head}: ${context.log.redact((error as Error).message)}`,
    );
  }
  // The lease is the head the round started from (a person's commit may be it): a fast-forward of
  // it, or nothing. What the row pushed last may be older; the branch is still the one it pushed.
  await step(context, `Pushing ${round.branch} (a fast-forward of ${round.head.slice(0, 12)})`);
  try {
    // A short-lived token (a GitHub App's) is asked for again: the push may come long after the clone.
    checkout.authenticate(await host.gitAuthHeader(repositoryName));
    await checkout.push(input.url, round.branch, round.head, commit);
  } catch (error) {
    const now = await checkout.remoteBranchHead(input.url, round.branch).catch(() => undefined);
    if (now !== round.head)
      throw new RunFailure(
        'HEAD_MOVED',
        `${round.branch} moved to ${now ? now.slice(0, 12) : 'nothing (deleted)'} since the ` +
          `round started from ${round.head.slice(0, 12)}: nothing was pushed; follow up again to ` +
          `build on its new head`,
      );
    throw new RunFailure(
      'PUSH_FAILED',
      `Pushing ${round.branch} failed: ${context.log.redact((error as Error).message)}`,
    );
  }
  await input.recordPush({ branch: round.branch, commit });
  const url = row.pullRequestUrl ?? '';
  const pullRequest = row.pullRequest ? { ...row.pullRequest, updatedAt: new Date().toISOString() } : undefined;
  await input.recordUrl(url, pullRequest);
  context.log.step(`Pushed ${commit.slice(0, 12)} to ${round.branch} (${url})`);
  return { url, pullRequest, warnings: [] };
}

/** The stored patch, once it hashes to the digest the caller vouches for; nothing is pushed otherwise. */
async function approvedPatch(context: RunContext, expected: string): Promise<Buffer> {
  const patch = await context.artifacts.readDiff();
  if (!patch?.length) throw new RunFailure('PATCH_FAILED', 'The stored diff is missing: there is nothing to publish');
  const digest = createHash('sha256').update(patch).digest('hex');
  if (digest !== expected) {
    throw new RunFailure(
      'PATCH_CHANGED',
      `The stored diff is not the one approved: it hashes to ${digest.slice(0, 12)}, not ${expected.slice(0, 12)}. Nothing was pushed`,
    );
  }
  return patch;
}

/** A branch Cody Batch never pushes to: the job's base branch, the one cloned, or the repository's default. */
async function refuseProtectedBranch(
  context: RunContext,
  host: CodeHost,
  branch: string,
  bases: readonly (string | undefined)[],
): Promise<void> {
  if (bases.includes(branch)) {
    throw new RunFailure(
      'BRANCH_EXISTS',
      `The pull request's branch "${branch}" is the job's base branch: Cody Batch never pushes to it. Give the job a branch template of its own`,
    );
  }
  let defaultBranch: string;
  try {
    defaultBranch = await host.defaultBranch(context.repositoryName);
  } catch (error) {
    throw new RunFailure(
      'PUSH_FAILED',
      `Could not ask ${host.label} for ${context.repositoryName}'s default branch, so nothing was pushed: ${context.log.redact((error as Error).message)}`,
    );
  }
  if (branch === defaultBranch) {
    throw new RunFailure(
      'BRANCH_EXISTS',
      `The pull request's branch "${branch}" is ${context.repositoryName}'s default branch: ` +
        `Cody Batch never pushes to it. Give the job a branch template of its own`,
    );
  }
}

const REASON_WORDS: Record<FollowUp['reason'], string> = {
  checks: 'fix failing checks',
  review: 'address review comments',
  conflicts: 'merge the base branch in',
  instruction: "follow the owner's instruction",
};

function roundMessage(round: RoundPush, summary: string): string {
  const subject =
    round.reason === 'conflicts'
      ? `Merge ${round.baseBranch} into ${round.branch}`
      : `Follow-up: ${REASON_WORDS[round.reason]}`;
  return `${subject}\n\nCody Batch follow-up round ${round.round}${round.triggerSummary ? ` (${round.triggerSummary})` : ''}.\n\n${summary}`.trim();
}

/**
 * The reviewers to request: `@codeowners` becomes the owners of the changed files by the
 * repository's CODEOWNERS at the base commit (the host's rules), or, when it names none, the other
 * reviewers named. Teams stay as asked.
 */
async function chooseReviewers(
  context: RunContext,
  host: PullRequestHost,
  patch: string,
): Promise<{ reviewers: string[]; teamReviewers: string[]; notes: string[] }> {
  const settings = context.job.pullRequest;
  const asked = settings?.reviewers ?? [];
  const teamReviewers = settings?.teamReviewers ?? [];
  if (!asked.includes(CODEOWNERS_REVIEWER)) return { reviewers: asked, teamReviewers, notes: [] };
  const others = asked.filter((reviewer) => reviewer !== CODEOWNERS_REVIEWER);
  const base = context.checkout.base.head;
  let text: string | undefined;
  let found: string | undefined;
  for (const candidate of host.codeOwnersPaths) {
    text = await context.checkout.fileAt(base, candidate);
    if (text !== undefined) {
      found = candidate;
      break;
    }
  }
  if (text === undefined || !found) {
    context.log.step(
      `No CODEOWNERS (${host.codeOwnersPaths.join(', ')}): asking ${others.length ? others.join(', ') : 'no one'} instead`,
    );
    return { reviewers: others, teamReviewers, notes: [] };
  }
  const files = [
    ...new Set(
      parsePatch(patch)
        .flatMap((file) => [file.oldPath, file.newPath, filePath(file)])
        .filter((name): name is string => !!name),
    ),
  ];
  const owners = host.codeOwners(context.repositoryName, text, files);
  if (owners.reviewers.length + owners.teamReviewers.length === 0) {
    context.log.step(
      `${found} names no owner of the changed files: asking ${others.length ? others.join(', ') : 'no one'} instead`,
    );
    return { reviewers: others, teamReviewers, notes: owners.notes };
  }
  context.log.step(
    `Code owners by ${found}: ${[...owners.reviewers.map((login) => `@${login}`), ...owners.teamReviewers.map((team) => `team ${team}`)].join(', ')}`,
  );
  return {
    reviewers: owners.reviewers,
    teamReviewers: [...new Set([...teamReviewers, ...owners.teamReviewers])],
    notes: owners.notes,
  };
}

/**
 * A publish's `autoMerge`: the host's auto-merge, for the commit just pushed; where the host has
 * nothing left to wait for, a merge now under Merge Ready's rules. Never fails the publish: what
 * did not happen is said.
 */
async function turnOnAutoMerge(
  context: RunContext,
  host: PullRequestHost,
  pullRequest: PullRequestInfo,
  pushed: string,
  method: MergeMethod,
): Promise<{ pullRequest?: Partial<PullRequestInfo>; said?: string }> {
  const ref = { repositoryName: context.repositoryName, number: pullRequest.number };
  try {
    await step(context, `Turning on auto-merge (${method})`);
    const status = (await host.pullRequestStatuses([ref])).get(pullRequestKey(ref));
    const result = await autoMergeOrMerge(
      host,
      ref,
      status ? { ...status, headSha: pushed } : { ...pullRequest, headSha: pushed },
      method,
    );
    if (result.outcome === 'enabled') {
      context.log.step(`Auto-merge is on (${result.autoMerge.method})`);
      return { pullRequest: { autoMerge: result.autoMerge } };
    }
    if (result.outcome === 'merged') {
      context.log.step(`Auto-merge: ${result.reason}`);
      return { pullRequest: { state: 'merged' }, said: `Auto-merge: ${result.reason}` };
    }
    return { said: `Auto-merge: ${result.reason}` };
  } catch (error) {
    return { said: `Auto-merge was not turned on: ${(error as Error).message}` };
  }
}
