import assert from 'node:assert/strict';
import { WebConfig } from '../common/webConfig';
import { deployCommands, environmentFrom, WEB_OUTPUTS, webConfigFrom, webOutputsFrom } from './deployWeb';
import { describeEachEnvironment } from './testing';

// The web app's deploy step (npm run deploy:web): what it reads from the stack, the config.json it
// writes, and the AWS CLI commands it runs.

const OUTPUTS = [
  { OutputKey: 'FrontendBucketName', OutputValue: 'cody-batch-dev-frontend' },
  { OutputKey: 'DistributionId', OutputValue: 'E2ABCDEF123456' },
  { OutputKey: 'WebApiUrl', OutputValue: 'https://web123.execute-api.eu-west-1.amazonaws.com/' },
  { OutputKey: 'SignInUrl', OutputValue: 'https://cody-batch-dev-123456789012.auth.eu-west-1.amazoncognito.com' },
  { OutputKey: 'UserPoolClientId', OutputValue: '1example23456789' },
  { OutputKey: 'WebAppUrl', OutputValue: 'https://d111111abcdef8.cloudfront.net/' },
  { OutputKey: 'ApiUrl', OutputValue: 'https://abc.execute-api.eu-west-1.amazonaws.com/' },
];

describe('infra: npm run deploy:web', function () {
  this.timeout(120_000);

  it('writes a config.json the page accepts, from the stack’s outputs', () => {
    const config = webConfigFrom(webOutputsFrom(OUTPUTS, 'CodyBatch-dev'));
    assert.deepEqual(WebConfig.parse(config), {
      auth: 'cognito',
      apiUrl: 'https://web123.execute-api.eu-west-1.amazonaws.com/',
      signInUrl: 'https://cody-batch-dev-123456789012.auth.eu-west-1.amazoncognito.com',
      clientId: '1example23456789',
    });
  });

  it('says which output is missing when the stack is older than the web app', () => {
    assert.throws(
      () => webOutputsFrom(OUTPUTS.slice(1), 'CodyBatch-dev'),
      /CodyBatch-dev has no output FrontendBucketName: deploy the stack first/,
    );
  });

  it('uploads with index.html, app.js and config.json uncached, prunes, then invalidates everything', () => {
    const commands = deployCommands(webOutputsFrom(OUTPUTS, 'CodyBatch-dev'), '/tmp/build');
    assert.deepEqual(
      commands.map((command) => command.slice(0, 2).join(' ')),
      ['s3 sync', 's3 cp', 's3 cp', 's3 cp', 'cloudfront create-invalidation'],
    );
    assert.deepEqual(commands[2]!.slice(2, 4), ['/tmp/build/app.js', 's3://cody-batch-dev-frontend/app.js']);
    assert.ok(commands[0]!.includes('--delete'));
    assert.deepEqual(commands[1]!.slice(2), [
      '/tmp/build/index.html',
      's3://cody-batch-dev-frontend/index.html',
      '--cache-control',
      'no-cache',
    ]);
    assert.deepEqual(commands[4]!.slice(2), ['--distribution-id', 'E2ABCDEF123456', '--paths', '/*']);
  });

  it('takes the environment as --env or as -c env=, and refuses anything else', () => {
    assert.equal(environmentFrom(['--env', 'prod']), 'prod');
    assert.equal(environmentFrom(['-c', 'env=dev']), 'dev');
    assert.throws(() => environmentFrom(['--env', 'local']), /usage: npm run deploy:web -- --env dev\|prod/);
    assert.throws(() => environmentFrom([]), /usage/);
  });

  describeEachEnvironment((_env, template) => {
    it('reads only outputs the stack has', () => {
      const outputs = Object.keys(template().toJSON().Outputs as object);
      for (const key of WEB_OUTPUTS) assert.ok(outputs.includes(key), key);
    });
  });
});
