import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { localWorkerEnvironment, useTestStore } from '../../test/helpers/testStore';
import { useHostedRepository } from '../../test/helpers/git';
import { newJob, sampleJob } from '../../test/helpers/jobs';
import { REPO_ROOT } from '../../test/helpers/localStack';
import { testKeys } from '../../test/helpers/keys';

// The worker bundle (dist/worker.js) as a real process: how its secrets reach it, and that its
// commands cannot read them back from its /proc/<pid>/environ.

const WORKER = path.join(REPO_ROOT, 'dist/worker.js');
const TOKEN = 'ghp_handoverTest0123456789abcdefABCDEF';
const KEYS = testKeys();
const TRUSTED = { CODY_BATCH_TRUSTED_KEYS: KEYS.signer.publicKeys.join(',') };

function spaced(text: string): string {
  return text.split('').join(' ');
}

describe('worker secrets', function () {
  this.timeout(60_000);
  const db = useTestStore({ each: false });
  const hosted = useHostedRepository('acme/one', { 'a.txt': 'old\n' });

  /** Runs the worker for a new command job; `handOver` is written to its descriptor 4. */
  async function runWorker(command: string, env: NodeJS.ProcessEnv, handOver?: string) {
    const job = sampleJob({ repositories: ['acme/one'], prompt: undefined, command });
    await db.store.createJob(newJob(job, KEYS.signer));
    const child = spawn(process.execPath, [WORKER], {
      env: {
        ...localWorkerEnvironment(db, hosted.hosting),
        JOB_ID: job.jobId,
        REPOSITORY_INDEX: '0',
        ...TRUSTED,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
    });
    const pipe = child.stdio[4] as NodeJS.WritableStream;
    if (handOver !== undefined) pipe.on('error', () => undefined).end(handOver);
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const patch = await readFile(
      path.join(hosted.hosting.work, 'artifacts/jobs', job.jobId, 'acme/one/diff.patch'),
      'utf8',
    ).catch(() => '');
    return { code, output, patch, row: await db.store.repositories.get(job.jobId, 'acme/one') };
  }

  const DUMP_PARENT_ENVIRON = `tr '\\0' '\\n' < /proc/$PPID/environ | sed 's/./& /g' > environ.txt`;

  it('takes secrets given as variables (the AWS Batch contract) out of its /proc environ before any command runs', async () => {
    const { code, output, patch, row } = await runWorker(DUMP_PARENT_ENVIRON, {
      GITHUB_TOKEN: TOKEN,
      CODY_BATCH_WORKER_KEY: KEYS.workerKey,
    });
    assert.equal(code, 0, output);
    assert.equal(row?.status, 'COMPLETED', JSON.stringify(row?.error));
    assert.ok(patch.includes(spaced('CODY_BATCH_ENV=local')), 'the command read the worker environ');
    assert.ok(!patch.includes(spaced(TOKEN)), 'but found no token there');
    assert.ok(!patch.includes(spaced(KEYS.workerKey)), 'nor the seal key');
  });

  it('reads secrets from CODY_BATCH_SECRETS_FD, which its commands cannot find in its environ either', async () => {
    const { code, output, patch, row } = await runWorker(
      DUMP_PARENT_ENVIRON,
      { CODY_BATCH_SECRETS_FD: '4' },
      JSON.stringify({ GITHUB_TOKEN: TOKEN, CODY_BATCH_WORKER_KEY: KEYS.workerKey }),
    );
    assert.equal(code, 0, output);
    assert.equal(row?.status, 'COMPLETED', JSON.stringify(row?.error));
    assert.ok(patch.includes(spaced('CODY_BATCH_ENV=local')));
    assert.ok(!patch.includes(spaced(TOKEN)));
    assert.ok(!patch.includes(spaced(KEYS.workerKey)));
  });

  it('refuses a hand-over that is not a JSON object of known secrets, with exit code 2 and no value printed', async () => {
    for (const [handOver, message] of [
      ['not json', /CODY_BATCH_SECRETS_FD: descriptor 4 did not hold a JSON object/],
      [JSON.stringify({ GITHUB_TOKEN: TOKEN, OTHER: 'other-value-123' }), /CODY_BATCH_SECRETS_FD: .*OTHER/],
    ] as const) {
      const { code, output, row } = await runWorker('true', { CODY_BATCH_SECRETS_FD: '4' }, handOver);
      assert.equal(code, 2, output);
      assert.match(output, message);
      assert.ok(!output.includes(TOKEN) && !output.includes('other-value-123'), output);
      assert.equal(row?.status, 'PENDING', 'nothing was claimed');
    }
  });
});
