import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A loopback server speaking the part of GitHub's REST API the worker uses for pull requests:
// list pulls by head, create, update. It checks the token like GitHub does and answers a second
// PR for the same head with GitHub's 422. Driven through the real Octokit (`baseUrl`).

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
}

export interface FakeGitHub {
  url: string;
  pulls: FakePull[];
  requests: RecordedRequest[];
  /** How many POSTs to /pulls it answered with a new PR. */
  created(): number;
  close(): Promise<void>;
}

export async function startFakeGitHub(options: FakeGitHubOptions): Promise<FakeGitHub> {
  const pulls: FakePull[] = [];
  const requests: RecordedRequest[] = [];
  let created = 0;
  let url = '';

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

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    pulls,
    requests,
    created: () => created,
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

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}
