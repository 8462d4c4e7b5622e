import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts `server` on a free port of 127.0.0.1; its address, `http://127.0.0.1:<port>`. */
export async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A request a fake code host received, as a test reads it back. */
export interface RecordedRequest {
  method: string;
  /** The path with its query. */
  path: string;
  authorization?: string;
}

/** Records `request` in `requests`; its URL, parsed. */
export function recordRequest(requests: RecordedRequest[], request: IncomingMessage): URL {
  const parsed = new URL(request.url ?? '/', 'http://localhost');
  requests.push({
    method: request.method ?? '',
    path: parsed.pathname + parsed.search,
    authorization: request.headers.authorization,
  });
  return parsed;
}
