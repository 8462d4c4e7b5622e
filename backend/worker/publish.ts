import { pullRequestBranch, pullRequestText } from '../../common/pullRequestTemplate';
import { BranchName, type DiffStats, type PullRequestInfo, type Verification } from '../../common/schemas';
import type { CodeHost } from '../hosts';
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
    checkout.authenticate(await host.gitAuthHeader(repositoryName));
    const expected = await checkout.remoteBranchHead(input.url, branch);
    await checkout.push(input.url, branch, expected, commit);
  } catch (error) {
    throw new RunFailure('PUSH_FAILED', `Pushing ${branch} failed: ${context.log.redact((error as Error).message)}`);
  }

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
