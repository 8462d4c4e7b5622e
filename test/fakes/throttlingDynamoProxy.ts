import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A DynamoDB endpoint on 127.0.0.1 that forwards to a real one (dynalite), except that each
 * BatchWriteItem gets only its first `acceptPerCall` writes applied and the rest handed back as
 * UnprocessedItems, as DynamoDB does under throttling. Counts the BatchWriteItem calls it saw.
 */
export async function startThrottlingDynamoProxy(target: string, acceptPerCall: number) {
  const targetUrl = new URL(target);
  let batchWriteCalls = 0;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let body = Buffer.concat(chunks);
      let unprocessed: Record<string, unknown[]> | undefined;
      if (String(request.headers['x-amz-target']).endsWith('.BatchWriteItem')) {
        batchWriteCalls++;
        const parsed = JSON.parse(body.toString('utf8')) as { RequestItems: Record<string, unknown[]> };
        unprocessed = {};
        for (const [table, writes] of Object.entries(parsed.RequestItems)) {
          if (writes.length > acceptPerCall) unprocessed[table] = writes.slice(acceptPerCall);
          parsed.RequestItems[table] = writes.slice(0, acceptPerCall);
        }
        body = Buffer.from(JSON.stringify(parsed));
      }
      // The SDK signs the original body; dynalite does not check signatures, so a rewrite is fine.
      const headers = { ...request.headers, host: targetUrl.host, 'content-length': String(body.length) };
      const upstream = http.request(
        { hostname: targetUrl.hostname, port: targetUrl.port, path: request.url, method: request.method, headers },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => parts.push(chunk));
          answer.on('end', () => {
            let text = Buffer.concat(parts);
            if (unprocessed && answer.statusCode === 200) {
              const result = JSON.parse(text.toString('utf8'));
              result.UnprocessedItems = unprocessed;
              text = Buffer.from(JSON.stringify(result));
            }
            const out: http.OutgoingHttpHeaders = { ...answer.headers, 'content-length': String(text.length) };
            delete out['x-amz-crc32'];
            response.writeHead(answer.statusCode ?? 500, out);
            response.end(text);
          });
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
    batchWriteCalls: () => batchWriteCalls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
