import assert from 'node:assert/strict';
import { access, chmod, mkdir, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { DynamoDBClient, GetItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { fromIni } from '@aws-sdk/credential-providers';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import { newJob, sampleJob, waitFor, waitForJob } from './helpers/jobs';
import {
  makeTempDir,
  stackDynamoCredentials,
  stackStore,
  startStackProcess,
  type StackProcess,
} from './helpers/localStack';
import { useWorld } from './helpers/world';

// The local stack's DynamoDB is reachable from any web page the developer visits and by any local
// user, and the stack runs the PENDING jobs it finds there. These tests play that attacker over
// HTTP against the real stack: a browser (Origin, CORS preflight, a rebound Host), a local user
// with made-up credentials, and a row planted with the stack's own credentials, bypassing the API.

const JOBS = 'cody-batch-local-jobs';

/**
 * Sends a DynamoDB request signed with `credentials` for `host`, to the stack's port, as the AWS
 * CLI (botocore) signs: content-type, host, x-amz-date and x-amz-target, no payload-hash header.
 */
async function signedRequest(
  endpoint: string,
  credentials: AwsCredentialIdentity,
  options: { host?: string; target: string; body: unknown; headers?: Record<string, string> },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const url = new URL(endpoint);
  const host = options.host ?? url.host;
  const body = JSON.stringify(options.body);
  const signer = new SignatureV4({
    service: 'dynamodb',
    region: 'local',
    credentials,
    sha256: Sha256,
    applyChecksum: false,
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: host.split(':')[0]!,
    path: '/',
    headers: {
      host,
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `DynamoDB_20120810.${options.target}`,
      ...options.headers,
    },
    body,
  });
  return send(endpoint, { method: 'POST', headers: signed.headers, body });
}

function send(
  endpoint: string,
  request: { method: string; headers: Record<string, string>; body?: string },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      { hostname: url.hostname, port: url.port, path: '/', method: request.method, headers: request.headers },
      (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: text }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

const MADE_UP = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

function plantedItem(jobId: string) {
  return { jobId: { S: jobId }, owner: { S: 'attacker' }, createdAt: { S: new Date().toISOString() } };
}

describe('local stack: its DynamoDB answers only the stack and the operator’s tools', function () {
  this.timeout(60_000);
  let stack: StackProcess;
  let credentials: AwsCredentialIdentity;
  before(async () => {
    stack = await startStackProcess({ env: { CODY_BATCH_CONCURRENCY: '0' } });
    credentials = await stackDynamoCredentials(stack.home)().catch(() => MADE_UP);
  });
  after(async () => {
    await stack?.dispose();
  });

  it('refuses a browser: a CORS preflight and a request with an Origin get no Access-Control-Allow-Origin', async () => {
    const preflight = await send(stack.dynamodbEndpoint, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,x-amz-date,x-amz-target',
      },
    });
    assert.equal(preflight.status, 403);
    assert.equal(preflight.headers['access-control-allow-origin'], undefined);
    assert.equal(preflight.headers['access-control-allow-headers'], undefined);

    // Even a request signed with the stack's own credentials is refused when a page sends it.
    const fromPage = await signedRequest(stack.dynamodbEndpoint, credentials, {
      target: 'PutItem',
      body: { TableName: JOBS, Item: plantedItem('from-a-page') },
      headers: { origin: 'https://evil.example' },
    });
    assert.equal(fromPage.status, 403);
    assert.equal(fromPage.headers['access-control-allow-origin'], undefined);
    const store = stackStore(stack);
    assert.equal(await store.jobs.get('from-a-page'), undefined, 'nothing written');
  });

  it('refuses a request addressed to another host (DNS rebinding), even when well signed', async () => {
    const port = new URL(stack.dynamodbEndpoint).port;
    const rebound = await signedRequest(stack.dynamodbEndpoint, credentials, {
      host: `evil.example:${port}`,
      target: 'ListTables',
      body: {},
    });
    assert.equal(rebound.status, 403);
    assert.doesNotMatch(rebound.body, /cody-batch-local/);
  });

  it('refuses a PutItem signed with made-up credentials, and writes nothing', async () => {
    const client = new DynamoDBClient({
      endpoint: stack.dynamodbEndpoint,
      region: 'local',
      credentials: MADE_UP,
      maxAttempts: 1,
    });
    await assert.rejects(
      client.send(new PutItemCommand({ TableName: JOBS, Item: plantedItem('made-up') })),
      (error: { name: string; $metadata?: { httpStatusCode?: number } }) =>
        [400, 403].includes(error.$metadata?.httpStatusCode ?? 0) && error.name === 'UnrecognizedClientException',
    );
    // A signature made with the right key id but a wrong secret fares no better.
    const forged = await signedRequest(
      stack.dynamodbEndpoint,
      { accessKeyId: credentials.accessKeyId, secretAccessKey: 'not-the-secret' },
      { target: 'PutItem', body: { TableName: JOBS, Item: plantedItem('forged') } },
    );
    assert.ok([400, 403].includes(forged.status), `status ${forged.status}`);
    assert.match(forged.body, /InvalidSignatureException/);
    // And unsigned requests (dynalite's health check, a bare POST) are refused too.
    assert.equal((await send(stack.dynamodbEndpoint, { method: 'GET', headers: {} })).status, 400);

    const store = stackStore(stack);
    assert.equal(await store.jobs.get('made-up'), undefined, 'nothing written');
    assert.equal(await store.jobs.get('forged'), undefined, 'nothing written');
  });

  it('serves the operator’s tools with the stack’s credentials, as the printed aws command names them', async () => {
    // AWS_SHARED_CREDENTIALS_FILE=<home>/dynamodb-credentials aws dynamodb scan --profile cody-batch-local
    //   --region local --endpoint-url http://127.0.0.1:<port> --table-name cody-batch-local-jobs
    const line =
      /AWS_SHARED_CREDENTIALS_FILE=(\S+) aws dynamodb scan --profile (\S+) --region (\S+) --endpoint-url (\S+) --table-name (\S+)/.exec(
        stack.output(),
      );
    assert.ok(line, `the aws line in:\n${stack.output()}`);
    const [, file, profile, region, endpoint, table] = line;
    assert.equal(file, path.join(stack.home, 'dynamodb-credentials'));
    assert.equal(endpoint, stack.dynamodbEndpoint);
    const client = new DynamoDBClient({
      endpoint,
      region,
      credentials: fromIni({ filepath: file, configFilepath: path.join(stack.home, 'no-aws-config'), profile }),
    });
    await client.send(new PutItemCommand({ TableName: table, Item: plantedItem('by-the-operator') }));
    const { Item } = await client.send(
      new GetItemCommand({ TableName: table, Key: { jobId: { S: 'by-the-operator' } }, ConsistentRead: true }),
    );
    assert.equal(Item?.owner?.S, 'attacker');
    const { Count } = await client.send(new ScanCommand({ TableName: table, Select: 'COUNT' }));
    assert.ok((Count ?? 0) >= 1);
    // Signed as the AWS CLI signs, with the credentials from the same file.
    const cli = await signedRequest(endpoint!, credentials, {
      target: 'PutItem',
      body: { TableName: table, Item: plantedItem('by-the-aws-cli') },
    });
    assert.equal(cli.status, 200, cli.body);
  });

  it('keeps its DynamoDB credentials and its job key private (mode 0600)', async () => {
    for (const file of ['dynamodb-credentials', 'signing.key'])
      assert.equal((await stat(path.join(stack.home, file))).mode & 0o777, 0o600, file);
  });
});

describe('local stack: its home', () => {
  it('tightens a home that already existed to 0700 at every start', async function () {
    this.timeout(30_000);
    const parent = await makeTempDir();
    const home = path.join(parent, 'home');
    try {
      await mkdir(home, { mode: 0o755 });
      await chmod(home, 0o755);
      const stack = await startStackProcess({ home });
      try {
        assert.equal((await stat(home)).mode & 0o777, 0o700);
      } finally {
        await stack.dispose();
      }
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});

describe('local stack: runs only the jobs its API created', function () {
  this.timeout(120_000);
  // Workers paused: the API's job waits PENDING for the restart, as the planted ones do.
  const world = useWorld({ repositories: { 'acme/one': { 'a.txt': 'old\n' } }, stack: { concurrency: 0 } });

  it('never runs a PENDING job planted in the table, and still runs the API’s across a restart', async () => {
    const markers = path.join(world.hosting.work, 'markers');
    await mkdir(markers, { recursive: true });
    const first = world.stack;
    let created;
    const planted: string[] = [];
    try {
      created = await first.client.createJob({
        name: 'Through the API',
        command: `touch "${markers}/api" && echo new > a.txt`,
        repositories: ['acme/one'],
      });
      const store = stackStore(first);
      // What an attacker writes with two PutItems: a job and its row, PENDING, under another owner
      // (so that `cody-batch jobs` never shows it) and under the developer's own.
      for (const owner of ['attacker', 'local']) {
        const job = sampleJob({
          owner,
          repositories: ['acme/one'],
          prompt: undefined,
          command: `touch "${markers}/planted-${owner}"`,
        });
        await store.createJob(newJob(job));
        planted.push(job.jobId);
      }
      // An API job's signature on another command: the signature covers what runs.
      const api = (await store.jobs.get(created.jobId))!;
      const { run: _run, signature, ...fields } = api;
      const copied = sampleJob({
        ...fields,
        jobId: sampleJob().jobId,
        command: `touch "${markers}/planted-copied"`,
        status: 'PENDING',
        repositories: ['acme/one'],
      });
      await store.createJob(newJob(copied));
      await store.jobs.setAttributes(copied.jobId, { signature });
      planted.push(copied.jobId);
    } finally {
      assert.equal(await first.stop(), 0);
    }

    // A start re-queues what is PENDING at once, as every sweep does.
    const second = await world.restartStack(undefined, { CODY_BATCH_CONCURRENCY: '1' });
    const job = await waitForJob(second.client, created.jobId);
    assert.equal(job.status, 'COMPLETED', 'the API’s job ran end to end after the restart');
    await access(path.join(markers, 'api'));
    const store = stackStore(second);
    for (const jobId of planted) {
      const row = await waitFor(`planted job ${jobId} to be refused`, async () => {
        const current = await store.repositories.get(jobId, 'acme/one');
        return current?.status === 'FAILED' ? current : undefined;
      });
      assert.equal(row.error?.code, 'UNVERIFIED_JOB');
    }
    await assert.rejects(access(path.join(markers, 'planted-attacker')), 'the planted command never ran');
    await assert.rejects(access(path.join(markers, 'planted-local')), 'the planted command never ran');
    await assert.rejects(access(path.join(markers, 'planted-copied')), 'the planted command never ran');
  });
});
