import { branchName } from '../../common/names';
import type { DiffStats, Verification } from '../../common/schemas';
import { commitMessage, createGitHubClient, ensurePullRequest, pullRequestBody } from './pullRequests';
import { RunFailure, step, type RunContext } from './runContext';

// Commit, push `cody-batch/{jobId}`, and open (or reuse) the pull request.

export interface PublishInput {
  url: string;
  token?: string;
  githubApiUrl?: string;
  summary: string;
  stats: DiffStats;
  verification?: Verification;
  /** Called as soon as the PR exists, before anything else can fail. */
  recordUrl(url: string): Promise<void>;
}

export async function publishChange(context: RunContext, input: PublishInput): Promise<string> {
  const { job, checkout, repositoryName } = context;
  const branch = branchName(job.jobId);
  const base = job.baseBranch ?? checkout.base.branch;
  if (!input.token) {
    throw new RunFailure('PULL_REQUEST_FAILED', 'The job asks for pull requests, but the worker has no GITHUB_TOKEN');
  }

  await step(context, `Committing and pushing ${branch}`);
  try {
    await checkout.commit(commitMessage(job.name, input.summary));
    // The lease is what the remote has now: our own earlier attempt's push is replaced, anything
    // pushed between this look and our push is not.
    const expected = await checkout.remoteBranchHead(input.url, branch);
    await checkout.push(input.url, branch, expected);
  } catch (error) {
    throw new RunFailure('PUSH_FAILED', `Pushing ${branch} failed: ${context.log.redact((error as Error).message)}`);
  }

  await step(context, `Opening the pull request ${branch} → ${base}`);
  try {
    const github = createGitHubClient({ token: input.token, baseUrl: input.githubApiUrl });
    const draft = job.draftPullRequests || input.verification?.passed === false;
    const outcome = await ensurePullRequest(github, {
      repositoryName,
      head: branch,
      base,
      title: job.name,
      body: pullRequestBody({
        jobId: job.jobId,
        jobName: job.name,
        description: job.description,
        summary: input.summary,
        stats: input.stats,
        verification: input.verification,
      }),
      draft,
      existingUrl: context.row.pullRequestUrl,
    });
    await input.recordUrl(outcome.url);
    context.log.step(`${outcome.created ? 'Opened' : 'Updated'} ${outcome.url}`);
    return outcome.url;
  } catch (error) {
    if (error instanceof RunFailure) throw error;
    throw new RunFailure(
      'PULL_REQUEST_FAILED',
      `The pull request could not be opened: ${context.log.redact((error as Error).message)}`,
    );
  }
}
