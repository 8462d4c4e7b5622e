import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repositoriesByName, waitForJob } from './helpers/jobs';
import { programsFolder } from './helpers/programs';
import { useWorld } from './helpers/world';

// A run must not fail because the machine is busy. The sandbox runtime finds bubblewrap, socat,
// ripgrep and each command's shell with `which`, given 1 s; on a loaded machine (load 20–30 on two
// cores) a `which` can take longer, and the runtime then says "not installed" or "not found in
// PATH": the stack reported the sandbox off, or a worker failed repositories it could have run.
// Here every other `which` answers right but after 1.5 s: a busy machine, made the same every run.

describe('the command sandbox on a busy machine', function () {
  this.timeout(240_000);
  const calls = path.join(os.tmpdir(), `cody-batch-which-calls-${process.pid}-${Date.now()}`);
  const bin = programsFolder('slow-which', {
    which: `echo "$@" >> '${calls}'\nif [ $(( $(wc -l < '${calls}') % 2 )) -eq 1 ]; then sleep 1.5; fi\nexec /usr/bin/which "$@"\n`,
  });
  const world = useWorld({
    repositories: { 'acme/busy-1': { 'README.md': '# one\n' }, 'acme/busy-2': { 'README.md': '# two\n' } },
    stack: {
      concurrency: 1,
      env: { CODY_BATCH_SANDBOX: 'require', PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` },
    },
  });

  it('reports the sandbox on and runs a command job in it, though every other `which` takes 1.5 s', async () => {
    const { stack } = world;
    const sandbox = await stack.client.sandbox();
    assert.equal(sandbox.state, 'on', sandbox.message);
    const created = await stack.client.createJob({
      name: 'Busy machine',
      command: 'echo ran > ran.txt',
      repositories: ['acme/busy-1', 'acme/busy-2'],
    });
    const job = await waitForJob(stack.client, created.jobId);
    const rows = await repositoriesByName(stack.client, created.jobId);
    for (const name of ['acme/busy-1', 'acme/busy-2']) {
      const row = rows.get(name)!;
      assert.equal(row.status, 'COMPLETED', `${name}: ${JSON.stringify(row.error)}`);
    }
    assert.equal(job.status, 'COMPLETED');
    // The runtime did look things up with `which` (else this test would prove nothing).
    assert.ok(readFileSync(calls, 'utf8').split('\n').filter(Boolean).length >= 2, 'which was called');
  });
});
