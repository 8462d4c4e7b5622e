import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { ENV } from '../../common/names';
import type { RunningDynamo } from '../local/dynamodb';
import { newTestStore, startTestDynamo } from '../../test/helpers/dynamo';
import { type FakeSigV4Server, startFakeSigV4Server } from '../../test/fakes/sigv4Server';
import { lambdaEnvironment } from '../../test/helpers/lambdaEvents';
import { makeTempDir } from '../../test/helpers/localStack';
import { dependenciesFromEnvironment } from './lambda';

// A cold Lambda reads its signing keys and the code host's credential from Secrets Manager before
// it can answer: at the same time, so that the first request waits for one round of answers.

const IDENTITY = { accessKeyId: 'ASIALAMBDADEPSTEST', secretAccessKey: 'lambda-dependencies-test-secret/0123' };
const SECRETS = 'cody-batch/test';
const SIGNING = `${SECRETS}/signing-key`;
const WORKER = `${SECRETS}/worker-key`;
const GITHUB = 'cody-batch/test/github-token';

describe('the API Lambda’s dependencies', function () {
  this.timeout(30_000);
  let dynamo: RunningDynamo;
  let folder: string;
  let secrets: FakeSigV4Server | undefined;

  before(async () => {
    dynamo = await startTestDynamo();
    folder = await makeTempDir();
  });
  after(async () => {
    await secrets?.close();
    await dynamo?.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('reads the signing keys and the code host’s token from Secrets Manager at the same time', async () => {
    // Secrets Manager answers nothing until both the signing key and the token have been asked
    // for: read one after the other, the first would wait for ever (and the test time out).
    let release!: () => void;
    const bothAsked = new Promise<void>((resolve) => (release = resolve));
    const asked = new Set<string>();
    secrets = await startFakeSigV4Server(
      [IDENTITY],
      async (request) => {
        const { SecretId, VersionStage } = JSON.parse(request.body) as { SecretId: string; VersionStage?: string };
        asked.add(SecretId);
        if (asked.has(SIGNING) && asked.has(GITHUB)) release();
        await bothAsked;
        if (VersionStage === 'AWSPREVIOUS')
          return { status: 400, body: { __type: 'ResourceNotFoundException', message: 'no AWSPREVIOUS' } };
        const value =
          SecretId === GITHUB ? `ghp_${'a'.repeat(36)}` : `${SecretId}-0123456789abcdefghijklmnopqrstuvwxyz`;
        return { status: 200, body: { ARN: SecretId, SecretString: value } };
      },
      'secretsmanager',
    );
    const deps = await dependenciesFromEnvironment({
      ...lambdaEnvironment({
        store: await newTestStore(dynamo),
        dynamoEndpoint: dynamo.endpoint,
        artifacts: folder,
        identity: IDENTITY,
        secretsManagerUrl: secrets.url,
        secrets: SECRETS,
      }),
      [ENV.githubTokenSecret]: GITHUB,
    });
    assert.equal(deps.codeHost?.kind, 'github');
    assert.equal(deps.codeHost?.pullRequests.supported, true, 'the host has the token it read');
    assert.ok(deps.keys.signer.publicKeys.length > 0);
    assert.deepEqual([...asked].sort(), [GITHUB, SIGNING, WORKER].sort());
  });
});
