import assert from 'node:assert/strict';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { ENV } from '../common/names';
import { sourceMappedStack } from '../backend/api/sourceMappedStack';
import type { RunningDynamo } from '../backend/local/dynamodb';
import { newTestStore, startTestDynamo } from './helpers/dynamo';
import { type FakeSigV4Server, startFakeSigV4Server } from './fakes/sigv4Server';
import { newJob, sampleJob } from './helpers/jobs';
import { apiGatewayEvent, lambdaEnvironment } from './helpers/lambdaEvents';
import { makeTempDir, REPO_ROOT } from './helpers/localStack';

// The Lambda bundles as Lambda runs them (dist/lambda, ES modules in chunks), on this Node: the API
// answers with its credentials from the environment (the SDK's default chain is left out of these
// bundles), loading the S3, AWS Batch and code-host chunks only when a route needs them; and a
// logged error's stack reads in the sources' terms without --enable-source-maps.

const LAMBDA = path.join(REPO_ROOT, 'dist', 'lambda');
const OWNER = 'arn:aws:iam::123456789012:user/bundle-test';
const IDENTITY = { accessKeyId: 'ASIALAMBDABUNDLETEST', secretAccessKey: 'lambda-bundle-test-secret/0123456789' };

describe('the Lambda bundles (dist/lambda)', function () {
  this.timeout(60_000);
  let dynamo: RunningDynamo;
  let folder: string;
  let lambdaApi: FakeSigV4Server;
  let secrets: FakeSigV4Server;
  const saved: Record<string, string | undefined> = {};

  before(async () => {
    dynamo = await startTestDynamo();
    folder = await makeTempDir();
    // Lambda's Invoke, where the API hands on a bulk operation it has not finished.
    lambdaApi = await startFakeSigV4Server([IDENTITY], () => ({ status: 202, body: {} }), 'lambda');
    // Secrets Manager, where the API reads its signing key and the workers' seal key at start.
    secrets = await startFakeSigV4Server(
      [IDENTITY],
      (request) => {
        const { SecretId, VersionStage } = JSON.parse(request.body) as { SecretId: string; VersionStage?: string };
        if (VersionStage === 'AWSPREVIOUS')
          return { status: 400, body: { __type: 'ResourceNotFoundException', message: 'no AWSPREVIOUS' } };
        return {
          status: 200,
          body: { ARN: SecretId, SecretString: `${SecretId}-0123456789abcdefghijklmnopqrstuvwxyz` },
        };
      },
      'secretsmanager',
    );
  });
  after(async () => {
    for (const [name, value] of Object.entries(saved))
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    await dynamo?.close();
    await lambdaApi?.close();
    await secrets?.close();
    await rm(folder, { recursive: true, force: true });
  });

  function setEnv(values: Record<string, string>): void {
    for (const [name, value] of Object.entries(values)) {
      if (!(name in saved)) saved[name] = process.env[name];
      process.env[name] = value;
    }
  }

  it('answers GET /health and a job from the bundle, signed with the credentials in the environment; a bulk operation goes on in the function invoked again', async () => {
    const store = await newTestStore(dynamo);
    const job = sampleJob({ owner: OWNER });
    await store.jobs.put(job);
    setEnv({
      ...lambdaEnvironment({
        store,
        dynamoEndpoint: dynamo.endpoint,
        artifacts: folder,
        identity: IDENTITY,
        secretsManagerUrl: secrets.url,
        secrets: 'cody-batch/test',
      }),
      AWS_LAMBDA_FUNCTION_NAME: 'cody-batch-test-api',
      AWS_ENDPOINT_URL_LAMBDA: lambdaApi.url,
      [ENV.operationMomentMs]: '0',
    });
    const files = await readdir(LAMBDA);
    assert.ok(files.includes('api.mjs') && files.includes('sweeper.mjs'), files.join(', '));
    assert.ok(
      files.every((file) => !file.endsWith('.mjs') || files.includes(`${file}.map`)),
      'a source map beside each',
    );
    const { handler } = (await import(pathToFileURL(path.join(LAMBDA, 'api.mjs')).href)) as {
      handler: (event: unknown) => Promise<{ statusCode: number; body?: string; isBase64Encoded?: boolean }>;
    };
    const read = (result: { body?: string; isBase64Encoded?: boolean }) =>
      JSON.parse(Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8').toString('utf8'));
    const health = await handler(apiGatewayEvent('GET', '/health'));
    assert.equal(health.statusCode, 200);
    const answer = await handler(apiGatewayEvent('GET', `/jobs/${job.jobId}`, { userArn: OWNER }));
    assert.equal(answer.statusCode, 200, JSON.stringify(read(answer)));
    assert.equal(read(answer).jobId, job.jobId);
    const other = await handler(apiGatewayEvent('GET', `/jobs/${job.jobId}`, { userArn: `${OWNER}-not` }));
    assert.equal(other.statusCode, 404);
    // A cancel answers at once (a moment of 0): the operation goes on in the function invoked again.
    const many = sampleJob({ owner: OWNER, repositories: Array.from({ length: 40 }, (_, i) => `acme/r${i}`) });
    await store.createJob(newJob(many));
    const cancelled = await handler(apiGatewayEvent('POST', `/jobs/${many.jobId}/cancel`, { userArn: OWNER }));
    assert.equal(cancelled.statusCode, 202);
    const answered = read(cancelled);
    assert.equal(answered.status, 'CANCELLING');
    assert.equal(answered.operation.status, 'running');
    const invoked = lambdaApi.requests.at(-1)!;
    assert.equal(invoked.url, '/2015-03-31/functions/cody-batch-test-api/invocations');
    assert.equal(invoked.signedBy, IDENTITY.accessKeyId);
    const event = JSON.parse(invoked.body);
    assert.deepEqual(event, { codyBatchOperation: { jobId: many.jobId, operationId: answered.operation.operationId } });
    await handler(event);
    const after = await store.jobs.get(many.jobId);
    assert.equal(after?.status, 'CANCELLED');
    assert.equal(after?.counts.cancelled, 40);
    assert.equal(after?.operation?.status, 'done');
    // Every other route family answers from the same cold container (its modules load on the first
    // invocation, backend/api/lambdaEntry.ts): each with its own answer, not the not-found route's.
    const routes: [string, string, number, (body: any) => boolean][] = [
      ['GET', '/sandbox', 200, (body) => typeof body.mode === 'string'],
      ['GET', '/openapi.json', 200, (body) => typeof body.paths?.['/jobs/{jobId}/changes'] === 'object'],
      ['GET', '/jobs', 200, (body) => body.items.some((listed: { jobId: string }) => listed.jobId === job.jobId)],
      ['GET', `/jobs/${many.jobId}/repositories`, 200, (body) => body.items.length === 40],
      ['GET', `/jobs/${many.jobId}/changes`, 200, (body) => body.jobId === many.jobId && Array.isArray(body.groups)],
      [
        'GET',
        `/jobs/${many.jobId}/operations/${answered.operation.operationId}`,
        200,
        (body) => body.status === 'done',
      ],
      ['POST', `/jobs/${many.jobId}/pull-requests/refresh`, 200, (body) => body.jobId === many.jobId],
      ['GET', '/repositories/host', 200, (body) => typeof body.kind === 'string'],
    ];
    for (const [method, route, status, check] of routes) {
      const routeAnswer = await handler(apiGatewayEvent(method, route, { userArn: OWNER }));
      const body = read(routeAnswer);
      assert.equal(routeAnswer.statusCode, status, `${method} ${route}: ${JSON.stringify(body).slice(0, 300)}`);
      assert.ok(check(body), `${method} ${route}: ${JSON.stringify(body).slice(0, 300)}`);
    }
    // The sweeper's bundle loads on this Node too (its run needs AWS Batch).
    const sweeper = await import(pathToFileURL(path.join(LAMBDA, 'sweeper.mjs')).href);
    assert.equal(typeof sweeper.handler, 'function');
  });

  it('starts with its entry alone: Hono, zod, the schemas and the DynamoDB client load on the first invocation', async () => {
    // What Lambda's INIT reads: api.mjs and the chunks it imports statically (not `import(…)`).
    const started = new Set<string>();
    const walk = async (file: string) => {
      if (started.has(file)) return;
      started.add(file);
      const code = await readFile(path.join(LAMBDA, file), 'utf8');
      for (const match of code.matchAll(/(?:^|[;\s}])import\s*(?:[^'"()]*?from\s*)?["']\.\/([\w-]+\.mjs)["']/g))
        await walk(match[1]!);
    };
    await walk('api.mjs');
    const sources: string[] = [];
    for (const file of started) {
      const map = JSON.parse(await readFile(path.join(LAMBDA, `${file}.map`), 'utf8')) as { sources: string[] };
      sources.push(...map.sources);
    }
    for (const loadedLater of [
      'node_modules/hono/',
      'node_modules/zod/',
      'node_modules/@aws-sdk/client-dynamodb/',
      'common/schemas/',
      'backend/api/routes/',
    ])
      assert.ok(
        !sources.some((source) => source.includes(loadedLater)),
        `${loadedLater} is read at start (in ${[...started].join(', ')})`,
      );
    assert.ok(sources.some((source) => source.endsWith('backend/api/lambdaEntry.ts')));
  });

  it('maps a bundle’s stack trace to its sources when asked, from the map beside it', async () => {
    const source = path.join(folder, 'thrower.ts');
    await writeFile(source, 'export function fail(): never {\n  throw new Error("from the sources");\n}\n');
    const out = path.join(folder, 'bundle.mjs');
    await build({
      entryPoints: [source],
      bundle: true,
      format: 'esm',
      minify: true,
      sourcemap: 'linked',
      outfile: out,
    });
    // This process maps stacks itself (the test runner's source maps): the frame as Lambda's
    // Node prints it, at the throw in the minified bundle.
    const code = await readFile(out, 'utf8');
    const column = code.split('\n')[0]!.indexOf('throw') + 1;
    assert.ok(column > 0);
    const url = pathToFileURL(out).href;
    const stack = `Error: from the sources\n    at r (${url}:1:${column})\n    at node:internal/x:1:1`;
    const mapped = sourceMappedStack(stack);
    assert.match(mapped, /thrower\.ts:2:\d+/);
    assert.doesNotMatch(mapped, /bundle\.mjs:1:/);
    assert.match(mapped, /node:internal\/x:1:1/, 'frames of other files stay');
  });
});
