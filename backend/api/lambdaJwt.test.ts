import assert from 'node:assert/strict';
import { apiGatewayEvent, iamCaller, type LambdaApi, startLambdaApi } from '../../test/helpers/lambdaEvents';

// The API as Lambda runs it behind the web app's HTTP API, whose JWT authorizer (the Cognito user
// pool) has checked the token: payload 2.0 events carrying the token's claims. Each signed-in
// person is their own owner, by the token's subject: two people never see each other's jobs, and
// neither sees an IAM caller's, nor the other way round.

const ALICE = '1f9e4c2a-0b7d-4e55-9b8a-3c2d1e0f9a8b';
const BOB = '7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d';
const IAM_CALLER = 'arn:aws:iam::123456789012:user/carol';

type Caller = { sub: string } | { userArn: string } | { claims: Record<string, string> } | undefined;

/** An event through the web app's HTTP API (its `ANY /{proxy+}` route), as its authorizer passes it on. */
function event(method: string, rawPath: string, caller: Caller, body?: unknown) {
  const authorizer =
    caller === undefined
      ? undefined
      : 'userArn' in caller
        ? { iam: iamCaller(caller.userArn) }
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
  return apiGatewayEvent(method, rawPath, { authorizer, routeKey: `${method} /{proxy+}`, body });
}

describe('API on Lambda (people signed in through the user pool)', () => {
  let lambda: LambdaApi;
  let invoke: (e: ReturnType<typeof event>) => Promise<{ status: number; json: any }>;

  before(async () => {
    lambda = await startLambdaApi({ log: { error: () => undefined } });
    const { handler } = lambda;
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
  after(() => lambda?.dispose());

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
