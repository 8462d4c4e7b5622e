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
import { autoMergeOrMerge, type CodeHost, pullRequestKey } from '../hosts';
import { RunFailure, step, type RunContext } from './runContext';

// The one publishing path, for a job that asks for pull requests at creation and for a publish
// later (POST /jobs/{id}/publish, a worker run in publish mode: ./publishRun.ts). The commit is
// the recorded base commit plus the stored diff, applied in a scratch index: exactly what was
// reviewed, byte for byte, whatever the working tree holds. Then push the job's branch
// (`cody-batch/{jobId}` unless the job names one) and open (or reuse) the pull request on the code
// host, shaped by the job's `pullRequest` settings.

export interface PublishInput {
  host: CodeHost;
  url: string;
  summary: string;
  stats: DiffStats;
  verification?: Verification;
  /** Open it as a draft whatever the job says (a publish's `draft`); undefined: the job's settings. */
  draft?: boolean;
  /** A follow-up round (with the head it started from): its commit goes onto the pull request's branch as a fast-forward. */
  round?: FollowUp;
  /** Turn on the host's auto-merge once the pull request is open (a publish's `autoMerge`). */
  autoMerge?: MergeMethod;
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
  if (host.pullRequestsRefusal) throw new RunFailure('PULL_REQUEST_FAILED', host.pullRequestsRefusal);
  if (!host.gitAuthHeader()) {
    throw new RunFailure('PULL_REQUEST_FAILED', 'The job asks for pull requests, but the worker has no GITHUB_TOKEN');
  }
  // Checked at creation with one repository's name; another's may still make no valid ref (`.github`).
  if (!BranchName.safeParse(branch).success) {
    throw new RunFailure('PUSH_FAILED', `The pull request's branch "${branch}" is not a valid git branch name`);
  }
  if (branch === base) {
    throw new RunFailure('PUSH_FAILED', `The pull request's branch "${branch}" is the base branch; it needs its own`);
  }
  const text = pullRequestText(settings, facts);

  const patch = await context.artifacts.readDiff();
  if (!patch?.length) throw new RunFailure('PATCH_FAILED', 'The stored diff is missing: there is nothing to publish');
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
  try {
    // The lease is what the remote has now: our own earlier attempt's push is replaced, anything
    // pushed between this look and our push is not.
    const expected = await checkout.remoteBranchHead(input.url, branch);
    await checkout.push(input.url, branch, expected, commit);
  } catch (error) {
    throw new RunFailure('PUSH_FAILED', `Pushing ${branch} failed: ${context.log.redact((error as Error).message)}`);
  }

  const reviewers = await chooseReviewers(context, host, patch.toString('utf8'));
  await step(context, `Opening the pull request ${branch} → ${base}`);
  try {
    const draft = input.draft ?? ((settings?.draft ?? job.draftPullRequests) || input.verification?.passed === false);
    const outcome = await host.ensurePullRequest({
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
      const merged = await turnOnAutoMerge(context, host, pullRequest, commit, input.autoMerge);
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
async function pushRound(context: RunContext, input: PublishInput, round: FollowUp): Promise<Published> {
  const { checkout, row } = context;
  const { host } = input;
  if (!round.head) throw new RunFailure('PATCH_FAILED', 'The follow-up round recorded no head to build on');
  if (!BranchName.safeParse(round.branch).success || round.branch === round.baseBranch)
    throw new RunFailure('PUSH_FAILED', `The pull request's branch "${round.branch}" is not one Cody Batch pushes to`);
  if (!host.gitAuthHeader())
    throw new RunFailure('PUSH_FAILED', 'The follow-up needs a push, but the worker has no GITHUB_TOKEN');
  const patch = await context.artifacts.readDiff();
  if (!patch?.length) throw new RunFailure('PATCH_FAILED', 'The stored diff is missing: there is nothing to push');
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
  await step(context, `Pushing ${round.branch} (a fast-forward of ${round.head.slice(0, 12)})`);
  try {
    await checkout.push(input.url, round.branch, round.head, commit);
  } catch (error) {
    const now = await checkout.remoteBranchHead(input.url, round.branch).catch(() => undefined);
    if (now !== round.head)
      throw new RunFailure(
        'HEAD_MOVED',
        `${round.branch} moved to ${now ? now.slice(0, 12) : 'nothing (deleted)'} since the round started from ${round.head.slice(0, 12)}: nothing was pushed; follow up again to build on its new head`,
      );
    throw new RunFailure(
      'PUSH_FAILED',
      `Pushing ${round.branch} failed: ${context.log.redact((error as Error).message)}`,
    );
  }
  const url = row.pullRequestUrl ?? '';
  const pullRequest = row.pullRequest ? { ...row.pullRequest, updatedAt: new Date().toISOString() } : undefined;
  await input.recordUrl(url, pullRequest);
  context.log.step(`Pushed ${commit.slice(0, 12)} to ${round.branch} (${url})`);
  return { url, pullRequest, warnings: [] };
}

const REASON_WORDS: Record<FollowUp['reason'], string> = {
  checks: 'fix failing checks',
  review: 'address review comments',
  conflicts: 'merge the base branch in',
  instruction: "follow the owner's instruction",
};

function roundMessage(round: FollowUp, summary: string): string {
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
  host: CodeHost,
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
  host: CodeHost,
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
