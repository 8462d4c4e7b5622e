import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { type FakeAppOptions, FakeGitHubApp, isAppRoute } from './githubApp';
import { listenOnLoopback, type RecordedRequest, recordRequest } from './loopback';

// A loopback server speaking the parts of GitHub's REST API Cody Batch uses, driven through the
// real Octokit (`baseUrl`):
// - pull requests: list by head, create, update, labels, requested reviewers (a reviewer who is not
//   a collaborator gets GitHub's 422); a second PR for the same head gets GitHub's 422;
// - repositories: an organisation's and a user's, one repository (with its default branch: the
//   bare repository's HEAD when `gitRoot` holds it), repository search (`topic:`,
//   `org:`/`user:`, words in the name) and code search (words in a file), all with `Link`
//   pagination, and GitHub's search limits: `total_count` over 1,000 and `incomplete_results`;
// - a pull request's life after it opens: its state (open, draft, merged, closed), whether it is
//   mergeable, the head commit's check runs and commit statuses, reviews, merge (refused when not
//   mergeable, or when the head moved past the `sha` given), close, comments and branch deletion;
// - GraphQL (`POST /graphql`) for the shapes the code host sends: aliased
//   `repository(owner:, name:) { pullRequest(number:) { … } }` with its variables, answering
//   GitHub's `statusCheckRollup`, `reviewDecision`, `autoMergeRequest` and `timelineItems` as GitHub
//   computes them; `viewer { login }` (the token's identity); a pull request's node `id`; and the
//   `enablePullRequestAutoMerge` mutation, refused as GitHub refuses it ("is in clean status" when
//   nothing is left to wait for, a head that moved past `expectedHeadOid`, a draft);
// - for follow-ups: check runs with their output and annotations, GitHub Actions job logs (a
//   redirect to an unauthenticated, short-lived address, as GitHub's), commit statuses with their
//   descriptions, review comments on lines (with the diff hunk), reviews with bodies, conversation
//   comments (`since`), and one comment by its id;
// - with `gitRoot` (the bare repositories the git server serves), a pull request's head commit is its
//   branch's, and whether it is mergeable is what `git merge-tree` says of it and its base;
// - `ETag` on every GET, and `304 Not Modified` for a matching `If-None-Match`;
// - a secondary rate limit on demand (403 with `retry-after`);
// - with `app`, a GitHub App (./githubApp.ts): its JWT verified, installations, installation tokens
//   that expire, each reaching only its installation's account (and the repositories it was
//   narrowed to); a search with one sees only that account's repositories.
// It checks the token like GitHub does.

export interface FakePull {
  number: number;
  owner: string;
  repo: string;
  head: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
  state: 'open' | 'closed';
  html_url: string;
  labels: string[];
  reviewers: string[];
  teamReviewers: string[];
  merged: boolean;
  /** GitHub's answer: null while it has not worked it out. */
  mergeable: boolean | null;
  headSha: string;
  /** Check runs of the head commit. */
  checkRuns: FakeCheckRun[];
  /** Commit statuses of the head commit. */
  statuses: FakeStatus[];
  reviews: FakeReview[];
  /** Conversation comments (those posted through the API are by the token's login). */
  comments: FakeComment[];
  /** Review comments on lines of the diff. */
  reviewComments: FakeReviewComment[];
  /** GitHub's auto-merge request, once enabled. */
  autoMerge?: { mergeMethod: 'MERGE' | 'SQUASH' | 'REBASE'; enabledAt: string };
  /** Branch protection asks for an approving review. */
  reviewRequired: boolean;
  updatedAt: string;
  mergeMethod?: string;
}

export interface FakeCheckRun {
  name: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion?: 'success' | 'failure' | 'neutral' | 'cancelled' | 'timed_out' | 'skipped';
  /** The commit it ran on; absent: whatever the head is. */
  sha?: string;
  /** The app that made it (default `github-actions`, whose check runs are jobs with logs). */
  app?: string;
  output?: { title?: string; summary?: string; text?: string };
  annotations?: FakeAnnotation[];
  /** The job's log (GitHub Actions only). */
  log?: string;
}

export interface FakeAnnotation {
  path: string;
  start_line: number;
  end_line?: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  title?: string;
  message: string;
}

export interface FakeStatus {
  context: string;
  state: 'pending' | 'success' | 'failure' | 'error';
  description?: string;
  target_url?: string;
  /** The commit it was set on; absent: whatever the head is. */
  sha?: string;
}

export interface FakeReview {
  user: string;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED';
  body?: string;
  submittedAt?: string;
}

export interface FakeComment {
  id?: number;
  user: string;
  body: string;
  createdAt?: string;
}

export interface FakeReviewComment {
  id?: number;
  user: string;
  body: string;
  path: string;
  line: number;
  diffHunk?: string;
  createdAt?: string;
}

export interface FakeRepository {
  /** `owner/name`. */
  fullName: string;
  archived?: boolean;
  fork?: boolean;
  /** KB, as GitHub reports it; 0 is an empty repository. Default 12. */
  size?: number;
  topics?: string[];
  /** Files code search looks in: path → content. */
  files?: Record<string, string>;
  /** Its default branch (default: the bare repository's HEAD under `gitRoot`, else main). */
  defaultBranch?: string;
}

