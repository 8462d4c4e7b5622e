import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** An error as DynamoDB answers it: its HTTP status, its type (`ValidationException`) and message. */
export interface DynamoFault {
  status: number;
  type: string;
  message: string;
}

/** Decides, for one request (`PutItem`, `BatchWriteItem`, ...), whether it fails instead of reaching the database. */
export type FaultRule = (operation: string, request: Record<string, unknown>) => DynamoFault | undefined;

/**
 * A DynamoDB endpoint on 127.0.0.1 that forwards to a real one (dynalite), except the requests
 * `rule` picks, which it answers with the DynamoDB error it gives, as DynamoDB would.
 */
export async function startFaultyDynamoProxy(target: string, rule: FaultRule) {
  const targetUrl = new URL(target);
  const faults: string[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const operation = String(request.headers['x-amz-target'] ?? '').replace(/^.*\./, '');
      const fault = rule(operation, body.length ? JSON.parse(body.toString('utf8')) : {});
      if (fault) {
        faults.push(operation);
        response.writeHead(fault.status, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(
          JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${fault.type}`, message: fault.message }),
        );
        return;
      }
      const headers = { ...request.headers, host: targetUrl.host };
      const upstream = http.request(
        { hostname: targetUrl.hostname, port: targetUrl.port, path: request.url, method: request.method, headers },
        (answer) => {
          response.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(response);
        },
      );
      upstream.on('error', (error) => {
        response.writeHead(502);
        response.end(String(error));
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** The operations it failed, in order. */
    faults: () => [...faults],
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
