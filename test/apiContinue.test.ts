import assert from 'node:assert/strict';
import { FolderArtifactStore } from '../backend/store/artifacts';
import type { Store } from '../backend/store/store';
import { artifactKey } from '../common/names';
import { emptyUsage } from '../common/schemas';
import { BULK_ANSWERS_INLINE, stackStore, startStackProcess, type StackProcess } from './helpers/localStack';

// POST /jobs/{id}/continue and ?attempt= on a prompt job, over HTTP on the real local stack with
// its workers paused: the test plays the workers through the store, on the stack's own DynamoDB.

describe('REST API: continue a prompt job’s sample', () => {
  let stack: StackProcess;
  let store: Store;
  let artifacts: FolderArtifactStore;
  const api = (path: string, json?: unknown) =>
    fetch(`${stack.apiUrl}${path}`, {
      method: json === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
  /** A prompt job whose sample of one has COMPLETED: SAMPLED. */
  const sampledPromptJob = async (
    prompt: string,
    repositories = ['acme/one', 'acme/two', 'globex/three'],
    extra: Record<string, unknown> = {},
  ) => {
    const response = await api('/jobs', { name: 'Prompt sample', prompt, repositories, sample: { size: 1 }, ...extra });
    assert.equal(response.status, 201, await response.clone().text());
    const job = await response.json();
    const name = (await store.repositories.listAll(job.jobId)).find((row) => row.sampled)!.repositoryName;
    await store.claim(job.jobId, name, 1, '2000-01-01T00:00:00Z');
    const done = await store.transitionRepository(job.jobId, name, {
      from: ['RUNNING'],
      to: 'COMPLETED',
      set: { finishedAt: new Date().toISOString() },
    });
    assert.equal(done?.job.status, 'SAMPLED');
    return job;
  };

  before(async () => {
    stack = await startStackProcess({ env: { CODY_BATCH_CONCURRENCY: '0', ...BULK_ANSWERS_INLINE } });
    store = stackStore(stack);
    artifacts = new FolderArtifactStore(`${stack.home}/artifacts`);
  });
  after(async () => {
    await stack?.dispose();
  });

  it('takes a revised prompt or verifyCommand (not a command), keeping the rest of the task', async () => {
    const job = await sampledPromptJob('Replace oldFunction');

    const wrongKind = await api(`/jobs/${job.jobId}/continue`, { command: 'sed -i s/a/b/ x' });
    assert.equal(wrongKind.status, 400);
    assert.match((await wrongKind.json()).error.message, /this is a prompt job/);
    const tooLong = await api(`/jobs/${job.jobId}/continue`, { prompt: 'x'.repeat(50_001) });
    assert.equal(tooLong.status, 400);
    assert.match((await tooLong.json()).error.message, /prompt: must be at most 50000 characters/);

    const continued = await api(`/jobs/${job.jobId}/continue`, { verifyCommand: 'npm test' });
    assert.equal(continued.status, 202);
    const body = await continued.json();
    assert.equal(body.status, 'RUNNING');
    assert.equal(body.run.size, 3, 'the sample again, and the two waiting');
    assert.deepEqual(
      body.taskRevisions.map(({ createdAt, ...revision }: { createdAt: string }) => revision),
      [{ revision: 2, prompt: 'Replace oldFunction', verifyCommand: 'npm test' }],
    );
    assert.deepEqual([body.prompt, body.verifyCommand], ['Replace oldFunction', undefined], 'revision 1 as it was');
    const rows = await store.repositories.listAll(job.jobId);
    assert.deepEqual(
      rows.map((row) => row.taskRevision),
      [2, 2, 2],
    );
  });

  it('counts a revision toward the job item’s 350 KB, and refuses one that would not fit', async () => {
    // 150 KB of prompt (3-byte characters), 30 KB of description and 60 KB of pull-request body:
    // 240 KB as created, 390 KB with a revision that repeats the prompt. (Names are not in the item.)
    const names = Array.from({ length: 1000 }, (_, i) => `acme/${'r'.repeat(61)}-${String(i).padStart(4, '0')}`);
    const job = await sampledPromptJob('€'.repeat(50_000), names, {
      description: '€'.repeat(10_000),
      pullRequest: { body: '€'.repeat(20_000) },
    });
    const tooLarge = await api(`/jobs/${job.jobId}/continue`, { verifyCommand: 'npm test' });
    assert.equal(tooLarge.status, 400);
    assert.match(
      (await tooLarge.json()).error.message,
      /too large to store with this revision \(3[5-9]\d KB of at most 350 KB\)/,
    );
    assert.equal((await store.jobs.get(job.jobId))?.status, 'SAMPLED', 'nothing changed');
    const asItIs = await api(`/jobs/${job.jobId}/continue`, {});
    assert.equal(asItIs.status, 202);
    assert.equal((await asItIs.json()).run.size, 999);
  });

  it('reads a row from before per-attempt keys at its current attempt from the first attempt’s keys', async () => {
    const created = await api('/jobs', { name: 'Old', prompt: 'p', repositories: ['acme/old'] });
    const job = await created.json();
    // A row as the code before task revisions left it after a retry: attempt 2, no taskRevision,
    // its latest diff under the first attempt's key.
    await store.repositories.putAll([
      { jobId: job.jobId, repositoryName: 'acme/old', status: 'COMPLETED', attempt: 2, usage: emptyUsage() },
    ]);
    await artifacts.put(artifactKey(job.jobId, 'acme/old', 'diff.patch'), 'diff --git a/x b/x\n+old layout\n');
    const diff = await api(`/jobs/${job.jobId}/repositories/acme%2Fold/diff`);
    assert.equal(diff.status, 200);
    assert.match(await diff.text(), /\+old layout/);
  });
});
