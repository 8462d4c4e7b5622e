// `npm run bench -- api`: the local stack's API under load (autocannon, fixed concurrency) against
// a bare server on the same HTTP stack answering fixed JSON, and against the DynamoDB calls each
// route makes sent straight to the stack's dynalite (in its own process), measured in the same run.
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
    // Where the time goes: the DynamoDB calls each route makes, sent straight to dynalite (its own
    // process, behind the same guard), with as many callers as autocannon's connections: GET
    // /jobs/{id} is one GetItem; POST /jobs is the rows' BatchWriteItem, the run list's
    // BatchWriteItem, the job's PutItem, the executor reference's UpdateItem and a GetItem, one after
    // another. Each request is signed once with the stack's credentials (the guard checks each copy).
    const direct = await directCalls(stack, job.jobId);
    // One call: autocannon itself, as for the routes. A chain of calls: callers of our own.
    const getFloor = await load(stack.dynamodbEndpoint, { method: 'POST', ...direct.getItem });
    const createFloor = await chain(stack.dynamodbEndpoint, [
      direct.putRows,
      direct.putList,
      direct.putJob,
      direct.setRef,
      direct.getItem,
    ]);
    rows.push(
      ['GET /jobs/{id} straight to dynalite (GetItem)', ...figures(getFloor)],
      ['POST /jobs straight to dynalite (5 calls)', ...figures(createFloor)],
    );
    const ratio = (name: string, floor: Figures) => {
      const ours = rows.find((row) => row[0] === name)!;
      return `${name} ${(Number(ours[1]) / floor.requestsPerSecond).toFixed(2)}x the throughput of its DynamoDB calls alone`;
    };
    console.log(`${ratio('GET /jobs/{id}', getFloor)}; ${ratio('POST /jobs', createFloor)}`);
    const header = ['route', 'req/s', 'p50/p99 ms', 'bare req/s', 'bare p50/p99 ms', 'stack/bare'];
    const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
    for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
  } finally {
    bare.stop();
    await stack.stop();
    await rm(stack.home, { recursive: true, force: true });
  }
}

function figures(result: Figures): string[] {
  return [result.requestsPerSecond.toFixed(0), `${result.p50} / ${result.p99}`, '', '', ''];
}

interface SignedCall {
  headers: Record<string, string>;
  body: string;
}

/** The DynamoDB requests of GET /jobs/{id} and POST /jobs, signed as the stack's clients sign them. */
async function directCalls(stack: { home: string; dynamodbEndpoint: string }, jobId: string) {
  const endpoint = new URL(stack.dynamodbEndpoint);
  const signer = new SignatureV4({
    service: 'dynamodb',
    region: 'local',
    credentials: stackDynamoCredentials(stack.home),
    sha256: Sha256,
  });
  const sign = async (operation: string, request: unknown): Promise<SignedCall> => {
    const body = JSON.stringify(request);
    const signed = await signer.sign({
      method: 'POST',
      protocol: 'http:',
      hostname: endpoint.hostname,
      path: '/',
      headers: {
        host: endpoint.host,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDB_20120810.${operation}`,
      },
      body,
    });
    const { host: _host, ...headers } = signed.headers;
    return { headers, body };
  };
  const jobs = 'cody-batch-local-jobs';
  const repositories = 'cody-batch-local-repositories';
  const benchId = '0000000000benchbenchbench0';
  const row = (name: string) => ({
    PutRequest: {
      Item: {
        jobId: { S: benchId },
        repositoryName: { S: name },
        status: { S: 'PENDING' },
        attempt: { N: '1' },
        taskRevision: { N: '1' },
      },
    },
  });
  const item = {
    jobId: { S: benchId },
    name: { S: 'bench' },
    prompt: { S: 'Replace oldFunction' },
    status: { S: 'PENDING' },
  };
  return {
    getItem: await sign('GetItem', { TableName: jobs, Key: { jobId: { S: jobId } }, ConsistentRead: true }),
    putRows: await sign('BatchWriteItem', { RequestItems: { [repositories]: [row('acme/a'), row('acme/b')] } }),
    putList: await sign('BatchWriteItem', {
      RequestItems: {
        [repositories]: [
          {
            PutRequest: {
              Item: {
                jobId: { S: benchId },
                repositoryName: { S: '#list/0000000000000000/00000' },
                names: { L: [{ S: 'acme/a' }, { S: 'acme/b' }] },
              },
            },
          },
        ],
      },
    }),
    putJob: await sign('PutItem', { TableName: jobs, Item: item }),
    setRef: await sign('UpdateItem', {
      TableName: jobs,
      Key: { jobId: { S: benchId } },
      UpdateExpression: 'SET executorRef = :ref',
      ExpressionAttributeValues: { ':ref': { S: 'local' } },
    }),
  };
}

/** `CONNECTIONS` callers, each sending `calls` one after another for DURATION_SECONDS: one request = the chain. */
async function chain(url: string, calls: SignedCall[]): Promise<Figures> {
  const latencies: number[] = [];
  let errors = 0;
  const deadline = Date.now() + DURATION_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < deadline) {
        const started = performance.now();
        for (const call of calls) {
          const response = await fetch(url, { method: 'POST', headers: call.headers, body: call.body });
          await response.arrayBuffer();
          if (!response.ok) errors++;
        }
        latencies.push(performance.now() - started);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    requestsPerSecond: latencies.length / DURATION_SECONDS,
    p50: Math.round(latencies[Math.floor(latencies.length / 2)] ?? 0),
    p99: Math.round(latencies[Math.floor(latencies.length * 0.99)] ?? 0),
    errors,
    non2xx: errors,
  };
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
