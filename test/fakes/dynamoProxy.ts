import http from 'node:http';
import { listenOnLoopback } from './loopback';

/** An error as DynamoDB answers it: its HTTP status, its type (`ValidationException`) and message. */
export interface DynamoFault {
  status: number;
  type: string;
  message: string;
}

/** What the proxy does with one request instead of forwarding it as it is. */
export interface ProxyTurn {
  /** Answers with this DynamoDB error; the database never sees the request. */
  fault?: DynamoFault;
  /** Forwards this request instead (the SDK signs the original; dynalite does not check signatures). */
  request?: Record<string, unknown>;
  /** Rewrites the database's answer when it succeeded. */
  answer?(result: Record<string, unknown>): Record<string, unknown>;
  /** Holds the request until this settles, then forwards it (a write that arrives late). */
  hold?: Promise<void>;
}

export interface DynamoProxyOptions {
  /** Looks at each request (`PutItem`, `BatchWriteItem`, ...) and says what to do with it, if anything. */
  turn?(operation: string, request: Record<string, unknown>): ProxyTurn | undefined;
  /** Holds each answer this long before it goes back. */
  delayMs?: number;
}

export interface DynamoProxy {
  endpoint: string;
  close(): Promise<void>;
}

/** A DynamoDB endpoint on 127.0.0.1 that forwards to a real one (dynalite), but for what `turn` says. */
export async function startDynamoProxy(target: string, options: DynamoProxyOptions): Promise<DynamoProxy> {
  const targetUrl = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let body = Buffer.concat(chunks);
      const operation = String(request.headers['x-amz-target'] ?? '').replace(/^.*\./, '');
      const turn = options.turn?.(operation, body.length ? JSON.parse(body.toString('utf8')) : {});
      if (turn?.fault) {
        response.writeHead(turn.fault.status, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(
          JSON.stringify({
            __type: `com.amazonaws.dynamodb.v20120810#${turn.fault.type}`,
            message: turn.fault.message,
          }),
        );
        return;
      }
      if (turn?.request) body = Buffer.from(JSON.stringify(turn.request));
      void (turn?.hold ?? Promise.resolve()).then(() => forward(body, turn));
    });
    const forward = (body: Buffer, turn: ProxyTurn | undefined) => {
      const headers = { ...request.headers, host: targetUrl.host, 'content-length': String(body.length) };
      const upstream = http.request(
        {
          hostname: targetUrl.hostname,
          port: targetUrl.port,
          path: request.url,
          method: request.method,
          headers,
          agent,
        },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => parts.push(chunk));
          answer.on('end', () => {
            let text = Buffer.concat(parts);
            const out: http.OutgoingHttpHeaders = { ...answer.headers };
            if (turn?.answer && answer.statusCode === 200) {
              text = Buffer.from(JSON.stringify(turn.answer(JSON.parse(text.toString('utf8')))));
              out['content-length'] = String(text.length);
              delete out['x-amz-crc32'];
            }
            setTimeout(() => {
              response.writeHead(answer.statusCode ?? 500, out);
              response.end(text);
            }, options.delayMs ?? 0);
          });
        },
      );
      upstream.on('error', (error) => {
        response.writeHead(502);
        response.end(String(error));
      });
      upstream.end(body);
    };
  });
  const address = await listenOnLoopback(server);
  return {
    endpoint: `${address}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}
