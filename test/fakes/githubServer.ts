import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A loopback server speaking the parts of GitHub's REST API Cody Batch uses, driven through the
// real Octokit (`baseUrl`):
// - pull requests: list by head, create, update, labels, requested reviewers (a reviewer who is not
//   a collaborator gets GitHub's 422); a second PR for the same head gets GitHub's 422;
// - repositories: an organisation's and a user's, one repository, repository search (`topic:`,
//   `org:`/`user:`, words in the name) and code search (words in a file), all with `Link`
//   pagination, and GitHub's search limits: `total_count` over 1,000 and `incomplete_results`;
// - a secondary rate limit on demand (403 with `retry-after: 1`).
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
}

export interface RecordedRequest {
  method: string;
  path: string;
  authorization?: string;
}

export interface FakeGitHubOptions {
  /** The only token it accepts. */
  token: string;
  /** Runs after a PR is stored and before the answer is sent (a test may hold it there). */
  afterCreate?: (pull: FakePull) => Promise<void>;
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
}

export interface FakeGitHub {
  url: string;
  pulls: FakePull[];
  requests: RecordedRequest[];
  /** How many POSTs to /pulls it answered with a new PR. */
  created(): number;
  /** Answers the next request whose path starts with `prefix` with a secondary rate limit (403, retry-after: 1). */
  rateLimitNext(prefix: string): void;
  /** How many requests it answered with a secondary rate limit. */
  rateLimited(): number;
  close(): Promise<void>;
}

export async function startFakeGitHub(options: FakeGitHubOptions): Promise<FakeGitHub> {
  const pulls: FakePull[] = [];
  const requests: RecordedRequest[] = [];
  let created = 0;
  let rateLimited = 0;
  let limitNext: string | undefined;
  let url = '';
  const repositories = options.repositories ?? [];
  const owners = new Set(repositories.map((repository) => ownerOf(repository).toLowerCase()));
  const users = new Set((options.users ?? []).map((user) => user.toLowerCase()));

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => send(response, 500, { message: String(error) }));
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const parsed = new URL(request.url ?? '/', 'http://localhost');
    requests.push({
      method: request.method ?? '',
      path: parsed.pathname + parsed.search,
      authorization: request.headers.authorization,
    });
    const auth = request.headers.authorization ?? '';
    if (auth !== `token ${options.token}` && auth !== `Bearer ${options.token}`) {
      return send(response, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    }
    if (limitNext !== undefined && parsed.pathname.startsWith(limitNext)) {
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
        { 'retry-after': '1' },
      );
    }
    if (request.method === 'GET') {
      const listed = listing(parsed);
      if (listed) return page(response, parsed, listed);
    }
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
      return send(response, 200, found.map(view));
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
      const pull: FakePull = {
        number: pulls.length + 1,
        owner,
        repo,
        head: String(body.head),
        base: String(body.base),
        title: String(body.title),
        body: String(body.body ?? ''),
        draft: body.draft === true,
        state: 'open',
        html_url: `${url}/${owner}/${repo}/pull/${pulls.length + 1}`,
        labels: [],
        reviewers: [],
        teamReviewers: [],
      };
      pulls.push(pull);
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
      return send(response, 200, view(pull));
    }
    return send(response, 404, { message: 'Not Found' });
  }

  type Listing =
    | { status: 200; kind: 'list'; items: unknown[] }
    | { status: 200; kind: 'search'; items: unknown[]; total: number; incomplete: boolean }
    | { status: number; body: unknown };

  /** The GET routes that list or find repositories; undefined for the others. */
  function listing(parsed: URL): Listing | undefined {
    const path = parsed.pathname;
    let match = /^\/(orgs|users)\/([^/]+)\/repos$/.exec(path);
    if (match) {
      const [, kind, owner] = match as unknown as [string, string, string];
      const known = owners.has(owner.toLowerCase()) || users.has(owner.toLowerCase());
      if (!known || (kind === 'orgs' && users.has(owner.toLowerCase()))) return notFound();
      const items = repositories.filter((repository) => ownerOf(repository).toLowerCase() === owner.toLowerCase());
      return { status: 200, kind: 'list', items: items.map(repositoryView) };
    }
    match = /^\/repos\/([^/]+)\/([^/]+)$/.exec(path);
    if (match) {
      const found = repositories.find(
        (repository) => repository.fullName.toLowerCase() === `${match![1]}/${match![2]}`.toLowerCase(),
      );
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
  function page(response: ServerResponse, parsed: URL, listed: Listing) {
    if (!('kind' in listed)) return send(response, listed.status, listed.body);
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
    if (listed.kind === 'list') return send(response, 200, items, headers);
    return send(response, 200, { total_count: listed.total, incomplete_results: listed.incomplete, items }, headers);
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
      default_branch: 'main',
      archived: repository.archived ?? false,
      fork: repository.fork ?? false,
      size: repository.size ?? 12,
      topics: repository.topics ?? [],
    };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    pulls,
    requests,
    created: () => created,
    rateLimitNext: (prefix) => {
      limitNext = prefix;
    },
    rateLimited: () => rateLimited,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function view(pull: FakePull) {
  return {
    number: pull.number,
    html_url: pull.html_url,
    state: pull.state,
    title: pull.title,
    body: pull.body,
    draft: pull.draft,
    labels: pull.labels.map((name) => ({ name })),
    requested_reviewers: pull.reviewers.map((login) => ({ login })),
    head: { ref: pull.head, label: `${pull.owner}:${pull.head}` },
    base: { ref: pull.base },
  };
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

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  response.end(JSON.stringify(body));
}
