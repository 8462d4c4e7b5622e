import assert from 'node:assert/strict';
import { readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ApiError } from '../common/client';
import { waitForJob } from './helpers/jobs';
import { useWorld } from './helpers/world';

// Rotating the local stack's signing key, as docs/operations.md ("Rotating the signing key") says:
// stop the stack, move signing.key to signing.previous.key, start it (it makes a new key). What the
// previous key signed still runs; what the key before it signed does not, after a second rotation.

describe('rotating the local signing key', function () {
  this.timeout(120_000);
  // Workers paused until the first restart: the sample signed with key 1 waits for key 2 to be made.
  const world = useWorld({
    repositories: { 'acme/one': { 'a.txt': 'old\n' }, 'acme/two': { 'a.txt': 'old\n' } },
    stack: { concurrency: 0 },
  });
  const home = () => world.stack.home;
  const rotate = () => rename(path.join(home(), 'signing.key'), path.join(home(), 'signing.previous.key'));
  const sampleJob = {
    command: 'echo new > a.txt',
    repositories: ['acme/one', 'acme/two'],
    sample: { size: 1 },
  };

  it('keeps what the previous key signed running, and refuses what the key before it signed', async () => {
    const first = world.stack;
    const key1 = await readFile(path.join(home(), 'signing.key'), 'utf8');
    const a = await first.client.createJob({ name: 'Signed with key 1', ...sampleJob });
    assert.equal(await first.stop(), 0);

    await rotate();
    const second = await world.restartStack(undefined, { CODY_BATCH_CONCURRENCY: '1' });
    const key2 = await readFile(path.join(home(), 'signing.key'), 'utf8');
    assert.notEqual(key2, key1, 'a new key was made');
    for (const file of ['signing.key', 'signing.previous.key'])
      assert.equal((await stat(path.join(home(), file))).mode & 0o777, 0o600, file);
    // Signed with the previous key: its sample runs.
    assert.equal((await waitForJob(second.client, a.jobId, { status: 'SAMPLED' })).status, 'SAMPLED');
    const b = await second.client.createJob({ name: 'Signed with key 2', ...sampleJob });
    assert.equal((await waitForJob(second.client, b.jobId, { status: 'SAMPLED' })).status, 'SAMPLED');

    assert.equal(await second.stop(), 0);
    await rotate();
    const third = await world.restartStack();
    // Key 1 is gone: its job can no longer be continued (nor run, nor published).
    await assert.rejects(
      third.client.continueJob(a.jobId),
      (error: ApiError) => error.status === 409 && error.code === 'UNVERIFIED_JOB',
    );
    // Key 2 is the previous one now: its job goes on.
    await third.client.continueJob(b.jobId);
    const done = await waitForJob(third.client, b.jobId);
    assert.equal(done.status, 'COMPLETED', JSON.stringify(await third.client.allRepositories(b.jobId)));
  });
});
