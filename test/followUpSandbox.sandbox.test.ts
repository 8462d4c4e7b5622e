import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { branchName } from '../common/names';
import { reply } from './fakes/anthropicServer';
import { bare, useFollowUpWorld } from './helpers/followUps';
import { waitForJob } from './helpers/jobs';

// A follow-up round's commands run in the sandbox as a job's first run does (CODY_BATCH_SANDBOX=
// require, from the sandbox suite): a command job's conflicts round merges the base in and runs
// its command again on the merged tree, and that command reads nothing of $CODY_BATCH_HOME and
// writes nothing outside its checkout.

describe('the command sandbox holds a follow-up round’s commands', function () {
  this.timeout(240_000);
  const world = useFollowUpWorld({
    repositories: { 'acme/boxed': { 'src/main.js': 'const a = oldFunction(1);\n', 'README.md': '# boxed\n' } },
    script: () => reply.text('Nothing to do.'),
  });

  it('runs a command job’s command again on the merged tree inside the sandbox: no stack secret read, nothing written outside', async () => {
    const { stack, hosting } = world;
    const sandbox = await stack.client.sandbox();
    assert.equal(sandbox.state, 'on', sandbox.message);
    await writeFile(path.join(stack.home, 'planted-secret'), 'roundcanary0123456789\n');
    const target = path.join(await world.tempDir('cody-batch-round-outside-'), 'target');
    const command = [
      "sed -i 's/oldFunction(/newFunction(/g' src/main.js",
      // Appends a line each run: the round's diff shows that the command ran again.
      'echo ran >> ran.txt',
      `cat ${path.join(stack.home, 'planted-secret')} ${path.join(stack.home, 'token')} > read.txt 2>&1 || true`,
      `echo planted > ${target} 2>/dev/null || true`,
    ].join('\n');
    const job = await world.finishedJob({ name: 'Move by sed', command, repositories: ['acme/boxed'] });
    const branch = branchName(job.jobId);
    const head = await bare(hosting, 'acme/boxed', 'rev-parse', branch);
    await hosting.repository('acme/boxed').pushChange(async (checkout) => {
      await writeFile(`${checkout}/src/main.js`, 'const a = oldFunction(1, { strict: true });\n');
    }, 'Make the call strict');

    const row = await world.completedRound(job.jobId, 'acme/boxed', { reason: 'conflicts', push: 'auto' });
    assert.equal(row.followUp?.round, 1);
    const log = await stack.client.getLog(job.jobId, 'acme/boxed', { attempt: 2 });
    assert.match(log, /Sandbox: on\./);
    const { patch } = await stack.client.getDiff(job.jobId, 'acme/boxed');
    // The round's diff is against the base merged in: the pull request's whole change, one line a run.
    assert.match(patch!, /^\+ran\n\+ran$/m, 'the command ran again on the merged tree');
    assert.doesNotMatch(patch!, /roundcanary/, 'the stack home is not readable');
    assert.ok(!patch!.includes(stack.token), 'nor its token');
    assert.equal(existsSync(target), false, `${target} stays absent`);
    const merge = await bare(hosting, 'acme/boxed', 'rev-parse', branch);
    assert.equal(await bare(hosting, 'acme/boxed', 'rev-parse', `${merge}^1`), head);
  });
});
