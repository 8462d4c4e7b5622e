import type { MergeMethod } from '../../../common/schemas';
import { type AutoMergeOutcome, HostRefusal, type PullRequestRef } from '../codeHost';
import type { GitHubClient } from './client';
import { act, split } from './pullRequestActions';

// GitHub's auto-merge is GraphQL only: `enablePullRequestAutoMerge` on the pull request's node,
// with the head commit it was asked for (`expectedHeadOid`: a push in between makes GitHub refuse).
// GitHub refuses it when the pull request could merge now ("is in clean status", or "unstable":
// only checks that are not required fail); that is `nothingToWaitFor`, and the caller merges it
// under its own rules instead.

const NODE_QUERY =
  'query($owner: String!, $name: String!, $number: Int!) { repository(owner: $owner, name: $name) { pullRequest(number: $number) { id } } }';
const ENABLE =
  'mutation($id: ID!, $mergeMethod: PullRequestMergeMethod!, $head: GitObjectID!) { ' +
  'enablePullRequestAutoMerge(input: {pullRequestId: $id, mergeMethod: $mergeMethod, ' +
  'expectedHeadOid: $head}) { pullRequest { autoMergeRequest { enabledAt mergeMethod } } } }';

interface EnableAnswer {
  enablePullRequestAutoMerge?: {
    pullRequest?: { autoMergeRequest?: { enabledAt: string; mergeMethod: string } | null } | null;
  } | null;
}

export async function enableAutoMerge(
  github: GitHubClient,
  ref: PullRequestRef,
  options: { method: MergeMethod; expectedHeadSha: string },
): Promise<AutoMergeOutcome> {
  const { owner, repo } = split(ref);
  const node = await act(
    () =>
      github.graphql<{ repository?: { pullRequest?: { id: string } | null } | null }>(NODE_QUERY, {
        owner,
        name: repo,
        number: ref.number,
      }),
    'find',
  ).catch((error: unknown) => {
    throw graphqlRefusal(error) ?? error;
  });
  const id = node.repository?.pullRequest?.id;
  if (!id) throw new HostRefusal(`GitHub has no pull request ${ref.repositoryName}#${ref.number}`);
  let answer: EnableAnswer;
  try {
    answer = await act(
      () =>
        github.graphql<EnableAnswer>(ENABLE, {
          id,
          mergeMethod: options.method.toUpperCase(),
          head: options.expectedHeadSha,
        }),
      'enable auto-merge on',
    );
  } catch (error) {
    const message = graphqlMessage(error);
    if (message && /is in (clean|unstable|has_hooks) status/i.test(message))
      return { nothingToWaitFor: `GitHub says there is nothing left to wait for (${message})` };
    throw graphqlRefusal(error) ?? error;
  }
  const request = answer.enablePullRequestAutoMerge?.pullRequest?.autoMergeRequest;
  return {
    enabled: {
      method: (request?.mergeMethod?.toLowerCase() as MergeMethod | undefined) ?? options.method,
      enabledAt: request?.enabledAt ?? new Date().toISOString(),
    },
  };
}

/** GitHub's GraphQL errors come with HTTP 200: their first message, if the error is one. */
function graphqlMessage(error: unknown): string | undefined {
  const errors = (error as { errors?: { message?: unknown }[] }).errors;
  const message = errors?.find((entry) => typeof entry?.message === 'string')?.message;
  return typeof message === 'string' ? message : undefined;
}

function graphqlRefusal(error: unknown): HostRefusal | undefined {
  const message = graphqlMessage(error);
  return message ? new HostRefusal(`GitHub refused to enable auto-merge: ${message}`) : undefined;
}
