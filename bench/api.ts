// `npm run bench -- api`: the local stack's API under load (autocannon, fixed concurrency) against
// a bare server on the same HTTP stack answering fixed JSON, measured in the same run.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { stackDynamoCredentials, startStackProcess } from '../test/helpers/localStack';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);

interface Figures {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function load(
  url: string,
  options: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string },
): Promise<Figures> {
  const result = await autocannon({
    url,
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
    connections: CONNECTIONS,
    duration: DURATION_SECONDS,
  });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

async function startBareServer(): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, [path.join(__dirname, 'bareServer.mjs')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve) =>
    child.stdout!.once('data', (chunk) => resolve(String(chunk).trim())),
  );
  return { url, stop: () => child.kill() };
}

async function main() {
  console.log(`bench api: ${CONNECTIONS} connections, ${DURATION_SECONDS}s per route, 127.0.0.1, ${process.version}`);
  const stack = await startStackProcess({ env: { CODY_BATCH_CONCURRENCY: '0' } });
  const bare = await startBareServer();
  try {
    const auth = { authorization: `Bearer ${stack.token}` };
    const job = await stack.client.createJob({ name: 'bench', prompt: 'p', repositories: ['acme/a', 'acme/b'] });
    for (let i = 0; i < 50; i++)
      await stack.client.createJob({ name: `bench ${i}`, prompt: 'p', repositories: ['acme/a'] });
    const createBody = JSON.stringify({
      name: 'bench',
      prompt: 'Replace oldFunction',
      repositories: ['acme/a', 'acme/b'],
    });
    const routes: [string, string, Parameters<typeof load>[1]][] = [
      ['GET /jobs/{id}', `/jobs/${job.jobId}`, { headers: auth }],
      ['GET /jobs', '/jobs?limit=25', { headers: auth }],
      [
        'POST /jobs',
        '/jobs',
        { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: createBody },
      ],
    ];
    const rows: string[][] = [];
    for (const [name, route, options] of routes) {
      const ours = await load(`${stack.apiUrl}${route}`, options);
      const baseline = await load(`${bare.url}${route}`, options);
      if (ours.errors || ours.non2xx) console.warn(`  ${name}: ${ours.errors} errors, ${ours.non2xx} non-2xx answers`);
      rows.push([
        name,
        ours.requestsPerSecond.toFixed(0),
        `${ours.p50} / ${ours.p99}`,
        baseline.requestsPerSecond.toFixed(0),
        `${baseline.p50} / ${baseline.p99}`,
        (ours.requestsPerSecond / baseline.requestsPerSecond).toFixed(2),
      ]);
    }
    // Where the time goes: the same GetItem sent straight to dynalite, without our API in between.
    // Signed once with the stack's credentials (the guard checks each copy's signature).
    const endpoint = new URL(stack.dynamodbEndpoint);
    const getItem = JSON.stringify({
      TableName: 'cody-batch-local-jobs',
      Key: { jobId: { S: job.jobId } },
      ConsistentRead: true,
    });
    const signer = new SignatureV4({
      service: 'dynamodb',
      region: 'local',
      credentials: stackDynamoCredentials(stack.home),
      sha256: Sha256,
    });
    const signed = await signer.sign({
      method: 'POST',
      protocol: 'http:',
      hostname: endpoint.hostname,
      path: '/',
      headers: {
        host: endpoint.host,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.GetItem',
      },
      body: getItem,
    });
    const { host: _host, ...headers } = signed.headers;
    const direct = await load(stack.dynamodbEndpoint, { method: 'POST', headers, body: getItem });
    console.log(
      `dynalite GetItem, direct: ${direct.requestsPerSecond.toFixed(0)} req/s, p50/p99 ${direct.p50} / ${direct.p99} ms${direct.non2xx ? ` (${direct.non2xx} non-2xx)` : ''}`,
    );
    const header = ['route', 'stack req/s', 'stack p50/p99 ms', 'bare req/s', 'bare p50/p99 ms', 'stack/bare'];
    const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
    for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
  } finally {
    bare.stop();
    await stack.stop();
    await rm(stack.home, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
