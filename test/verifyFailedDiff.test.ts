import assert from 'node:assert/strict';
import { ApiError } from '../common/client';
import { FAILED_VERIFICATION_HEADER } from '../common/names';
import { repositoriesByName, waitForJob } from './helpers/jobs';
import type { StackProcess } from './helpers/localStack';
import { useWorld } from './helpers/world';

// A command job whose verification fails: the repository is FAILED (VERIFY_FAILED), and the change
// the command made is kept, so the user can see what it did. A plain diff request still answers 409
// (nothing applies a failed change by mistake); `?failed=1` reads it, marked by a header.

describe('a command job whose verification failed keeps its diff', function () {
  this.timeout(120_000);
  const world = useWorld({
    repositories: { 'acme/widgets': { 'a.txt': 'old\n' }, 'acme/gadgets': { 'a.txt': 'old\n', 'KEEP.txt': 'x\n' } },
    stack: true,
  });
  let stack: StackProcess;
  before(() => ({ stack } = world));

  it('records diffStats on the FAILED row and serves the patch only for ?failed=1', async () => {
    const created = await stack.client.createJob({
      name: 'Verify fails',
      // gadgets changes nothing, so its failed verification has no diff to keep.
      command: 'if [ -f KEEP.txt ]; then exit 0; fi; echo new > a.txt',
      verifyCommand: 'echo "tests: 1 failing" >&2; exit 1',
      repositories: ['acme/widgets', 'acme/gadgets'],
    });
    const job = await waitForJob(stack.client, created.jobId);
    assert.equal(job.status, 'FAILED');
    const rows = await repositoriesByName(stack.client, job.jobId);
    const widgets = rows.get('acme/widgets')!;
    assert.equal(widgets.status, 'FAILED');
    assert.equal(widgets.error?.code, 'VERIFY_FAILED');
    assert.deepEqual(widgets.diffStats, { files: 1, additions: 1, deletions: 1 });

    const path = `${stack.apiUrl}/jobs/${job.jobId}/repositories/${encodeURIComponent('acme/widgets')}/diff`;
    const headers = { authorization: `Bearer ${stack.token}` };
    const plain = await fetch(path, { headers });
    assert.equal(plain.status, 409);
    const refused = (await plain.json()) as { error: { code: string; message: string } };
    assert.equal(refused.error.code, 'NO_DIFF');
    assert.match(refused.error.message, /\?failed=1/);

    const kept = await fetch(`${path}?failed=1`, { headers });
    assert.equal(kept.status, 200);
    assert.equal(kept.headers.get(FAILED_VERIFICATION_HEADER), 'true');
    assert.match(await kept.text(), /^-old\n\+new$/m);

    const fromClient = await stack.client.getDiff(job.jobId, 'acme/widgets', { failed: true });
    assert.equal(fromClient.verificationFailed, true);
    assert.match(fromClient.patch ?? '', /\+new/);

    // Nothing kept where the command changed nothing.
    assert.equal(rows.get('acme/gadgets')!.diffStats, undefined);
    await assert.rejects(
      stack.client.getDiff(job.jobId, 'acme/gadgets', { failed: true }),
      (error: unknown) => error instanceof ApiError && error.status === 409,
    );
    const bad = await fetch(`${path}?failed=yes`, { headers });
    assert.equal(bad.status, 400);
  });
});
