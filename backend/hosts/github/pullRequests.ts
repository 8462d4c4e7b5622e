import type { PullRequestOutcome, PullRequestRequest } from '../codeHost';
import { type GitHubClient, githubMessage, statusOf } from './client';

// Pull requests through GitHub's REST API. One PR per head branch, ever: an open one is reused, and
// a row that already has a PR never makes another. Labels and reviewers are added after; what
// GitHub refuses of them (a reviewer who is no collaborator) is a warning, not a failure.

export async function ensurePullRequest(
  github: GitHubClient,
  request: PullRequestRequest,
): Promise<PullRequestOutcome> {
  const [owner, repo] = request.repositoryName.split('/') as [string, string];
  const opened = await openOrUpdate(github, owner, repo, request);
  const warnings = opened.number === undefined ? [] : await shape(github, owner, repo, opened.number, request);
  return { url: opened.url, number: opened.number, draft: opened.draft, created: opened.created, warnings };
}

async function openOrUpdate(
  github: GitHubClient,
  owner: string,
  repo: string,
  request: PullRequestRequest,
): Promise<{ url: string; created: boolean; number?: number; draft?: boolean }> {
  const open = await findOpen(github, owner, repo, request.head);
  if (open) {
    await github.rest.pulls.update({ owner, repo, pull_number: open.number, title: request.title, body: request.body });
    return { url: open.html_url, created: false, number: open.number, draft: open.draft };
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
    return { url: data.html_url, created: true, number: data.number, draft: data.draft };
  } catch (error) {
    // A create whose answer was lost and then retried: GitHub says the PR exists. Use it.
    if (statusOf(error) === 422) {
      const existing = await findOpen(github, owner, repo, request.head);
      if (existing) return { url: existing.html_url, created: false, number: existing.number, draft: existing.draft };
    }
    throw error;
  }
}

async function findOpen(github: GitHubClient, owner: string, repo: string, head: string) {
  const { data } = await github.rest.pulls.list({ owner, repo, state: 'open', head: `${owner}:${head}`, per_page: 10 });
  return data.find((pull) => pull.head.ref === head);
}

/** Adds the labels and requests the reviews; returns what GitHub refused, as sentences. */
async function shape(
  github: GitHubClient,
  owner: string,
  repo: string,
  number: number,
  request: PullRequestRequest,
): Promise<string[]> {
  const warnings: string[] = [];
  if (request.labels.length) {
    try {
      await github.rest.issues.addLabels({ owner, repo, issue_number: number, labels: request.labels });
    } catch (error) {
      warnings.push(`GitHub did not add the labels ${request.labels.join(', ')}: ${githubMessage(error)}`);
    }
  }
  const reviewers = [
    ...request.reviewers.map((login) => ({ reviewers: [login], team_reviewers: [], shown: `@${login}` })),
    ...request.teamReviewers.map((team) => ({ reviewers: [], team_reviewers: [team], shown: `team ${team}` })),
  ];
  if (reviewers.length === 0) return warnings;
  const all = { reviewers: request.reviewers, team_reviewers: request.teamReviewers };
  try {
    await github.rest.pulls.requestReviewers({ owner, repo, pull_number: number, ...all });
    return warnings;
  } catch (error) {
    if (statusOf(error) !== 422) {
      warnings.push(`GitHub did not request the reviews: ${githubMessage(error)}`);
      return warnings;
    }
  }
  // GitHub refuses the whole request for one reviewer it will not take: ask for each alone, to
  // request everyone it takes and name the ones it does not.
  for (const one of reviewers) {
    try {
      await github.rest.pulls.requestReviewers({
        owner,
        repo,
        pull_number: number,
        reviewers: one.reviewers,
        team_reviewers: one.team_reviewers,
      });
    } catch (error) {
      warnings.push(`GitHub refused the reviewer ${one.shown}: ${githubMessage(error)}`);
    }
  }
  return warnings;
}