export interface FakeGitHubOptions {
  /** The only token it accepts. */
  token: string;
  /** Runs after a PR is stored and before the answer is sent (a test may hold it there). */
  afterCreate?: (pull: FakePull) => Promise<void>;
  /** Runs when a merge request arrives, before it is judged (a test pushes to the head there). */
  beforeMerge?: (pull: FakePull) => void;
  /** Runs when a conversation comment arrives, before it is stored (a test may hold it there). */
  beforeComment?: (pull: FakePull) => Promise<void>;
  repositories?: FakeRepository[];
  /** Owners that are users, not organisations: /orgs/{owner}/repos is a 404 for them. */
  users?: string[];
  /** The most items a page holds, whatever per_page asks (default 100). */
  pageSize?: number;
  /** Reviewers it accepts (users and team slugs); others are refused as GitHub refuses non-collaborators. Default: all. */
  collaborators?: string[];
  /** Search queries (`q`) answered with this total_count, as if GitHub had that many results. */
  searchTotals?: Record<string, number>;
  /** Search queries (`q`) answered with incomplete_results: true, as when GitHub's search times out. */
  incompleteSearches?: string[];
  /** A GitHub App whose installation tokens it takes besides `token`. */
  app?: FakeAppOptions;
  /** The token's login (GraphQL `viewer`, the author of comments posted through the API); default `cody-batch-bot`. */
  login?: string;
  /**
   * The bare repositories `{owner}/{name}.git` the git server serves (test/fakes/gitHttpServer.ts):
   * GET /repos/{owner}/{name} answers each of them, its default branch its HEAD, as GitHub would;
   * a pull request's head commit is its branch's there, and whether it is mergeable is what
   * `git merge-tree` says of it and its base.
   */
  gitRoot?: string;
  /** Repositories whose settings do not allow auto-merge (`owner/repo`). */
  autoMergeDisallowed?: string[];
}

