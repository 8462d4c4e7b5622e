import { opensPullRequests, type PullRequestCodeHost } from '../hosts';
import type { ApiDependencies } from './context';
import { RequestError } from './middleware/errors';

/** The server's code host, narrowed to one with pull requests: PULL_REQUESTS_UNSUPPORTED (a 400) when it has none. */
export function pullRequestHost(deps: ApiDependencies, what: string): PullRequestCodeHost {
  const host = deps.codeHost;
  if (!host) throw new RequestError('PULL_REQUESTS_UNSUPPORTED', `This server has no code host to ${what}`);
  if (!opensPullRequests(host)) throw new RequestError('PULL_REQUESTS_UNSUPPORTED', pullRequestsRefusal(deps)!);
  return host;
}

/** Why the server's code host opens no pull requests, or undefined when it does (or there is none to ask). */
export function pullRequestsRefusal(deps: ApiDependencies): string | undefined {
  const pullRequests = deps.codeHost?.pullRequests;
  return pullRequests && !pullRequests.supported ? pullRequests.refusal : undefined;
}
