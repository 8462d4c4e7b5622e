import type { PullRequestOutcome, PullRequestRequest } from '../codeHost';
import { type GitLabClient, GitLabError, projectPath } from './client';

// Merge requests through GitLab's REST API. One per source branch, ever: an open one is reused, and
// a row that already has one never makes another. A draft is GitLab's `Draft:` title prefix.
// Labels go with the create (GitLab makes a project label it does not have); reviewers are
// usernames resolved to ids first, and one GitLab does not have is a warning, as on GitHub. GitLab
// has no team reviewers: a team named is a warning too.

export interface MergeRequest {
  iid: number;
  web_url: string;
  title: string;
  draft?: boolean;
  work_in_progress?: boolean;
  state: 'opened' | 'closed' | 'merged' | 'locked';
  source_branch: string;
  labels?: string[];
}

const DRAFT_PREFIX = 'Draft: ';

export async function ensureMergeRequest(
  gitlab: GitLabClient,
  request: PullRequestRequest,
): Promise<PullRequestOutcome> {
  const project = projectPath(request.repositoryName);
  const warnings = request.teamReviewers.map(
    (team) => `GitLab has no team reviewers: the team ${team} was not asked (name its members in reviewers)`,
  );
  const reviewers = await reviewerIds(gitlab, request.reviewers, warnings);
  const open = await findOpen(gitlab, project, request.head);
  if (open) {
    const draft = isDraft(open);
    await gitlab.put(`${project}/merge_requests/${open.iid}`, {
      // The title carries the draft: keep it a draft if it is one.
      title: draft ? withDraft(request.title) : request.title,
      description: request.body,
      ...(request.labels.length ? { add_labels: request.labels.join(',') } : {}),
      ...(reviewers.length ? { reviewer_ids: reviewers } : {}),
    });
    return { url: open.web_url, number: open.iid, draft, created: false, warnings };
  }
  // Closed or merged by someone since: the branch is pushed, and the row keeps pointing at its MR.
  if (request.existingUrl) return { url: request.existingUrl, created: false, warnings };
  let created: MergeRequest;
  try {
    created = await gitlab.post<MergeRequest>(`${project}/merge_requests`, {
      source_branch: request.head,
      target_branch: request.base,
      title: request.draft ? withDraft(request.title) : request.title,
      description: request.body,
      ...(request.labels.length ? { labels: request.labels.join(',') } : {}),
      ...(reviewers.length ? { reviewer_ids: reviewers } : {}),
    });
  } catch (error) {
    // A create whose answer was lost and then retried: GitLab says one is open for the branch. Use it.
    if (error instanceof GitLabError && error.status === 409) {
      const existing = await findOpen(gitlab, project, request.head);
      if (existing)
        return { url: existing.web_url, number: existing.iid, draft: isDraft(existing), created: false, warnings };
    }
    throw error;
  }
  return { url: created.web_url, number: created.iid, draft: isDraft(created), created: true, warnings };
}

async function findOpen(gitlab: GitLabClient, project: string, branch: string): Promise<MergeRequest | undefined> {
  const found = await gitlab.get<MergeRequest[]>(`${project}/merge_requests`, {
    state: 'opened',
    source_branch: branch,
    per_page: 10,
  });
  return found.find((mergeRequest) => mergeRequest.source_branch === branch);
}

/** The users' ids, in order; each one GitLab does not have is a warning. */
async function reviewerIds(gitlab: GitLabClient, usernames: string[], warnings: string[]): Promise<number[]> {
  const ids: number[] = [];
  for (const username of usernames) {
    const users = await gitlab.get<{ id: number; username: string }[]>('/users', { username });
    const user = users.find((candidate) => candidate.username.toLowerCase() === username.toLowerCase());
    if (user) ids.push(user.id);
    else warnings.push(`GitLab refused the reviewer @${username}: GitLab has no such user`);
  }
  return ids;
}

export function isDraft(mergeRequest: Pick<MergeRequest, 'draft' | 'work_in_progress'>): boolean {
  return Boolean(mergeRequest.draft ?? mergeRequest.work_in_progress);
}

function withDraft(title: string): string {
  return /^\s*(?:\[draft\]|\(draft\)|draft:)/i.test(title) ? title : `${DRAFT_PREFIX}${title}`;
}
