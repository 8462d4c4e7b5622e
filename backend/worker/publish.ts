import { createHash } from 'node:crypto';
import { pullRequestBranch, pullRequestText } from '../../common/pullRequestTemplate';
import { BranchName, type DiffStats, type PullRequestInfo, type Verification } from '../../common/schemas';
import type { CodeHost } from '../hosts';
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
  /** Called as soon as the PR exists, before anything else can fail. */
  recordUrl(url: string, pullRequest?: PullRequestInfo): Promise<void>;
}

export interface Published {
  url: string;
  pullRequest?: PullRequestInfo;
  /** What the host refused without failing the pull request (a reviewer). */
  warnings: string[];
}

export async function publishChange(context: RunContext, input: PublishInput): Promise<Published> {
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
  if (branch === base || branch === job.baseBranch || branch === checkout.base.branch) {
    throw new RunFailure(
      'BRANCH_EXISTS',
      `The pull request's branch "${branch}" is the job's base branch: Cody Batch never pushes to it. Give the job a branch template of its own`,
    );
  }
  let defaultBranch: string;
  try {
    defaultBranch = await host.defaultBranch(repositoryName);
  } catch (error) {
    throw new RunFailure(
      'PUSH_FAILED',
      `Could not ask ${host.label} for ${repositoryName}'s default branch, so nothing was pushed: ${context.log.redact((error as Error).message)}`,
    );
  }
  if (branch === defaultBranch) {
    throw new RunFailure(
      'BRANCH_EXISTS',
      `The pull request's branch "${branch}" is ${repositoryName}'s default branch: Cody Batch never pushes to it. Give the job a branch template of its own`,
    );
  }
  const text = pullRequestText(settings, facts);

  const patch = await context.artifacts.readDiff();
  if (!patch?.length) throw new RunFailure('PATCH_FAILED', 'The stored diff is missing: there is nothing to publish');
  const digest = createHash('sha256').update(patch).digest('hex');
  if (digest !== input.digest) {
    throw new RunFailure(
      'PATCH_CHANGED',
      `The stored diff is not the one approved: it hashes to ${digest.slice(0, 12)}, not ${input.digest.slice(0, 12)}. Nothing was pushed`,
    );
  }
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
      `The branch "${branch}" already exists in ${repositoryName} and is not this job's to move${ours ? ` (its head is no longer ${ours.slice(0, 12)}, the commit Cody Batch pushed last)` : ' (Cody Batch did not push it)'}. Nothing was pushed: rename or delete that branch, or give the job another branch template`,
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
      reviewers: settings?.reviewers ?? [],
      teamReviewers: settings?.teamReviewers ?? [],
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
    const warnings = outcome.warnings.map((warning) => context.log.redact(warning));
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
