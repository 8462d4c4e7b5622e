import assert from 'node:assert/strict';
import http from 'node:http';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import fc from 'fast-check';
import { NodeSha256 } from '../../common/sigv4';
import { ensureTables } from '../store/dynamo';
import { Store } from '../store/store';
import { tableNamesFor } from '../store/tables';
import { type RunningDynamo, startDynamo } from './dynamodb';

// The guard in front of the local DynamoDB (dynamoGuard.ts) checks SigV4 itself, with Node's
// crypto. These tests sign requests with the AWS SDK's own signer (as the SDK, the AWS CLI and our
// stores do) and check that exactly those pass: any byte changed in what was signed, another
// secret, another key id, an old date, a browser or a foreign Host is refused.

const CREDENTIALS = { accessKeyId: 'AKIDLOCALSTACK0000001', secretAccessKey: 'the-stack-secret/with+odd=chars' };
const TABLE = 'cody-batch-local-jobs';

interface Answer {
  status: number;
  body: string;
}

function post(endpoint: string, headers: Record<string, string>, body: string, path = '/'): Promise<Answer> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const request = http.request(
      { hostname: url.hostname, port: url.port, path, method: 'POST', headers },
      (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, body: text }));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

async function sign(
  endpoint: string,
  options: {
    credentials?: AwsCredentialIdentity;
    body: string;
    target?: string;
    headers?: Record<string, string>;
    applyChecksum?: boolean;
    signingDate?: Date;
    query?: Record<string, string>;
    region?: string;
    service?: string;
  },
): Promise<Record<string, string>> {
  const url = new URL(endpoint);
  const signer = new SignatureV4({
    service: options.service ?? 'dynamodb',
    region: options.region ?? 'local',
    credentials: options.credentials ?? CREDENTIALS,
    sha256: NodeSha256,
    applyChecksum: options.applyChecksum ?? false,
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      path: '/',
      query: options.query,
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDB_20120810.${options.target ?? 'GetItem'}`,
        ...options.headers,
      },
      body: options.body,
    },
    { signingDate: options.signingDate },
  );
  const { host: _host, ...headers } = signed.headers;
  return headers;
}

const getItem = JSON.stringify({ TableName: TABLE, Key: { jobId: { S: 'job-1' } }, ConsistentRead: true });

describe('local DynamoDB guard: SigV4 checked with Node’s crypto', function () {
  this.timeout(60_000);
  let dynamo: RunningDynamo;

  before(async () => {
    dynamo = await startDynamo({ hostname: '127.0.0.1', port: 0, credentials: CREDENTIALS });
    const store = Store.connect({
      endpoint: dynamo.endpoint,
      tables: tableNamesFor('local'),
      credentials: CREDENTIALS,
    });
    await ensureTables(store.doc, store.tables);
  });
  after(async () => {
    await dynamo?.close();
  });

  it('serves the AWS SDK’s own client signed with the stack’s credentials', async () => {
    const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'local', credentials: CREDENTIALS });
    await client.send(new PutItemCommand({ TableName: TABLE, Item: { jobId: { S: 'job-1' }, name: { S: 'one' } } }));
    const { Item } = await client.send(
      new GetItemCommand({ TableName: TABLE, Key: { jobId: { S: 'job-1' } }, ConsistentRead: true }),
    );
    assert.equal(Item?.name?.S, 'one');
  });

  it('accepts what SignatureV4 signs, whatever the body and header values, and nothing with a byte changed', async () => {
    // Printable ASCII a header may carry, runs of spaces inside included (SigV4 folds them to one).
    const headerValue = fc
      .array(fc.constantFrom(...'ab Z09-_.:/= '.split('')), { minLength: 1, maxLength: 30 })
      .map((chars) => `x${chars.join('')}x`);
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 200 }),
        headerValue,
        fc.boolean(),
        fc.constantFrom('body', 'header', 'signature', 'target'),
        async (note, custom, payloadHeader, tamper) => {
          const body = JSON.stringify({ TableName: TABLE, Key: { jobId: { S: 'job-1' } }, note });
          const headers = await sign(dynamo.endpoint, {
            body,
            headers: { 'x-amz-meta-note': custom },
            applyChecksum: payloadHeader,
          });
          const signedAnswer = await post(dynamo.endpoint, headers, body);
          assert.doesNotMatch(signedAnswer.body, /Signature|security token/, signedAnswer.body);

          let sentBody = body;
          const sent = { ...headers };
          if (tamper === 'body') sentBody = body.replace('job-1', 'job-2');
          if (tamper === 'header') sent['x-amz-meta-note'] = `${custom}y`;
          if (tamper === 'target') sent['x-amz-target'] = 'DynamoDB_20120810.DeleteTable';
          if (tamper === 'signature')
            sent.authorization = headers.authorization!.replace(
              /Signature=(.)/,
              (_, c: string) => `Signature=${c === '0' ? '1' : '0'}`,
            );
          const tampered = await post(dynamo.endpoint, sent, sentBody);
          assert.equal(tampered.status, 400);
          assert.match(tampered.body, /InvalidSignatureException/);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('refuses another secret, another key id, an old signature, and a stated payload hash that is not the body’s', async () => {
    const wrongSecret = await sign(dynamo.endpoint, {
      body: getItem,
      credentials: { accessKeyId: CREDENTIALS.accessKeyId, secretAccessKey: 'guessed' },
    });
    assert.match((await post(dynamo.endpoint, wrongSecret, getItem)).body, /InvalidSignatureException/);

    const wrongKey = await sign(dynamo.endpoint, {
      body: getItem,
      credentials: { accessKeyId: 'AKIDSOMEONEELSE000001', secretAccessKey: CREDENTIALS.secretAccessKey },
    });
    assert.match((await post(dynamo.endpoint, wrongKey, getItem)).body, /UnrecognizedClientException/);

    const old = await sign(dynamo.endpoint, { body: getItem, signingDate: new Date(Date.now() - 20 * 60_000) });
    assert.match((await post(dynamo.endpoint, old, getItem)).body, /Signature expired/);

    const unsigned = await sign(dynamo.endpoint, {
      body: getItem,
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });
    assert.match((await post(dynamo.endpoint, unsigned, getItem)).body, /InvalidSignatureException/);
  });

  it('refuses signatures that leave out the date or the host, list headers out of order, or sign a query', async () => {
    const headers = await sign(dynamo.endpoint, { body: getItem });
    const list = /SignedHeaders=([^,]+)/.exec(headers.authorization!)![1]!;
    const withList = (names: string) => ({
      ...headers,
      authorization: headers.authorization!.replace(`SignedHeaders=${list}`, `SignedHeaders=${names}`),
    });
    for (const names of [
      list.replace('x-amz-date;', ''),
      list.replace('host;', ''),
      list.split(';').reverse().join(';'),
    ])
      assert.match((await post(dynamo.endpoint, withList(names), getItem)).body, /InvalidSignatureException/);

    const presigned = await sign(dynamo.endpoint, { body: getItem, query: { 'X-Amz-Signature': 'a'.repeat(64) } });
    const answer = await post(dynamo.endpoint, presigned, getItem, `/?X-Amz-Signature=${'a'.repeat(64)}`);
    assert.match(answer.body, /InvalidSignatureException/);
  });

  it('keeps a signing key only for its own day, region and secret, and each signature’s time its own', async () => {
    // Serving one request derives and keeps the key for today and region `local`, and its time.
    const headers = await sign(dynamo.endpoint, { body: getItem });
    assert.doesNotMatch((await post(dynamo.endpoint, headers, getItem)).body, /Exception/);
    const scope = /Credential=[^/]+\/(\d{8})\/local\//.exec(headers.authorization!)!;
    const withScope = (day: string, region: string) => ({
      ...headers,
      authorization: headers.authorization!.replace(
        scope[0],
        `Credential=${CREDENTIALS.accessKeyId}/${day}/${region}/`,
      ),
    });
    // The same signature under another region or day in its scope signs another string, with another key.
    assert.match(
      (await post(dynamo.endpoint, withScope(scope[1]!, 'other'), getItem)).body,
      /InvalidSignatureException/,
    );
    assert.match(
      (await post(dynamo.endpoint, withScope('20200101', 'local'), getItem)).body,
      /InvalidSignatureException/,
    );
    // Another region signed with the stack's secret is a signature of its own, and holds.
    const otherRegion = await sign(dynamo.endpoint, { body: getItem, region: 'eu-west-1' });
    assert.doesNotMatch((await post(dynamo.endpoint, otherRegion, getItem)).body, /Exception/);
    // With the key for today and `local` kept, another secret still fails, and so does the same
    // secret under another service.
    const guessed = await sign(dynamo.endpoint, {
      body: getItem,
      credentials: { accessKeyId: CREDENTIALS.accessKeyId, secretAccessKey: 'guessed' },
    });
    assert.match((await post(dynamo.endpoint, guessed, getItem)).body, /InvalidSignatureException/);
    const otherService = await sign(dynamo.endpoint, { body: getItem, service: 's3' });
    assert.match((await post(dynamo.endpoint, otherService, getItem)).body, /InvalidSignatureException/);
    // The time just served is not lent to another: a request 20 minutes old, or one whose date was
    // changed after signing, is refused right after a fresh one.
    const old = await sign(dynamo.endpoint, { body: getItem, signingDate: new Date(Date.now() - 20 * 60_000) });
    assert.doesNotMatch((await post(dynamo.endpoint, headers, getItem)).body, /Exception/);
    assert.match((await post(dynamo.endpoint, old, getItem)).body, /Signature expired/);
    const redated = { ...old, 'x-amz-date': headers['x-amz-date']! };
    assert.doesNotMatch((await post(dynamo.endpoint, headers, getItem)).body, /Exception/);
    assert.match((await post(dynamo.endpoint, redated, getItem)).body, /InvalidSignatureException/);
  });

  it('counts only the requests it lets through (what `requests()` reports to the benchmarks)', async () => {
    const headers = await sign(dynamo.endpoint, { body: getItem, target: 'DescribeLimits' });
    const forged = headers.authorization!.replace(/.$/, (last) => (last === '0' ? '1' : '0'));
    const answer = await post(dynamo.endpoint, { ...headers, authorization: forged }, getItem);
    assert.match(answer.body, /InvalidSignatureException/);
    await post(dynamo.endpoint, { 'x-amz-target': 'DynamoDB_20120810.ListBackups' }, getItem);
    const served = await dynamo.requests();
    assert.equal(served.DescribeLimits, undefined);
    assert.equal(served.ListBackups, undefined);
    assert.ok((served.GetItem ?? 0) > 0, JSON.stringify(served));
  });

  it('refuses a browser and a foreign Host before reading any signature', async () => {
    const headers = await sign(dynamo.endpoint, { body: getItem });
    const fromPage = await post(dynamo.endpoint, { ...headers, origin: 'https://evil.example' }, getItem);
    assert.equal(fromPage.status, 403);
    assert.match(fromPage.body, /does not answer browsers/);
    const rebound = await post(dynamo.endpoint, { ...headers, host: 'evil.example' }, getItem);
    assert.equal(rebound.status, 403);
    const bare = await post(dynamo.endpoint, { 'content-type': 'application/x-amz-json-1.0' }, getItem);
    assert.match(bare.body, /MissingAuthenticationTokenException/);
  });
});
