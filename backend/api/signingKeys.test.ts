import assert from 'node:assert/strict';
import { type FakeSigV4Server, startFakeSigV4Server } from '../../test/fakes/sigv4Server';
import { sampleJob } from '../../test/helpers/jobs';
import { jobVerifies, signerFrom, signJob, verifierFrom, workerSealFrom } from '../store/signing';
import { apiKeysFromSecrets } from './signingKeys';

// On AWS the API reads its signing key and the workers' seal key from Secrets Manager with its own
// role: a loopback Secrets Manager recomputes every SigV4 signature and answers GetSecretValue by
// version stage. After a rotation (put-secret-value) the previous version still verifies.

const SIGNING = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cody-batch/dev/signing-key-AbCdEf';
const WORKER = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cody-batch/dev/worker-key-AbCdEf';
const IDENTITY = {
  accessKeyId: 'ASIAFAKELAMBDAROLE000',
  secretAccessKey: 'FAKEsecretOFtheLAMBDArole/0123456789abcd',
  sessionToken: 'FAKEsessionTOKENofTHElambda',
};
const generated = (label: string) => `${label}${'0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ'.repeat(2)}`;

describe('the API’s keys from Secrets Manager', () => {
  let secrets: FakeSigV4Server;
  /** Versions by secret and stage, as put-secret-value leaves them. */
  const versions = new Map<string, Record<string, string>>();
  const env = () => ({
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: IDENTITY.accessKeyId,
    AWS_SECRET_ACCESS_KEY: IDENTITY.secretAccessKey,
    AWS_SESSION_TOKEN: IDENTITY.sessionToken,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
    CODY_BATCH_SIGNING_KEY_SECRET: SIGNING,
    CODY_BATCH_WORKER_KEY_SECRET: WORKER,
  });

  before(async () => {
    secrets = await startFakeSigV4Server(
      [IDENTITY],
      (request) => {
        const { SecretId, VersionStage = 'AWSCURRENT' } = JSON.parse(request.body) as {
          SecretId: string;
          VersionStage?: string;
        };
        const value = versions.get(SecretId)?.[VersionStage];
        if (value === undefined)
          return {
            status: 400,
            body: {
              __type: 'ResourceNotFoundException',
              message: `Secrets Manager can't find the specified secret value for staging label: ${VersionStage}`,
            },
          };
        return { status: 200, body: { ARN: SecretId, SecretString: value, VersionStages: [VersionStage] } };
      },
      'secretsmanager',
    );
  });
  after(() => secrets?.close());

  it('signs with the current version, and after a rotation still verifies what the previous one signed', async () => {
    versions.set(SIGNING, { AWSCURRENT: generated('one') });
    versions.set(WORKER, { AWSCURRENT: generated('seal-one') });
    const before = await apiKeysFromSecrets(env());
    const job = sampleJob({ command: 'true', prompt: undefined });
    job.signature = signJob(before.signer, job);
    const seal = before.workerSeal.seal('result', { commit: 'abc' });
    assert.equal(before.signer.publicKeys.length, 1, 'no previous version yet');

    // put-secret-value: the old version becomes AWSPREVIOUS.
    versions.set(SIGNING, { AWSCURRENT: generated('two'), AWSPREVIOUS: generated('one') });
    versions.set(WORKER, { AWSCURRENT: generated('seal-two'), AWSPREVIOUS: generated('seal-one') });
    const after = await apiKeysFromSecrets(env());
    assert.notEqual(after.signer.publicKeys[0], before.signer.publicKeys[0]);
    assert.deepEqual(after.signer.publicKeys[1], before.signer.publicKeys[0]);
    // What a worker is given (the public keys) verifies the job signed before the rotation.
    assert.ok(jobVerifies(verifierFrom(after.signer.publicKeys), job));
    assert.ok(after.workerSeal.verifies('result', { commit: 'abc' }, seal));
    // The keys are the ones the secret texts make, and nothing else.
    assert.deepEqual(after.signer.publicKeys, signerFrom(generated('two'), [generated('one')]).publicKeys);
    assert.ok(
      workerSealFrom([generated('seal-two')]).verifies('result', { x: 1 }, after.workerSeal.seal('result', { x: 1 })),
    );
  });

  it('refuses to start without both secrets, or with a secret it may not read', async () => {
    await assert.rejects(
      apiKeysFromSecrets({ ...env(), CODY_BATCH_SIGNING_KEY_SECRET: undefined }),
      /needs CODY_BATCH_SIGNING_KEY_SECRET and CODY_BATCH_WORKER_KEY_SECRET/,
    );
    await assert.rejects(
      apiKeysFromSecrets({ ...env(), CODY_BATCH_SIGNING_KEY_SECRET: `${SIGNING}-other` }),
      /Secrets Manager refused to read/,
    );
  });
});
