import type { ChecksState, MergeMethod, PullRequestReviewState, PullRequestState } from '../../../common/schemas';
import { type PullRequestRef, type PullRequestStatus, pullRequestKey } from '../codeHost';
import type { GitHubClient } from './client';

// Pull-request states through GitHub's GraphQL API: one request per 100 pull requests, each an
// aliased `repository { pullRequest(number:) }` with what the row records. The REST way costs four
// requests per pull request (the PR, its check runs, its commit statuses, its reviews); this is why
// 1,000 pull requests refresh in ten requests (bench/pullRequests.ts measures both).
// `statusCheckRollup` is GitHub's own sum of the head commit's check runs and commit statuses, and
// `reviewDecision` its verdict on the reviews under the branch's protection rules.

/** GitHub answers at most this many pull requests in one query without nearing its node limit. */
export const PULL_REQUESTS_PER_QUERY = 100;

// The last few comments and reviews say when someone other than Cody Batch last spoke (a reply on
// a review thread is a review of its own); `viewer` is Cody Batch's own identity (a user, or an
// app's `slug[bot]`), whose words never count.
const FEEDBACK_ITEMS = 10;
const FIELDS = [
  'number url state isDraft mergeable reviewDecision updatedAt headRefOid headRefName baseRefName',
  'commits(last: 1) { nodes { commit { statusCheckRollup { state } } } }',
  'autoMergeRequest { enabledAt mergeMethod }',
  `timelineItems(last: ${FEEDBACK_ITEMS}, itemTypes: [ISSUE_COMMENT, PULL_REQUEST_REVIEW]) { nodes { __typename` +
    ' ... on IssueComment { createdAt author { login } }' +
    ' ... on PullRequestReview { submittedAt author { login } } } }',
].join(' ');

interface GraphPullRequest {
  number: number;
  url: string;
  state: 'OPEN' | 'CLOSED' | 'MERGED';
  isDraft: boolean;
  mergeable: 'MERGEABLE' | 'CONFLICTING' | 'UNKNOWN';
  reviewDecision: 'APPROVED' | 'CHANGES_REQUESTED' | 'REVIEW_REQUIRED' | null;
  updatedAt: string;
  headRefOid: string;
  headRefName: string;
  baseRefName: string;
  commits?: { nodes?: { commit?: { statusCheckRollup?: { state?: string } | null } }[] };
  autoMergeRequest?: { enabledAt: string; mergeMethod: 'MERGE' | 'SQUASH' | 'REBASE' } | null;
  timelineItems?: {
    nodes?: ({ createdAt?: string; submittedAt?: string | null; author?: { login?: string } | null } | null)[];
  };
}

type Answer = Record<string, { pullRequest?: GraphPullRequest | null } | null> & { viewer?: { login?: string } };

export async function pullRequestStatuses(
  github: GitHubClient,
  refs: readonly PullRequestRef[],
): Promise<Map<string, PullRequestStatus>> {
  const found = new Map<string, PullRequestStatus>();
  for (let offset = 0; offset < refs.length; offset += PULL_REQUESTS_PER_QUERY) {
    const batch = refs.slice(offset, offset + PULL_REQUESTS_PER_QUERY);
    const { query, variables } = queryFor(batch);
    let data: Answer;
    try {
      data = await github.graphql<Answer>(query, variables);
    } catch (error) {
      // A repository or pull request GitHub no longer has makes the answer partial, not empty.
      const partial = (error as { data?: Answer }).data;
      if (!partial) throw error;
      data = partial;
    }
    const self = data.viewer?.login;
    batch.forEach((ref, index) => {
      const pull = (data[`r${index}`] as { pullRequest?: GraphPullRequest | null } | null)?.pullRequest;
      if (pull) found.set(pullRequestKey(ref), statusOf(pull, self));
    });
  }
  return found;
}

/** Variables carry every name and number: nothing of a repository's name becomes query text. */
function queryFor(batch: readonly PullRequestRef[]): { query: string; variables: Record<string, string | number> } {
  const variables: Record<string, string | number> = {};
  const declarations: string[] = [];
  const selections = batch.map((ref, index) => {
    const [owner, name] = ref.repositoryName.split('/') as [string, string];
    variables[`o${index}`] = owner;
    variables[`n${index}`] = name;
    variables[`p${index}`] = ref.number;
    declarations.push(`$o${index}: String!, $n${index}: String!, $p${index}: Int!`);
    return `r${index}: repository(owner: $o${index}, name: $n${index}) { pullRequest(number: $p${index}) { ${FIELDS} } }`;
  });
  return { query: `query(${declarations.join(', ')}) { viewer { login } ${selections.join(' ')} }`, variables };
}

function statusOf(pull: GraphPullRequest, self: string | undefined): PullRequestStatus {
  const state: PullRequestState =
    pull.state === 'MERGED' ? 'merged' : pull.state === 'CLOSED' ? 'closed' : pull.isDraft ? 'draft' : 'open';
  const feedbackAt = (pull.timelineItems?.nodes ?? [])
    .filter((node) => node?.author?.login && node.author.login !== self)
    .map((node) => node!.submittedAt ?? node!.createdAt)
    .filter((at): at is string => typeof at === 'string')
    .sort()
    .at(-1);
  return {
    url: pull.url,
    number: pull.number,
    state,
    checks: checksOf(pull.commits?.nodes?.[0]?.commit?.statusCheckRollup?.state),
    review: reviewOf(pull.reviewDecision),
    mergeable: pull.mergeable === 'MERGEABLE' ? true : pull.mergeable === 'CONFLICTING' ? false : null,
    updatedAt: pull.updatedAt,
    headSha: pull.headRefOid,
    headRef: pull.headRefName,
    baseRef: pull.baseRefName,
    ...(pull.autoMergeRequest
      ? {
          autoMerge: {
            method: pull.autoMergeRequest.mergeMethod.toLowerCase() as MergeMethod,
            enabledAt: pull.autoMergeRequest.enabledAt,
          },
        }
      : {}),
    ...(feedbackAt ? { feedbackAt } : {}),
  };
}

function checksOf(rollup: string | undefined): ChecksState {
  switch (rollup) {
    case 'SUCCESS':
      return 'passing';
    case 'FAILURE':
    case 'ERROR':
      return 'failing';
    case 'PENDING':
    case 'EXPECTED':
      return 'pending';
    default:
      return 'none';
  }
}

function reviewOf(decision: GraphPullRequest['reviewDecision']): PullRequestReviewState {
  if (decision === 'APPROVED') return 'approved';
  if (decision === 'CHANGES_REQUESTED') return 'changes_requested';
  if (decision === 'REVIEW_REQUIRED') return 'review_required';
  return 'none';
}
