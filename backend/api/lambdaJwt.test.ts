import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { newTestStore, startTestDynamo } from '../../test/helpers/dynamo';
import { makeTempDir } from '../../test/helpers/localStack';
import { IdleExecutor } from '../executor/executor';
import type { RunningDynamo } from '../local/dynamodb';
import { FolderArtifactStore } from '../store/artifacts';
import type { Store } from '../store/store';
import { createLambdaHandler } from './lambda';
import { testKeys } from '../../test/helpers/keys';

// The API as Lambda runs it behind the web app's HTTP API, whose JWT authorizer (the Cognito user
// pool) has checked the token: payload 2.0 events carrying the token's claims. Each signed-in
// person is their own owner, by the token's subject: two people never see each other's jobs, and
// neither sees an IAM caller's, nor the other way round.

const ALICE = '1f9e4c2a-0b7d-4e55-9b8a-3c2d1e0f9a8b';
const BOB = '7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d';
const IAM_CALLER = 'arn:aws:iam::123456789012:user/carol';

type Caller = { sub: string } | { userArn: string } | { claims: Record<string, string> } | undefined;

function event(method: string, rawPath: string, caller: Caller, body?: unknown) {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const authorizer =
    caller === undefined
      ? undefined
      : 'userArn' in caller
        ? { iam: { accessKey: 'AKIA', accountId: '123456789012', callerId: 'AIDA', userArn: caller.userArn } }
        : {
            jwt: {
              claims:
                'claims' in caller
                  ? caller.claims
                  : {
                      sub: caller.sub,
                      iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc',
                      client_id: 'client123',
                      token_use: 'access',
                      scope: 'openid email',
                    },
              scopes: ['openid', 'email'],
            },
          };
  return {
    version: '2.0',
    routeKey: `${method} /{proxy+}`,
    rawPath,
    rawQueryString: '',
    headers: {
      host: 'web123.execute-api.eu-west-1.amazonaws.com',
      ...(text ? { 'content-type': 'application/json' } : {}),
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'web123',
      domainName: 'web123.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'web123',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'browser' },
      requestId: `r${Math.random()}`,
      routeKey: `${method} /{proxy+}`,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
      ...(authorizer ? { authorizer } : {}),
    },
    body: text,
    isBase64Encoded: false,
  };
}

describe('API on Lambda (people signed in through the user pool)', () => {
  let dynamo: RunningDynamo;
  let store: Store;
  let artifactsRoot: string;
  let invoke: (e: ReturnType<typeof event>) => Promise<{ status: number; json: any }>;

  before(async () => {
    dynamo = await startTestDynamo();
    store = await newTestStore(dynamo);
    artifactsRoot = await makeTempDir('cody-batch-lambda-jwt-');
    const handler = createLambdaHandler({
      store,
      artifacts: new FolderArtifactStore(artifactsRoot),
      executor: new IdleExecutor(),
      keys: testKeys(),
      version: 'test',
      log: { error: () => undefined },
    });
    invoke = async (e) => {
      const result = (await handler(e as never, {} as never)) as {
        statusCode: number;
        body?: string;
        isBase64Encoded?: boolean;
      };
      const text = Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8').toString('utf8');
      return { status: result.statusCode, json: text ? JSON.parse(text) : undefined };
    };
  });
  after(async () => {
    await dynamo?.close();
    await rm(artifactsRoot, { recursive: true, force: true });
  });

  const job = (name: string) => ({ name, description: '', command: 'true', repositories: ['acme/widgets'] });

  it('gives each signed-in person their own jobs, by the token’s subject', async () => {
    const created = await invoke(event('POST', '/jobs', { sub: ALICE }, job('Alice’s job')));
    assert.equal(created.status, 201, JSON.stringify(created.json));
    assert.equal(created.json.owner, `cognito:${ALICE}`);
    const aliceJob = created.json.jobId as string;
    const bobJob = (await invoke(event('POST', '/jobs', { sub: BOB }, job('Bob’s job')))).json.jobId as string;
    const carolJob = (await invoke(event('POST', '/jobs', { userArn: IAM_CALLER }, job('Carol’s job')))).json
      .jobId as string;

    const names = async (caller: Caller) =>
      ((await invoke(event('GET', '/jobs', caller))).json.items as { name: string }[]).map((item) => item.name);
    assert.deepEqual(await names({ sub: ALICE }), ['Alice’s job']);
    assert.deepEqual(await names({ sub: BOB }), ['Bob’s job']);
    assert.deepEqual(await names({ userArn: IAM_CALLER }), ['Carol’s job'], 'the IAM clients keep working');

    // Another person's job answers as a missing one does, to read or to act on.
    for (const [caller, other] of [
      [{ sub: BOB }, aliceJob],
      [{ sub: ALICE }, bobJob],
      [{ sub: ALICE }, carolJob],
      [{ userArn: IAM_CALLER }, aliceJob],
    ] as const) {
      assert.equal((await invoke(event('GET', `/jobs/${other}`, caller))).status, 404);
      assert.equal((await invoke(event('POST', `/jobs/${other}/cancel`, caller, {}))).status, 404);
      assert.equal((await invoke(event('GET', `/jobs/${other}/repositories`, caller))).status, 404);
    }
    assert.equal((await invoke(event('GET', `/jobs/${aliceJob}`, { sub: ALICE }))).status, 200);
  });

  it('refuses a request without an owner: no authorizer, or claims without a usable subject', async () => {
    assert.equal((await invoke(event('GET', '/jobs', undefined))).status, 401);
    assert.equal((await invoke(event('GET', '/jobs', { claims: { email: 'a@example.com' } }))).status, 401);
    assert.equal((await invoke(event('GET', '/jobs', { claims: { sub: 'arn:aws:iam::1:user/x' } }))).status, 401);
    assert.equal((await invoke(event('GET', '/jobs', { claims: { sub: '' } }))).status, 401);
  });
});
