import assert from 'node:assert/strict';
import { CreateJobRequest } from '../common/schemas';
import { startFakeSigV4Server, type FakeSigV4Server } from './fakes/sigv4Server';
import { sampleJob } from './helpers/jobs';
import { makeTempDir } from './helpers/localStack';
import { runCli, runArgs } from './helpers/world';

// `cody-batch` against a deployed API: the real CLI bundle as a child process, AWS credentials given
// the way CI gives them (environment variables), and API Gateway's IAM auth stood in for by a
// server on 127.0.0.1 that recomputes every SigV4 signature.

const USER = {
  accessKeyId: 'ASIAEXAMPLEUSER00001',
  secretAccessKey: 'user/Secret+Key/0123456789abcdefEXAMPLE',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE-session-token-0123456789',
};
const OUTSIDER = { accessKeyId: 'AKIAEXAMPLEOUTSIDER1', secretAccessKey: 'outsider/Secret+Key/0123456789abcdefEXAMP' };

describe('cody-batch against a remote API with SigV4', function () {
  this.timeout(30_000);
  let api: FakeSigV4Server;
  let home: string;
  const existing = sampleJob({
    name: 'Existing remote job',
    owner: 'arn:aws:sts::123456789012:assumed-role/Developers/alice',
  });

  before(async () => {
    home = await makeTempDir();
    api = await startFakeSigV4Server([USER, { ...OUTSIDER, mayInvoke: false }], ({ method, url, body }) => {
      if (method === 'GET' && url.startsWith('/prod/jobs?')) return { status: 200, body: { items: [existing] } };
      if (method === 'POST' && url === '/prod/jobs') {
        const request = CreateJobRequest.parse(JSON.parse(body));
        return { status: 201, body: sampleJob({ ...request, jobId: 'job-created-remotely', owner: existing.owner }) };
      }
      return { status: 404, body: { error: { code: 'NOT_FOUND', message: `No route ${method} ${url}` } } };
    });
  });
  after(() => api?.close());

  /** The CLI with nothing of this machine's AWS or Cody Batch settings, a home without ~/.aws, no instance metadata. */
  function cli(args: string[], env: Record<string, string>) {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(AWS_|CODY_BATCH_)/.test(name)));
    return runCli(args, {
      env: { ...clean, HOME: home, CODY_BATCH_HOME: home, AWS_EC2_METADATA_DISABLED: 'true', ...env },
    });
  }
  const credentials = (identity: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) => ({
    AWS_ACCESS_KEY_ID: identity.accessKeyId,
    AWS_SECRET_ACCESS_KEY: identity.secretAccessKey,
    ...(identity.sessionToken ? { AWS_SESSION_TOKEN: identity.sessionToken } : {}),
  });

  it('lists jobs with a signed request the server verifies', async () => {
    const result = await cli(
      ['jobs', '--api-url', api.url, '--auth', 'aws', '--region', 'eu-west-1'],
      credentials(USER),
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`${existing.jobId}\\s+PENDING\\s+0/2\\s+0\\s+.*Existing remote job`));
    assert.deepEqual(api.requests.at(-1), {
      method: 'GET',
      url: '/prod/jobs?limit=50',
      body: '',
      signedBy: USER.accessKeyId,
    });
  });

  it('creates a job with run --detach, chosen through the environment alone', async () => {
    const before = api.requests.length;
    const env = { ...credentials(USER), CODY_BATCH_API_URL: api.url, CODY_BATCH_AUTH: 'aws', AWS_REGION: 'us-east-2' };
    const result = await cli(
      runArgs('Bump lodash', 'npm i lodash@4.17.21', 'acme/billing,acme/storefront', '--detach'),
      env,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'job-created-remotely\n');
    const [created, ...more] = api.requests.slice(before);
    assert.equal(more.length, 0);
    assert.equal(created?.signedBy, USER.accessKeyId, 'the POST and its body verified');
    assert.deepEqual(JSON.parse(created!.body).repositories, ['acme/billing', 'acme/storefront']);
  });

  it('says the signature was refused when the secret is wrong, without printing any secret', async () => {
    const wrong = { ...USER, secretAccessKey: 'wrong/Secret+Key/0123456789abcdefEXAMPLE0' };
    const result = await cli(
      ['jobs', '--api-url', api.url, '--auth', 'aws', '--region', 'eu-west-1'],
      credentials(wrong),
    );
    assert.equal(result.code, 1);
    assert.match(result.stderr, /AWS refused the request signature \(HTTP 403\).*secret access key.*aws sso login/s);
    for (const secret of [wrong.secretAccessKey, USER.secretAccessKey, USER.sessionToken])
      assert.ok(!(result.stdout + result.stderr).includes(secret));
  });

  it('says the caller lacks execute-api:Invoke, and where access is given, when API Gateway forbids it', async () => {
    const result = await cli(
      ['jobs', '--api-url', api.url, '--auth', 'aws', '--region', 'eu-west-1'],
      credentials(OUTSIDER),
    );
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /lacks execute-api:Invoke on http:\/\/127\.0\.0\.1:\d+\/prod.*docs\/operations\.md, "Give people access"/,
    );
  });

  it('says which credentials it tried and how to get some, sending nothing, when there are none', async () => {
    const before = api.requests.length;
    const chain = await cli(['jobs', '--api-url', api.url, '--auth', 'aws', '--region', 'eu-west-1'], {});
    assert.equal(chain.code, 1);
    assert.match(chain.stderr, /No AWS credentials found; tried the default chain .*aws sso login/);
    const profile = await cli(
      runArgs('x', 'true', 'acme/a', '--detach', '--api-url', api.url, '--auth', 'aws', '--region', 'eu-west-1'),
      { AWS_PROFILE: 'platform-ci' },
    );
    assert.equal(profile.code, 1);
    assert.match(
      profile.stderr,
      /No AWS credentials found; tried profile platform-ci \(AWS_PROFILE\)\. Run `aws sso login --profile platform-ci`/,
    );
    assert.equal(api.requests.length, before);
  });
});
