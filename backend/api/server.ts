import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Hono } from 'hono';
import type { AppEnv } from './context';

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface ApiServerOptions {
  hostname: string;
  port: number;
  /** Answers a request before the API does (the local stack's web app files); undefined passes it on. */
  before?: (request: Request) => Promise<Response | undefined>;
}

/** Serves the app on Node's HTTP server. Port 0 picks a free port. */
export function startApiServer(app: Hono<AppEnv>, options: ApiServerOptions): Promise<RunningServer> {
  const before = options.before;
  const fetch: typeof app.fetch = before
    ? async (request, ...rest) => (await before(request)) ?? app.fetch(request, ...rest)
    : app.fetch;
  return new Promise((resolve, reject) => {
    let server: ServerType;
    try {
      server = serve({ fetch, hostname: options.hostname, port: options.port }, (info: AddressInfo) => {
        server.off('error', reject);
        resolve({
          url: `http://${options.hostname}:${info.port}`,
          port: info.port,
          close: () =>
            new Promise<void>((done) => {
              server.close(() => done());
              // Keep-alive connections would hold close() open; drop them.
              (server as { closeAllConnections?: () => void }).closeAllConnections?.();
            }),
        });
      });
      server.once('error', reject);
    } catch (error) {
      reject(error);
    }
  });
}
