import { mkdir } from 'node:fs/promises';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import type { DynamoCredentials } from '../../common/localHome';
import { guardDynamo } from './dynamoGuard';

export interface RunningDynamo {
  endpoint: string;
  close(): Promise<void>;
  /** Requests served since it started, by operation (`UpdateItem`, …): what the benchmarks count. */
  requests(): Promise<Record<string, number>>;
}

export interface DynamoOptions {
  /** Where the tables persist (in memory when absent). */
  path?: string;
  hostname: string;
  port: number;
  /**
   * The only credentials it accepts (the local stack's), from its own address and from no browser
   * (backend/local/dynamoGuard.ts). Without them it answers anyone: only for tests' in-memory tables.
   */
  credentials?: DynamoCredentials;
}

/** Starts the embedded DynamoDB-compatible server. */
export async function startDynamo(options: DynamoOptions): Promise<RunningDynamo> {
  if (options.path) await mkdir(options.path, { recursive: true });
  const server: Server = dynalite({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  // Counted by the target header as sent (`DynamoDB_20120810.GetItem`), named when asked: a split per
  // request showed in the guarded server's profile (bench/api.ts). Behind the guard, with dynalite's
  // handler: only requests it let through count, so no stranger adds names to this map.
  const served = new Map<string, number>();
  server.on('request', (request: IncomingMessage) => {
    const target = String(request.headers['x-amz-target'] ?? 'unknown');
    served.set(target, (served.get(target) ?? 0) + 1);
  });
  let hosts: string[] = [];
  if (options.credentials) guardDynamo(server, { credentials: options.credentials, hosts: () => hosts });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.hostname, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  hosts = [`${options.hostname}:${port}`, `localhost:${port}`];
  return {
    endpoint: `http://${options.hostname}:${port}`,
    requests: async () => {
      const byOperation: Record<string, number> = {};
      for (const [target, count] of served) {
        const operation = target.split('.').pop()!;
        byOperation[operation] = (byOperation[operation] ?? 0) + count;
      }
      return byOperation;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}