export interface FakeGitHub {
  url: string;
  /** The options it was started with; a test may change the hooks as it goes. */
  options: FakeGitHubOptions;
  pulls: FakePull[];
  requests: RecordedRequest[];
  /** Branches deleted through the API, `owner/repo:branch`. */
  deletedBranches: string[];
  /** How many POSTs to /pulls it answered with a new PR. */
  created(): number;
  /** A pull request as if someone had opened it on GitHub (seeds a test); the rest of its fields default. */
  addPull(pull: Pick<FakePull, 'owner' | 'repo' | 'head'> & Partial<FakePull>): FakePull;
  /** The pull request `owner/repo#number`. */
  pull(repositoryName: string, number: number): FakePull | undefined;
  /**
   * Answers the next request whose path starts with `prefix` with a secondary rate limit (403,
   * `retry-after`, default 1 s).
   */
  rateLimitNext(prefix: string, retryAfterSeconds?: number): void;
  /** How many requests it answered with a secondary rate limit. */
  rateLimited(): number;
  /** The App, with the installation tokens it issued (with `app`). */
  app?: FakeGitHubApp;
  /** Whether git over HTTP may use `token` (the personal token, or an installation token that reaches it) on `owner/repo`. */
  allowsGit(token: string, owner: string, repo: string): boolean;
  /** Requests to the job logs' short-lived addresses (another host, as GitHub's). */
  blobRequests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startFakeGitHub(options: FakeGitHubOptions): Promise<FakeGitHub> {
  const pulls: FakePull[] = [];
  const requests: RecordedRequest[] = [];
  let created = 0;
  let rateLimited = 0;
  let limitNext: { prefix: string; retryAfter: number } | undefined;
  const deletedBranches: string[] = [];
  let url = '';
  const repositories = options.repositories ?? [];
  const owners = new Set(repositories.map((repository) => ownerOf(repository).toLowerCase()));
  const login = options.login ?? 'cody-batch-bot';
  /** Job logs handed out at their short-lived addresses. */
  const logs = new Map<string, string>();
  let ids = 1_000;
  const users = new Set((options.users ?? []).map((user) => user.toLowerCase()));
  const app = options.app ? new FakeGitHubApp(options.app) : undefined;

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => send(response, 500, { message: String(error) }));
  });
  // Job logs' short-lived addresses: GitHub's are on another host, and take no token (a client
  // following the redirect drops its Authorization header there, as fetch does across origins).
  const blobRequests: RecordedRequest[] = [];
  const blobServer = createServer((request, response) => {
    const parsed = new URL(request.url ?? '/', 'http://localhost');
    blobRequests.push({
      method: request.method ?? '',
      path: parsed.pathname,
      authorization: request.headers.authorization,
    });
    const log = /^\/_logs\/([0-9a-f]+)$/.exec(parsed.pathname) && logs.get(parsed.pathname.slice('/_logs/'.length));
    if (request.method !== 'GET' || log === undefined || log === null)
      return send(response, 404, { message: 'Not Found' });
    response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    response.end(log);
  });
  let blobUrl = '';

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const parsed = recordRequest(requests, request);
    const auth = request.headers.authorization ?? '';
    if (app && isAppRoute(parsed.pathname)) {
      const body = request.method === 'POST' ? await readBody(request) : {};
      const answered = app.handle(request.method ?? 'GET', parsed.pathname, auth, body)!;
      return send(response, answered.status, answered.body);
    }
    let reach: string | undefined;
    if (auth !== `token ${options.token}` && auth !== `Bearer ${options.token}`) {
      const token = /^(?:token|bearer) (.+)$/i.exec(auth)?.[1] ?? '';
      const issued = app?.find(token);
      if (!issued || issued.expiresAt <= Date.now())
        return send(response, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
      const target = targetOf(parsed.pathname);
      if (target && app!.verdict(token, target.owner, target.repo) !== 'ok')
        return send(response, 403, { message: 'Resource not accessible by integration' });
      reach = issued.account;
    }
    if (limitNext !== undefined && parsed.pathname.startsWith(limitNext.prefix)) {
      const retryAfter = limitNext.retryAfter;
      limitNext = undefined;
      rateLimited++;
      return send(
        response,
        403,
        {
          message:
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.',
          documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
        },
        { 'retry-after': String(retryAfter) },
      );
    }
    if (request.method === 'POST' && parsed.pathname === '/graphql')
      return graphql(response, await readBody(request), reach);
    if (request.method === 'GET') {
      const listed = listing(parsed, reach);
      if (listed) return page(response, parsed, listed, request);
      const lifecycle = pullLifecycleGet(parsed.pathname);
      if (lifecycle) return sendWithETag(request, response, lifecycle.status, lifecycle.body);
      const followUp = followUpGet(parsed);
      if (followUp) {
        if (followUp.status === 302) {
          response.writeHead(302, { location: String(followUp.body) });
          response.end();
          return;
        }
        return sendWithETag(request, response, followUp.status, followUp.body);
      }
    }
    const action = await pullAction(request, parsed.pathname);
    if (action) return send(response, action.status, action.body);
    const extra = /^\/repos\/([^/]+)\/([^/]+)\/(issues|pulls)\/(\d+)\/(labels|requested_reviewers)$/.exec(
      parsed.pathname,
    );
    if (extra && request.method === 'POST') return shape(response, extra, await readBody(request));
    const match = /^\/repos\/([^/]+)\/([^/]+)\/pulls(?:\/(\d+))?$/.exec(parsed.pathname);
    if (!match) return send(response, 404, { message: 'Not Found' });
    const [, owner, repo, number] = match as unknown as [string, string, string, string | undefined];
    const body = await readBody(request);

    if (request.method === 'GET' && !number) {
      const state = parsed.searchParams.get('state') ?? 'open';
      const head = parsed.searchParams.get('head');
      const found = pulls.filter(
        (pull) =>
          pull.owner === owner &&
          pull.repo === repo &&
          (state === 'all' || pull.state === state) &&
          (!head || `${pull.owner}:${pull.head}` === head),
      );
      return sendWithETag(request, response, 200, found.map(view));
    }
    if (request.method === 'POST' && !number) {
      const missing = ['head', 'base', 'title'].filter((field) => typeof body[field] !== 'string' || !body[field]);
      if (missing.length)
        return send(response, 422, {
          message: 'Validation Failed',
          errors: missing.map((field) => ({ field, code: 'missing_field' })),
        });
      if (
        pulls.some(
          (pull) => pull.owner === owner && pull.repo === repo && pull.head === body.head && pull.state === 'open',
        )
      ) {
        return send(response, 422, {
          message: 'Validation Failed',
          errors: [
            {
              resource: 'PullRequest',
              code: 'custom',
              message: `A pull request already exists for ${owner}:${String(body.head)}.`,
            },
          ],
        });
      }
      const pull = newPull({
        owner,
        repo,
        head: String(body.head),
        base: String(body.base),
        title: String(body.title),
        body: String(body.body ?? ''),
        draft: body.draft === true,
      });
      created++;
      await options.afterCreate?.(pull);
      return send(response, 201, view(pull));
    }
    if (request.method === 'PATCH' && number) {
      const pull = pulls.find(
        (candidate) => candidate.owner === owner && candidate.repo === repo && candidate.number === Number(number),
      );
      if (!pull) return send(response, 404, { message: 'Not Found' });
      if (typeof body.title === 'string') pull.title = body.title;
      if (typeof body.body === 'string') pull.body = body.body;
      if (body.state === 'closed' && !pull.merged) pull.state = 'closed';
      if (body.state === 'open' && !pull.merged) pull.state = 'open';
      touch(pull);
      return send(response, 200, view(pull));
    }
    return send(response, 404, { message: 'Not Found' });
  }

  type Listing =
    | { status: 200; kind: 'list'; items: FakeRepository[] }
    | { status: 200; kind: 'search'; items: unknown[]; total: number; incomplete: boolean }
    | { status: number; body: unknown };

  /** The GET routes that list or find repositories; undefined for the others. */
  /** `reach`: the account an installation token reaches; a search with it sees that account's repositories only. */
  function listing(parsed: URL, reach?: string): Listing | undefined {
    const path = parsed.pathname;
    let match = /^\/(orgs|users)\/([^/]+)\/repos$/.exec(path);
    if (match) {
      const [, kind, owner] = match as unknown as [string, string, string];
      const known = owners.has(owner.toLowerCase()) || users.has(owner.toLowerCase());
      if (!known || (kind === 'orgs' && users.has(owner.toLowerCase()))) return notFound();
      const items = repositories.filter((repository) => ownerOf(repository).toLowerCase() === owner.toLowerCase());
      // Viewed a page at a time (in page()): a listing of 10,000 is read in 100 pages.
      return { status: 200, kind: 'list', items };
    }
    match = /^\/repos\/([^/]+)\/([^/]+)$/.exec(path);
    if (match) {
      const found =
        repositories.find(
          (repository) => repository.fullName.toLowerCase() === `${match![1]}/${match![2]}`.toLowerCase(),
        ) ?? (hostedHead(`${match[1]}/${match[2]}`) ? { fullName: `${match[1]}/${match[2]}` } : undefined);
      return found ? { status: 200, body: repositoryView(found) } : notFound();
    }
    if (path === '/search/repositories' || path === '/search/code') {
      const q = parsed.searchParams.get('q') ?? '';
      const terms = q.split(/\s+/).filter(Boolean);
      const qualifier = (name: string) =>
        terms.filter((term) => term.startsWith(`${name}:`)).map((term) => term.slice(name.length + 1).toLowerCase());
      const words = terms.filter((term) => !term.includes(':')).map((term) => term.toLowerCase());
      const scopes = [...qualifier('org'), ...qualifier('user')];
      const inScope = (repository: FakeRepository) =>
        (scopes.length === 0 || scopes.includes(ownerOf(repository).toLowerCase())) &&
        (!reach || ownerOf(repository).toLowerCase() === reach.toLowerCase()) &&
        qualifier('topic').every((topic) => (repository.topics ?? []).includes(topic));
      let items: unknown[];
      if (path === '/search/repositories') {
        items = repositories
          .filter(inScope)
          .filter((repository) => words.every((word) => repository.fullName.toLowerCase().includes(word)))
          .map(repositoryView);
      } else {
        items = repositories.filter(inScope).flatMap((repository) =>
          Object.entries(repository.files ?? {})
            .filter(([, content]) => words.every((word) => content.toLowerCase().includes(word)))
            .map(([filePath]) => ({
              name: filePath.split('/').pop(),
              path: filePath,
              // Code search's repositories are minimal: no archived flag, size or topics.
              repository: { full_name: repository.fullName, name: nameOf(repository), fork: repository.fork ?? false },
            })),
        );
      }
      return {
        status: 200,
        kind: 'search',
        items,
        total: options.searchTotals?.[q] ?? items.length,
        incomplete: options.incompleteSearches?.includes(q) ?? false,
      };
    }
    return undefined;
  }

  function notFound(): Listing {
    return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };
  }

  /** One page of a listing, with GitHub's Link header to the next and last pages. */
  function page(response: ServerResponse, parsed: URL, listed: Listing, request: IncomingMessage) {
    if (!('kind' in listed)) return sendWithETag(request, response, listed.status, listed.body);
    const perPage = Math.min(Number(parsed.searchParams.get('per_page') ?? 30), options.pageSize ?? 100);
    const number = Math.max(1, Number(parsed.searchParams.get('page') ?? 1));
    const last = Math.max(1, Math.ceil(listed.items.length / perPage));
    const items = listed.items.slice((number - 1) * perPage, number * perPage);
    const link = (target: number) => {
      const next = new URL(parsed.pathname + parsed.search, url);
      next.searchParams.set('page', String(target));
      return `<${next.toString()}>`;
    };
    const links: string[] = [];
    if (number < last) links.push(`${link(number + 1)}; rel="next"`, `${link(last)}; rel="last"`);
    if (number > 1) links.push(`${link(1)}; rel="first"`, `${link(number - 1)}; rel="prev"`);
    const headers: Record<string, string> = links.length ? { link: links.join(', ') } : {};
    if (listed.kind === 'list')
      return sendWithETag(request, response, 200, (items as FakeRepository[]).map(repositoryView), headers);
    return sendWithETag(
      request,
      response,
      200,
      { total_count: listed.total, incomplete_results: listed.incomplete, items },
      headers,
    );
  }

  /** Labels on a pull request, and requested reviewers. */
  function shape(response: ServerResponse, match: RegExpExecArray, body: Record<string, unknown>) {
    const [, owner, repo, , number, what] = match as unknown as [string, string, string, string, string, string];
    const pull = pulls.find(
      (candidate) => candidate.owner === owner && candidate.repo === repo && candidate.number === Number(number),
    );
    if (!pull) return send(response, 404, { message: 'Not Found' });
    if (what === 'labels') {
      const labels = Array.isArray(body.labels) ? body.labels.map(String) : [];
      pull.labels = [...new Set([...pull.labels, ...labels])];
      return send(
        response,
        200,
        pull.labels.map((name) => ({ name })),
      );
    }
    const reviewers = Array.isArray(body.reviewers) ? body.reviewers.map(String) : [];
    const teams = Array.isArray(body.team_reviewers) ? body.team_reviewers.map(String) : [];
    const refused = [...reviewers, ...teams].filter(
      (name) => options.collaborators !== undefined && !options.collaborators.includes(name),
    );
    if (refused.length) {
      return send(response, 422, {
        message: `Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ${owner}/${repo} repository.`,
        documentation_url: 'https://docs.github.com/rest/pulls/review-requests#request-reviewers-for-a-pull-request',
      });
    }
    pull.reviewers = [...new Set([...pull.reviewers, ...reviewers])];
    pull.teamReviewers = [...new Set([...pull.teamReviewers, ...teams])];
    return send(response, 201, view(pull));
  }

  function newPull(fields: Pick<FakePull, 'owner' | 'repo' | 'head'> & Partial<FakePull>): FakePull {
    const number = pulls.length + 1;
    const pull: FakePull = {
      number,
      base: 'main',
      title: `Pull request ${number}`,
      body: '',
      draft: false,
      state: 'open',
      html_url: `${url}/${fields.owner}/${fields.repo}/pull/${number}`,
      labels: [],
      reviewers: [],
      teamReviewers: [],
      merged: false,
      mergeable: true,
      headSha: createHash('sha1').update(`${fields.owner}/${fields.repo}#${number}`).digest('hex'),
      checkRuns: [],
      statuses: [],
      reviews: [],
      comments: [],
      reviewComments: [],
      reviewRequired: false,
      updatedAt: new Date().toISOString(),
      ...fields,
    };
    pulls.push(pull);
    return pull;
  }

  function findPull(owner: string, repo: string, number: number): FakePull | undefined {
    return pulls.find(
      (candidate) =>
        candidate.owner.toLowerCase() === owner.toLowerCase() &&
        candidate.repo.toLowerCase() === repo.toLowerCase() &&
        candidate.number === number,
    );
  }

  /** GETs of one pull request, its reviews, and its head commit's check runs and status. */
  function pullLifecycleGet(path: string): { status: number; body: unknown } | undefined {
    let match = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)(\/reviews)?$/.exec(path);
    if (match) {
      const pull = findPull(match[1]!, match[2]!, Number(match[3]));
      if (!pull) return { status: 404, body: { message: 'Not Found' } };
      if (match[4]) return { status: 200, body: pull.reviews.map((review, index) => reviewView(pull, review, index)) };
      return { status: 200, body: view(pull) };
    }
    match = /^\/repos\/([^/]+)\/([^/]+)\/commits\/([^/]+)\/(check-runs|status)$/.exec(path);
    if (match) {
      const sha = match[3]!;
      const pull = pulls.find(
        (candidate) => candidate.owner === match![1] && candidate.repo === match![2] && headOf(candidate) === sha,
      );
      const runs = pull ? checkRunsOf(pull, sha) : [];
      const statuses = pull ? statusesOf(pull, sha) : [];
      if (match[4] === 'check-runs')
        return {
          status: 200,
          body: { total_count: runs.length, check_runs: runs.map((run) => checkRunView(pull!, run, sha)) },
        };
      return {
        status: 200,
        body: {
          state: combinedState(statuses),
          sha,
          total_count: statuses.length,
          statuses: statuses.map((status, index) => ({
            id: index + 1,
            context: status.context,
            state: status.state,
            description: status.description ?? null,
            target_url: status.target_url ?? null,
          })),
        },
      };
    }
    return undefined;
  }

  /** What a follow-up reads: annotations, job logs, review comments, conversation comments, one comment. */
  function followUpGet(parsed: URL): { status: number; body: unknown } | undefined {
    const path = parsed.pathname;
    let match = /^\/repos\/([^/]+)\/([^/]+)\/check-runs\/(\d+)\/annotations$/.exec(path);
    if (match) {
      const found = checkRunById(match[1]!, match[2]!, Number(match[3]));
      if (!found) return { status: 404, body: { message: 'Not Found' } };
      return {
        status: 200,
        body: (found.run.annotations ?? []).map((annotation) => ({
          path: annotation.path,
          start_line: annotation.start_line,
          end_line: annotation.end_line ?? annotation.start_line,
          start_column: null,
          end_column: null,
          annotation_level: annotation.annotation_level,
          title: annotation.title ?? null,
          message: annotation.message,
          raw_details: null,
          blob_href: `${url}/${match![1]}/${match![2]}/blob/${headOf(found.pull)}/${annotation.path}`,
        })),
      };
    }
    match = /^\/repos\/([^/]+)\/([^/]+)\/actions\/jobs\/(\d+)\/logs$/.exec(path);
    if (match) {
      const found = checkRunById(match[1]!, match[2]!, Number(match[3]));
      if (!found || (found.run.app ?? 'github-actions') !== 'github-actions' || found.run.log === undefined)
        return { status: 404, body: { message: 'Not Found' } };
      const key = createHash('sha1').update(`${Math.random()}`).digest('hex');
      logs.set(key, found.run.log);
      return { status: 302, body: `${blobUrl}/_logs/${key}` };
    }
    match = /^\/repos\/([^/]+)\/([^/]+)\/(pulls|issues)\/(\d+)\/comments$/.exec(path);
    if (match) {
      const pull = findPull(match[1]!, match[2]!, Number(match[4]));
      if (!pull) return { status: 404, body: { message: 'Not Found' } };
      if (match[3] === 'pulls')
        return { status: 200, body: pull.reviewComments.map((c) => reviewCommentView(pull, c)) };
      const since = parsed.searchParams.get('since');
      return {
        status: 200,
        body: pull.comments
          .map((comment) => commentView(pull, comment))
          .filter((comment) => !since || comment.updated_at >= since),
      };
    }
    match = /^\/repos\/([^/]+)\/([^/]+)\/(pulls|issues)\/comments\/(\d+)$/.exec(path);
    if (match) {
      const id = Number(match[4]);
      for (const pull of pulls) {
        if (pull.owner.toLowerCase() !== match[1]!.toLowerCase() || pull.repo.toLowerCase() !== match[2]!.toLowerCase())
          continue;
        const found =
          match[3] === 'issues'
            ? pull.comments.find((comment) => idOf(comment) === id)
            : pull.reviewComments.find((comment) => idOf(comment) === id);
        if (found)
          return {
            status: 200,
            body:
              match[3] === 'issues'
                ? commentView(pull, found as FakeComment)
                : reviewCommentView(pull, found as FakeReviewComment),
          };
      }
      return { status: 404, body: { message: 'Not Found' } };
    }
    match = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)\/reviews\/(\d+)$/.exec(path);
    if (match) {
      const pull = findPull(match[1]!, match[2]!, Number(match[3]));
      const index = Number(match[4]) - 1;
      const review = pull?.reviews[index];
      if (!pull || !review) return { status: 404, body: { message: 'Not Found' } };
      return { status: 200, body: reviewView(pull, review, index) };
    }
    return undefined;
  }

  /** A pull request's head commit: its branch's in the bare repository, when the fake has them. */
  function headOf(pull: FakePull): string {
    if (!options.gitRoot) return pull.headSha;
    const sha = revParse(pull.owner, pull.repo, `refs/heads/${pull.head}`);
    return sha ?? pull.headSha;
  }

  /** GitHub's mergeable: with the bare repositories, whether the head merges into its base cleanly. */
  function mergeableOf(pull: FakePull): boolean | null {
    if (!options.gitRoot || pull.merged || pull.state === 'closed') return pull.mergeable;
    const bare = bareOf(pull.owner, pull.repo);
    try {
      execFileSync('git', ['--git-dir', bare, 'merge-tree', '--write-tree', pull.base, pull.head], {
        env: gitEnv(),
        stdio: 'ignore',
      });
      return true;
    } catch (error) {
      // merge-tree exits 1 on conflicts; anything else is the fake's own trouble.
      if ((error as { status?: number }).status === 1) return false;
      return pull.mergeable;
    }
  }

  function revParse(owner: string, repo: string, ref: string): string | undefined {
    try {
      return execFileSync('git', ['--git-dir', bareOf(owner, repo), 'rev-parse', '--verify', '-q', ref], {
        env: gitEnv(),
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    } catch {
      return undefined;
    }
  }

  function bareOf(owner: string, repo: string): string {
    return join(options.gitRoot!, owner, `${repo}.git`);
  }

  function checkRunsOf(pull: FakePull, sha = headOf(pull)): FakeCheckRun[] {
    return pull.checkRuns.filter((run) => run.sha === undefined || run.sha === sha);
  }

  function statusesOf(pull: FakePull, sha = headOf(pull)): FakeStatus[] {
    return pull.statuses.filter((status) => status.sha === undefined || status.sha === sha);
  }

  /** Check run ids: the pull request's number, then its index (a stable id per run). */
  function checkRunId(pull: FakePull, run: FakeCheckRun): number {
    return pull.number * 1_000 + pull.checkRuns.indexOf(run) + 1;
  }

  function checkRunById(owner: string, repo: string, id: number): { pull: FakePull; run: FakeCheckRun } | undefined {
    const pull = findPull(owner, repo, Math.floor(id / 1_000));
    const run = pull?.checkRuns[(id % 1_000) - 1];
    return pull && run ? { pull, run } : undefined;
  }

  function checkRunView(pull: FakePull, run: FakeCheckRun, sha: string) {
    const id = checkRunId(pull, run);
    const app = run.app ?? 'github-actions';
    return {
      id,
      node_id: `CR_${id}`,
      head_sha: sha,
      name: run.name,
      status: run.status,
      conclusion: run.conclusion ?? null,
      html_url: `${url}/${pull.owner}/${pull.repo}/runs/${id}`,
      details_url:
        app === 'github-actions'
          ? `${url}/${pull.owner}/${pull.repo}/actions/runs/${pull.number}/job/${id}`
          : `https://ci.example.com/${id}`,
      output: {
        title: run.output?.title ?? null,
        summary: run.output?.summary ?? null,
        text: run.output?.text ?? null,
        annotations_count: run.annotations?.length ?? 0,
        annotations_url: `${url}/repos/${pull.owner}/${pull.repo}/check-runs/${id}/annotations`,
      },
      app: { id: app === 'github-actions' ? 15368 : 1, slug: app, name: app },
      pull_requests: [],
    };
  }

  function idOf(item: { id?: number }): number {
    item.id ??= ++ids;
    return item.id;
  }

  /** What GitHub answers alike for a comment and a review comment: its id, body, times and link (`#<anchor><id>`). */
  function commentFields(pull: FakePull, comment: FakeComment | FakeReviewComment, anchor: string) {
    const id = idOf(comment);
    const at = comment.createdAt ?? pull.updatedAt;
    return { id, body: comment.body, created_at: at, updated_at: at, html_url: `${pull.html_url}#${anchor}${id}` };
  }

  function commentView(pull: FakePull, comment: FakeComment) {
    return {
      ...commentFields(pull, comment, 'issuecomment-'),
      user: { login: comment.user, type: comment.user.endsWith('[bot]') ? 'Bot' : 'User' },
    };
  }

  function reviewCommentView(pull: FakePull, comment: FakeReviewComment) {
    return {
      ...commentFields(pull, comment, 'discussion_r'),
      path: comment.path,
      line: comment.line,
      original_line: comment.line,
      side: 'RIGHT',
      diff_hunk: comment.diffHunk ?? `@@ -${comment.line},1 +${comment.line},1 @@`,
      user: { login: comment.user, type: 'User' },
      pull_request_review_id: null,
    };
  }

  function reviewView(pull: FakePull, review: FakeReview, index: number) {
    return {
      id: index + 1,
      user: { login: review.user },
      state: review.state,
      body: review.body ?? '',
      submitted_at: review.submittedAt ?? pull.updatedAt,
      html_url: `${pull.html_url}#pullrequestreview-${index + 1}`,
    };
  }

  /** Merge, comment and branch deletion; undefined for other routes. */
  async function pullAction(
    request: IncomingMessage,
    path: string,
  ): Promise<{ status: number; body: unknown } | undefined> {
    let match = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)\/merge$/.exec(path);
    if (match && request.method === 'PUT') {
      const body = await readBody(request);
      const pull = findPull(match[1]!, match[2]!, Number(match[3]));
      if (!pull) return { status: 404, body: { message: 'Not Found' } };
      options.beforeMerge?.(pull);
      if (pull.merged || pull.state === 'closed' || pull.draft || mergeableOf(pull) !== true)
        return { status: 405, body: { message: 'Pull Request is not mergeable' } };
      if (typeof body.sha === 'string' && body.sha !== headOf(pull))
        return { status: 409, body: { message: 'Head branch was modified. Review and try the merge again.' } };
      pull.merged = true;
      pull.state = 'closed';
      pull.mergeMethod = typeof body.merge_method === 'string' ? body.merge_method : 'merge';
      touch(pull);
      return { status: 200, body: { sha: createHash('sha1').update(headOf(pull)).digest('hex'), merged: true } };
    }
    match = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(path);
    if (match && request.method === 'POST') {
      const body = await readBody(request);
      const pull = findPull(match[1]!, match[2]!, Number(match[3]));
      if (!pull) return { status: 404, body: { message: 'Not Found' } };
      if (typeof body.body !== 'string' || !body.body)
        return { status: 422, body: { message: 'Validation Failed', errors: [{ field: 'body', code: 'missing' }] } };
      await options.beforeComment?.(pull);
      const comment: FakeComment = { id: ++ids, user: login, body: body.body, createdAt: new Date().toISOString() };
      pull.comments.push(comment);
      touch(pull);
      return { status: 201, body: commentView(pull, comment) };
    }
    match = /^\/repos\/([^/]+)\/([^/]+)\/git\/refs\/(.+)$/.exec(path);
    if (match && request.method === 'DELETE') {
      // Octokit sends the ref as one encoded segment (heads%2Fbranch), as GitHub accepts it.
      const ref = decodeURIComponent(match[3]!);
      if (!ref.startsWith('heads/')) return { status: 422, body: { message: 'Reference does not exist' } };
      deletedBranches.push(`${match[1]}/${match[2]}:${ref.slice('heads/'.length)}`);
      return { status: 204, body: '' };
    }
    return undefined;
  }

  /** The GraphQL shapes the code host sends, answered as GitHub would. */
  function graphql(response: ServerResponse, body: Record<string, unknown>, reach?: string) {
    const query = typeof body.query === 'string' ? body.query : '';
    const variables = (body.variables ?? {}) as Record<string, unknown>;
    // An installation token sees its own account's repositories only.
    const outside = Object.entries(variables).filter(
      ([name, value]) => reach && /^o\d+$/.test(name) && String(value).toLowerCase() !== reach.toLowerCase(),
    );
    if (outside.length)
      return send(response, 200, {
        errors: [{ type: 'FORBIDDEN', message: `Resource not accessible by integration: ${String(outside[0]![1])}` }],
      });
    if (query.startsWith('mutation(') && query.includes('enablePullRequestAutoMerge('))
      return send(response, 200, enableAutoMerge(variables));
    if (query === 'query { viewer { login } }') return send(response, 200, { data: { viewer: { login } } });
    const node =
      /^query\(\$owner: String!, \$name: String!, \$number: Int!\) \{ repository\(owner: \$owner, name: \$name\) \{ pullRequest\(number: \$number\) \{ id \} \} \}$/;
    if (node.test(query)) {
      const pull = findPull(String(variables.owner), String(variables.name), Number(variables.number));
      return send(response, 200, { data: { repository: { pullRequest: pull ? { id: nodeIdOf(pull) } : null } } });
    }
    const data: Record<string, unknown> = {};
    const errors: unknown[] = [];
    const selection = /(\w+): repository\(owner: \$(\w+), name: \$(\w+)\) \{ pullRequest\(number: \$(\w+)\) \{/g;
    for (const match of query.matchAll(selection)) {
      const [, alias, ownerVar, nameVar, numberVar] = match as unknown as [string, string, string, string, string];
      const owner = String(variables[ownerVar]);
      const name = String(variables[nameVar]);
      const pull = findPull(owner, name, Number(variables[numberVar]));
      if (!pull) {
        data[alias] = repositories.length === 0 || knownRepository(owner, name) ? { pullRequest: null } : null;
        errors.push({
          type: 'NOT_FOUND',
          path: [alias, 'pullRequest'],
          message: `Could not resolve to a PullRequest with the number of ${String(variables[numberVar])}.`,
        });
        continue;
      }
      data[alias] = { pullRequest: graphView(pull) };
    }
    if (!query.startsWith('query(') || Object.keys(data).length === 0)
      return send(response, 200, { errors: [{ message: 'Parse error: the fake knows its query shapes only' }] });
    if (/^query\([^)]*\) \{ viewer \{ login \}/.test(query)) data.viewer = { login };
    return send(response, 200, errors.length ? { data, errors } : { data });
  }

  function nodeIdOf(pull: FakePull): string {
    return `PR_${Buffer.from(`${pull.owner}/${pull.repo}#${pull.number}`).toString('base64url')}`;
  }

  /** `enablePullRequestAutoMerge`, refused where GitHub refuses it. */
  function enableAutoMerge(variables: Record<string, unknown>) {
    const pull = pulls.find((candidate) => nodeIdOf(candidate) === variables.id);
    const refuse = (type: string, message: string) => ({
      data: { enablePullRequestAutoMerge: null },
      errors: [{ type, path: ['enablePullRequestAutoMerge'], locations: [{ line: 1, column: 90 }], message }],
    });
    if (!pull)
      return refuse('NOT_FOUND', `Could not resolve to a node with the global id of '${String(variables.id)}'`);
    if (options.autoMergeDisallowed?.includes(`${pull.owner}/${pull.repo}`))
      return refuse('UNPROCESSABLE', 'Pull request Auto merge is not allowed for this repository');
    if (pull.merged || pull.state === 'closed') return refuse('UNPROCESSABLE', 'Pull request Pull request is closed');
    if (pull.draft) return refuse('UNPROCESSABLE', 'Pull request Pull request is in draft state');
    if (typeof variables.head === 'string' && variables.head !== headOf(pull))
      return refuse('UNPROCESSABLE', "Pull request The pull request's head has changed since it was last seen");
    const checks = rollup(pull, checkRunsOf(pull), statusesOf(pull));
    const decision = reviewDecision(pull);
    const waiting = checks === 'PENDING' || decision === 'REVIEW_REQUIRED' || decision === 'CHANGES_REQUESTED';
    const mergeable = mergeableOf(pull);
    if (!waiting && mergeable === true && checks !== 'FAILURE')
      return refuse('UNPROCESSABLE', 'Pull request Pull request is in clean status');
    if (!waiting && mergeable === true)
      return refuse('UNPROCESSABLE', 'Pull request Pull request is in unstable status');
    const method = String(variables.mergeMethod) as 'MERGE' | 'SQUASH' | 'REBASE';
    pull.autoMerge = { mergeMethod: method, enabledAt: new Date().toISOString() };
    touch(pull);
    return {
      data: {
        enablePullRequestAutoMerge: {
          pullRequest: { autoMergeRequest: { enabledAt: pull.autoMerge.enabledAt, mergeMethod: method } },
        },
      },
    };
  }

  /** A pull request as the status query selects it. */
  function graphView(pull: FakePull) {
    const state = rollup(pull, checkRunsOf(pull), statusesOf(pull));
    const mergeable = mergeableOf(pull);
    const timeline = [
      ...pull.comments.map((comment) => ({
        __typename: 'IssueComment',
        createdAt: comment.createdAt ?? pull.updatedAt,
        author: { login: comment.user },
      })),
      ...pull.reviews.map((review) => ({
        __typename: 'PullRequestReview',
        submittedAt: review.submittedAt ?? pull.updatedAt,
        author: { login: review.user },
      })),
      // A review comment outside a review is a review of its own on GitHub.
      ...pull.reviewComments.map((comment) => ({
        __typename: 'PullRequestReview',
        submittedAt: comment.createdAt ?? pull.updatedAt,
        author: { login: comment.user },
      })),
    ]
      .sort((a, b) =>
        ('createdAt' in a ? a.createdAt : a.submittedAt).localeCompare('createdAt' in b ? b.createdAt : b.submittedAt),
      )
      .slice(-10);
    return {
      number: pull.number,
      url: pull.html_url,
      state: pull.merged ? 'MERGED' : pull.state === 'closed' ? 'CLOSED' : 'OPEN',
      isDraft: pull.draft,
      mergeable: mergeable === true ? 'MERGEABLE' : mergeable === false ? 'CONFLICTING' : 'UNKNOWN',
      reviewDecision: reviewDecision(pull),
      updatedAt: pull.updatedAt,
      headRefOid: headOf(pull),
      headRefName: pull.head,
      baseRefName: pull.base,
      commits: { nodes: [{ commit: { statusCheckRollup: state ? { state } : null } }] },
      autoMergeRequest: pull.autoMerge
        ? { enabledAt: pull.autoMerge.enabledAt, mergeMethod: pull.autoMerge.mergeMethod }
        : null,
      timelineItems: { nodes: timeline },
    };
  }

  function view(pull: FakePull) {
    return {
      number: pull.number,
      node_id: nodeIdOf(pull),
      html_url: pull.html_url,
      state: pull.state,
      merged: pull.merged,
      mergeable: mergeableOf(pull),
      updated_at: pull.updatedAt,
      title: pull.title,
      body: pull.body,
      draft: pull.draft,
      labels: pull.labels.map((name) => ({ name })),
      requested_reviewers: pull.reviewers.map((reviewer) => ({ login: reviewer })),
      requested_teams: pull.teamReviewers.map((slug) => ({ slug })),
      head: { ref: pull.head, label: `${pull.owner}:${pull.head}`, sha: headOf(pull) },
      base: { ref: pull.base },
      auto_merge: pull.autoMerge
        ? {
            merge_method: pull.autoMerge.mergeMethod.toLowerCase(),
            enabled_by: { login },
            commit_title: null,
            commit_message: null,
          }
        : null,
    };
  }

  function knownRepository(owner: string, name: string): boolean {
    return repositories.some((repository) => repository.fullName.toLowerCase() === `${owner}/${name}`.toLowerCase());
  }

  /** The branch HEAD names in the hosted bare repository, if `gitRoot` has it. */
  function hostedHead(fullName: string): string | undefined {
    if (!options.gitRoot || !/^[\w.-]+\/[\w.-]+$/.test(fullName)) return undefined;
    try {
      const head = readFileSync(path.join(options.gitRoot, `${fullName}.git`, 'HEAD'), 'utf8');
      return /^ref: refs\/heads\/(.+)\n?$/.exec(head)?.[1];
    } catch {
      return undefined;
    }
  }

  function repositoryView(repository: FakeRepository) {
    return {
      id: repositories.indexOf(repository) + 1,
      name: nameOf(repository),
      full_name: repository.fullName,
      owner: {
        login: ownerOf(repository),
        type: users.has(ownerOf(repository).toLowerCase()) ? 'User' : 'Organization',
      },
      private: false,
      html_url: `${url}/${repository.fullName}`,
      default_branch: repository.defaultBranch ?? hostedHead(repository.fullName) ?? 'main',
      archived: repository.archived ?? false,
      fork: repository.fork ?? false,
      size: repository.size ?? 12,
      topics: repository.topics ?? [],
    };
  }

  url = await listenOnLoopback(server);
  blobUrl = await listenOnLoopback(blobServer);
  return {
    url,
    options,
    pulls,
    requests,
    deletedBranches,
    created: () => created,
    addPull: (pull) => newPull(pull),
    pull: (repositoryName, number) => {
      const [owner, repo] = repositoryName.split('/') as [string, string];
      return findPull(owner, repo, number);
    },
    rateLimitNext: (prefix, retryAfterSeconds = 1) => {
      limitNext = { prefix, retryAfter: retryAfterSeconds };
    },
    rateLimited: () => rateLimited,
    app,
    allowsGit: (token, owner, repo) => token === options.token || app?.verdict(token, owner, repo) === 'ok',
    blobRequests,
    close: async () => {
      await new Promise<void>((resolve) => {
        blobServer.close(() => resolve());
        blobServer.closeAllConnections();
      });
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function touch(pull: FakePull): void {
  pull.updatedAt = new Date().toISOString();
}

/** GitHub's combined status: failure if any failed, pending if any is, success if all succeeded. */
function combinedState(statuses: FakeStatus[]): 'failure' | 'pending' | 'success' {
  if (statuses.some((status) => status.state === 'failure' || status.state === 'error')) return 'failure';
  if (statuses.length === 0 || statuses.some((status) => status.state === 'pending')) return 'pending';
  return 'success';
}

/** GitHub's statusCheckRollup of the head's check runs and commit statuses together; null when there are none. */
function rollup(_pull: FakePull, checkRuns: FakeCheckRun[], statuses: FakeStatus[]): string | null {
  if (checkRuns.length === 0 && statuses.length === 0) return null;
  const failed =
    checkRuns.some(
      (run) =>
        run.status === 'completed' &&
        (run.conclusion === 'failure' || run.conclusion === 'cancelled' || run.conclusion === 'timed_out'),
    ) || statuses.some((status) => status.state === 'failure' || status.state === 'error');
  if (failed) return 'FAILURE';
  if (checkRuns.some((run) => run.status !== 'completed') || statuses.some((s) => s.state === 'pending'))
    return 'PENDING';
  return 'SUCCESS';
}

/** git for the fake's own look into the bare repositories: no user or system config. */
function gitEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C' };
}

/** GitHub's reviewDecision: each reviewer's latest verdict counts. */
function reviewDecision(pull: FakePull): string | null {
  const latest = new Map<string, FakeReview['state']>();
  for (const review of pull.reviews) if (review.state !== 'COMMENTED') latest.set(review.user, review.state);
  const verdicts = [...latest.values()];
  if (verdicts.includes('CHANGES_REQUESTED')) return 'CHANGES_REQUESTED';
  if (verdicts.includes('APPROVED')) return 'APPROVED';
  return pull.reviewRequired ? 'REVIEW_REQUIRED' : null;
}

/** The account (and repository) a REST path acts on, for an installation token's reach. */
function targetOf(path: string): { owner: string; repo?: string } | undefined {
  const repository = /^\/repos\/([^/]+)\/([^/]+)/.exec(path);
  if (repository) return { owner: repository[1]!, repo: repository[2]! };
  const account = /^\/(?:orgs|users)\/([^/]+)\//.exec(path);
  return account ? { owner: account[1]! } : undefined;
}

async function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  if (!chunks.length) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function ownerOf(repository: FakeRepository): string {
  return repository.fullName.split('/')[0]!;
}

function nameOf(repository: FakeRepository): string {
  return repository.fullName.split('/')[1]!;
}

/** A GET's answer with its ETag, or 304 when the client already holds that version. */
function sendWithETag(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const etag = `"${createHash('sha1').update(JSON.stringify(body)).digest('hex')}"`;
  if (status === 200 && request.headers['if-none-match'] === etag) {
    response.writeHead(304, { etag, ...headers });
    response.end();
    return;
  }
  send(response, status, body, status === 200 ? { etag, ...headers } : headers);
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  response.end(JSON.stringify(body));
}
