import assert from 'node:assert/strict';
import { chooseConnection, plainHttpWarning, takeConnectionOptions } from './connect';

// Which API and which auth a command's flags and environment choose; flags win over the environment.

const API = 'https://abc123.execute-api.eu-west-1.amazonaws.com/';

describe('CLI connection choice', () => {
  it('stays on the local stack unless an API URL is given', () => {
    assert.deepEqual(
      chooseConnection({}, { AWS_PROFILE: 'dev', AWS_REGION: 'us-east-1', CODY_BATCH_TOKEN: 'x'.repeat(20) }),
      { kind: 'local' },
    );
    assert.throws(
      () => chooseConnection({ profile: 'dev' }, {}),
      /--profile is for a remote API: give its URL with --api-url/,
    );
  });

  it('signs for an execute-api URL in the region the URL names, unless --region says otherwise', () => {
    assert.deepEqual(chooseConnection({}, { CODY_BATCH_API_URL: API, AWS_REGION: 'us-east-1' }), {
      kind: 'aws',
      apiUrl: API,
      region: 'eu-west-1',
      profile: undefined,
    });
    assert.deepEqual(chooseConnection({ 'api-url': API, region: 'eu-central-1', profile: 'ops' }, {}), {
      kind: 'aws',
      apiUrl: API,
      region: 'eu-central-1',
      profile: 'ops',
    });
    assert.throws(
      () => chooseConnection({ 'api-url': 'https://batch.example.com', auth: 'aws' }, {}),
      /give --region or set AWS_REGION/,
    );
  });

  it('uses CODY_BATCH_TOKEN as a bearer token for another API, and asks how to sign in when neither fits', () => {
    const token = 't'.repeat(32);
    assert.deepEqual(chooseConnection({ 'api-url': 'http://10.0.0.5:7878' }, { CODY_BATCH_TOKEN: token }), {
      kind: 'token',
      apiUrl: 'http://10.0.0.5:7878',
      token,
    });
    assert.throws(
      () => chooseConnection({ 'api-url': 'http://10.0.0.5:7878' }, {}),
      /--auth aws .* or --auth token with CODY_BATCH_TOKEN/,
    );
    assert.throws(
      () => chooseConnection({ 'api-url': 'http://10.0.0.5:7878', auth: 'token' }, {}),
      /CODY_BATCH_TOKEN, which is not set/,
    );
    assert.throws(() => chooseConnection({ 'api-url': API, auth: 'iam' }, {}), /must be aws or token/);
    assert.throws(
      () => chooseConnection({ 'api-url': 'abc.execute-api.eu-west-1.amazonaws.com' }, {}),
      /must be an http\(s\) URL/,
    );
  });

  it('never echoes credentials written into the URL, and warns before a token crosses the network in plain HTTP', () => {
    const token = 't'.repeat(32);
    for (const url of ['https://alice:s3cretPass@batch.example.com', 'ftp://alice:s3cretPass@batch.example.com']) {
      assert.throws(
        () => chooseConnection({ 'api-url': url }, { CODY_BATCH_TOKEN: token }),
        (error: Error) =>
          /must (not hold credentials|be an http\(s\) URL)/.test(error.message) &&
          !error.message.includes('s3cretPass'),
      );
    }
    const remote = chooseConnection({ 'api-url': 'http://10.0.0.5:7878' }, { CODY_BATCH_TOKEN: token });
    assert.match(plainHttpWarning(remote)!, /token goes to 10\.0\.0\.5:7878 over plain HTTP/);
    assert.equal(
      plainHttpWarning(chooseConnection({ 'api-url': 'http://127.0.0.1:7878' }, { CODY_BATCH_TOKEN: token })),
      undefined,
    );
    assert.equal(
      plainHttpWarning(chooseConnection({ 'api-url': 'https://batch.example.com' }, { CODY_BATCH_TOKEN: token })),
      undefined,
    );
  });

  it("takes its options out of any command line, leaving the command's own", () => {
    assert.deepEqual(
      takeConnectionOptions([
        'watch',
        '--region=eu-west-1',
        'job-1',
        '--interval',
        '2',
        '--api-url',
        API,
        '--',
        '--profile',
        'x',
      ]),
      {
        flags: { region: 'eu-west-1', 'api-url': API },
        rest: ['watch', 'job-1', '--interval', '2', '--', '--profile', 'x'],
      },
    );
    assert.throws(() => takeConnectionOptions(['--profile']), /--profile needs a value/);
    assert.throws(() => takeConnectionOptions(['--profile', '--region', 'x']), /--profile needs a value/);
  });
});
