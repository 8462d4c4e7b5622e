import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// Git's smart HTTP protocol on 127.0.0.1, served by the real `git http-backend` over bare
// repositories, behind the token check GitHub does: `Authorization: Basic x-access-token:TOKEN`.
// It proves the worker authenticates clone and push with a header, and records what it was sent.

export interface GitHttpServer {
  /** `http://127.0.0.1:port/{owner}/{name}.git`, for CODY_BATCH_GIT_BASE. */
  gitBase: string;
  /** The request lines, whether each was authorized, and the token (the Basic password) it carried. */
  requests: { method: string; path: string; authorized: boolean; token?: string }[];
  close(): Promise<void>;
}

export interface GitHttpServerOptions {
  root: string;
  /** The token it takes as `x-access-token`'s password. */
  token: string;
  /** Or who decides: a token and the repository it is used on (a GitHub App's installation tokens). */
  allows?: (token: string, owner: string, repo: string) => boolean;
  /** Awaited before an authorized request is served: a test may hold a push while it looks around. */
  beforeServing?(request: { method: string; path: string }): Promise<void> | void;
}

export async function startGitHttpServer(options: GitHttpServerOptions): Promise<GitHttpServer> {
  const requests: GitHttpServer['requests'] = [];
  const allows = options.allows ?? ((token: string) => token === options.token);
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const [user, ...password] = basic ? Buffer.from(basic, 'base64').toString().split(':') : [];
    const repository = /^\/([^/]+)\/([^/]+?)\.git\//.exec(url.pathname);
    const authorized =
      user === 'x-access-token' && repository !== null && allows(password.join(':'), repository[1]!, repository[2]!);
    requests.push({
      method: request.method ?? '',
      path: url.pathname + url.search,
      authorized,
      token: password.join(':'),
    });
    if (!authorized) {
      response.writeHead(401, { 'www-authenticate': 'Basic realm="fake GitHub"' });
      response.end('Unauthorized\n');
      return;
    }
    void Promise.resolve(
      options.beforeServing?.({ method: request.method ?? '', path: url.pathname + url.search }),
    ).then(
      () => serveGit(request, response, { root: options.root, pathInfo: url.pathname, user: 'x-access-token' }),
      () => response.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    gitBase: `http://127.0.0.1:${port}/{owner}/{name}.git`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * One smart-HTTP request answered by `git http-backend` over the bare repositories under `root`
 * (`pathInfo` is `/{path}.git/info/refs` and the like), for a user already authenticated.
 */
export function serveGit(
  request: IncomingMessage,
  response: ServerResponse,
  options: { root: string; pathInfo: string; user: string },
): void {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const cgi = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: options.root,
      GIT_HTTP_EXPORT_ALL: '1',
      GIT_CONFIG_NOSYSTEM: '1',
      REQUEST_METHOD: request.method,
      PATH_INFO: options.pathInfo,
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: request.headers['content-type'] ?? '',
      HTTP_CONTENT_ENCODING: request.headers['content-encoding'] ?? '',
      GIT_PROTOCOL: String(request.headers['git-protocol'] ?? ''),
      // http-backend allows pushes only from an authenticated user.
      REMOTE_USER: options.user,
      REMOTE_ADDR: '127.0.0.1',
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  request.pipe(cgi.stdin);
  let buffered = Buffer.alloc(0);
  let headersDone = false;
  cgi.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      response.write(chunk);
      return;
    }
    buffered = Buffer.concat([buffered, chunk]);
    const end = buffered.indexOf('\r\n\r\n');
    if (end < 0) return;
    headersDone = true;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of buffered.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else headers[name] = value;
    }
    response.writeHead(status, headers);
    response.write(buffered.subarray(end + 4));
  });
  cgi.stdout.on('end', () => {
    if (!headersDone) response.writeHead(500);
    response.end();
  });
}
