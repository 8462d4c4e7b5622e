import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { repositoriesByName, waitForJob } from './helpers/jobs';
import { programsFolder } from './helpers/programs';
import { useWorld } from './helpers/world';

// CODY_BATCH_SANDBOX=auto runs a command job bare, with a warning, where the sandbox cannot run.
// Once the stack has found that it runs, a worker that then fails to start it (a check timing out
// on a loaded machine, bubblewrap replaced under the stack) must refuse its commands: the stack
// said "on", and a developer reading that does not expect a command to run with their rights.
// Bubblewrap here is a wrapper that works until the test breaks it.

describe('the command sandbox, once found running under auto, is held to', function () {
  this.timeout(240_000);
  const broken = path.join(os.tmpdir(), `cody-batch-held-broken-${process.pid}-${Date.now()}`);
  const scratch = programsFolder('held', {
    bwrap: `if [ -e '${broken}' ]; then echo 'bwrap: broken by the test' >&2; exit 1; fi\nexec bwrap "$@"\n`,
  });
  const bwrap = path.join(scratch, 'bwrap');
  const outside = path.join(scratch, 'ran-outside');
  const world = useWorld({
    repositories: { 'acme/held': { 'README.md': '# held\n' } },
    stack: { concurrency: 1, env: { CODY_BATCH_SANDBOX: 'auto', CODY_BATCH_SANDBOX_BWRAP: bwrap } },
  });

  it('refuses a command job’s run (SANDBOX_UNAVAILABLE) when a worker cannot start the sandbox, and runs nothing', async () => {
    const { stack } = world;
    const sandbox = await stack.client.sandbox();
    assert.equal(sandbox.state, 'on', sandbox.message);
    await writeFile(broken, '');
    const created = await stack.client.createJob({
      name: 'Mark outside',
      command: `echo ran > ran.txt; echo ran > ${outside}`,
      repositories: ['acme/held'],
    });
    await waitForJob(stack.client, created.jobId);
    const row = (await repositoriesByName(stack.client, created.jobId)).get('acme/held')!;
    assert.equal(row.status, 'FAILED', JSON.stringify(row));
    assert.equal(row.error?.code, 'SANDBOX_UNAVAILABLE');
    assert.equal(existsSync(outside), false, 'the command did not run');
  });
});
