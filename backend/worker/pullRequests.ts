import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type { DiffStats, Verification } from '../../common/schemas';

// Pull requests through GitHub's REST API (or GitHub Enterprise's, via GITHUB_API_URL). One PR per
// head branch, ever: an open one is reused, and a row that already has a PR never makes another.

const GitHub = Octokit.plugin(throttling, retry);
export type GitHubClient = InstanceType<typeof GitHub>;

export function createGitHubClient(options: { token: string; baseUrl?: string; userAgent?: string }): GitHubClient {
  return new GitHub({
    auth: options.token,
    baseUrl: options.baseUrl ?? 'https://api.github.com',
    userAgent: options.userAgent ?? 'cody-batch',
    throttle: {
      // Wait out primary and secondary rate limits twice, then let the request fail.
      onRateLimit: (_retryAfter: number, _options: object, _octokit: unknown, retryCount: number) => retryCount < 2,
      onSecondaryRateLimit: (_retryAfter: number, _options: object, _octokit: unknown, retryCount: number) =>
        retryCount < 2,
    },
    retry: { retries: 3 },
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
  });
}

export interface PullRequestRequest {
  repositoryName: string;
  head: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
  /** The URL this row recorded on an earlier attempt, if any. */
  existingUrl?: string;
}

export interface PullRequestOutcome {
  url: string;
  created: boolean;
}

/** Finds the open PR for the head branch and refreshes it, or creates one; never two. */
export async function ensurePullRequest(
  github: GitHubClient,
  request: PullRequestRequest,
): Promise<PullRequestOutcome> {
  const [owner, repo] = request.repositoryName.split('/') as [string, string];
  const open = await findOpen(github, owner, repo, request.head);
  if (open) {
    await github.rest.pulls.update({ owner, repo, pull_number: open.number, title: request.title, body: request.body });
    return { url: open.html_url, created: false };
  }
  // Closed or merged by someone since: the branch is pushed, and the row keeps pointing at its PR.
  if (request.existingUrl) return { url: request.existingUrl, created: false };
  try {
    const { data } = await github.rest.pulls.create({
      owner,
      repo,
      head: request.head,
      base: request.base,
      title: request.title,
      body: request.body,
      draft: request.draft,
    });
    return { url: data.html_url, created: true };
  } catch (error) {
    // A create whose answer was lost and then retried: GitHub says the PR exists. Use it.
    if ((error as { status?: number }).status === 422) {
      const existing = await findOpen(github, owner, repo, request.head);
      if (existing) return { url: existing.html_url, created: false };
    }
    throw error;
  }
}

async function findOpen(github: GitHubClient, owner: string, repo: string, head: string) {
  const { data } = await github.rest.pulls.list({ owner, repo, state: 'open', head: `${owner}:${head}`, per_page: 10 });
  return data.find((pull) => pull.head.ref === head);
}

export interface PullRequestText {
  jobId: string;
  jobName: string;
  description: string;
  summary: string;
  stats: DiffStats;
  verification?: Verification;
}

export function pullRequestBody(text: PullRequestText): string {
  const parts: string[] = [];
  if (text.description.trim()) parts.push(text.description.trim());
  parts.push(`## Summary\n\n${text.summary.trim() || '(no summary)'}`);
  const changes = [
    `${text.stats.files} file${text.stats.files === 1 ? '' : 's'} changed, +${text.stats.additions} −${text.stats.deletions}`,
  ];
  if (text.verification) {
    const { command, passed, rounds } = text.verification;
    changes.push(
      `Verification \`${command}\` ${passed ? 'passed' : 'FAILED'} (${rounds} round${rounds === 1 ? '' : 's'})`,
    );
  }
  parts.push(`## Changes\n\n${changes.map((line) => `- ${line}`).join('\n')}`);
  parts.push(`---\nMade by Cody Batch, job \`${text.jobId}\` (${text.jobName}).`);
  return parts.join('\n\n');
}

/** The commit message: the job's name as subject, the summary as body. */
export function commitMessage(jobName: string, summary: string): string {
  const subject = jobName.length > 72 ? `${jobName.slice(0, 71)}…` : jobName;
  return summary.trim() ? `${subject}\n\n${summary.trim()}\n` : `${subject}\n`;
}
