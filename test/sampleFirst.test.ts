import assert from 'node:assert/strict';
import { runArgs } from './helpers/world';
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { chooseSample } from '../common/sample';
import { createGitHosting, type GitHosting } from './helpers/git';
import { repositoriesByName, waitForJob } from './helpers/jobs';
import { CLI, makeTempDir, startStackProcess, type StackProcess } from './helpers/localStack';

// A job that tries a sample first, on the real local stack: worker processes, real git, the
// stack's restart path, the REST API as curl sends it and the CLI as a user types it.

const exec = promisify(execFile);
const REPOSITORIES = ['acme/one', 'acme/two', 'acme/three', 'globex/four', 'initech/five'];
const ownerOf = (name: string) => name.split('/')[0]!;

describe('a sample first, on the local stack', function () {
  this.timeout(180_000);
  let hosting: GitHosting;
  let home: string;
  let markers: string;
  let stack: StackProcess;
  const env = () => ({ CODY_BATCH_GIT_BASE: hosting.gitBase, CODY_BATCH_CONCURRENCY: '2' });
  /** Each run appends its repository's name to `runs`, then writes `text` to a.txt. */
  const command = (text: string) => `cat name.txt >> "${markers}/runs"\necho ${text} > a.txt`;
  const runs = async () =>
    (await readFile(`${markers}/runs`, 'utf8').catch(() => '')).split('\n').filter(Boolean).sort();
  const api = (path: string, init: { method?: string; json?: unknown } = {}) =>
    fetch(`${stack.apiUrl}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
      body: init.json === undefined ? undefined : JSON.stringify(init.json),
    });
  const cli = (args: string[]) =>
    exec(process.execPath, [CLI, ...args], { env: { ...process.env, CODY_BATCH_HOME: home } }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ ...error }),
    );

  before(async () => {
    hosting = await createGitHosting();
    for (const name of REPOSITORIES) await hosting.create(name, { 'a.txt': 'old\n', 'name.txt': `${name}\n` });
    home = await makeTempDir();
    markers = await makeTempDir('cody-batch-markers-');
    stack = await startStackProcess({ home, env: env() });
  });
  after(async () => {
    await stack?.dispose();
    await hosting?.dispose();
    await rm(home, { recursive: true, force: true });
    await rm(markers, { recursive: true, force: true });
  });

  it('runs 2 of 5, stops SAMPLED with the rest untouched through a restart, and continues with a revised command', async () => {
    const created = await stack.client.createJob({
      name: 'Sample two',
      command: command('v1'),
      repositories: REPOSITORIES,
      sample: { size: 2 },
    });
    assert.deepEqual(created.sample, { size: 2 });
    // The run's names are in the rows (`sampled`), not in the job.
    const sample = (await stack.client.allRepositories(created.jobId))
      .filter((row) => row.sampled)
      .map((row) => row.repositoryName);
    const chosen = chooseSample(created.jobId, REPOSITORIES, 2);
    assert.deepEqual(sample, [...chosen].sort(), 'the choice is the job id’s');
    assert.equal(created.run.size, 2);
    assert.equal(new Set(chosen.map(ownerOf)).size, 2, 'two owners before a second of one');

    const sampled = await waitForJob(stack.client, created.jobId, { status: 'SAMPLED' });
    assert.deepEqual(
      { ...sampled.counts },
      { total: 5, pending: 3, running: 0, completed: 2, noChanges: 0, failed: 0, cancelled: 0 },
    );
    assert.deepEqual(await runs(), [...chosen].sort());
    const waiting = REPOSITORIES.filter((name) => !chosen.includes(name));

    // A restart takes the resume path and a sweep; a job created after it runs behind anything
    // they queued, so once it has finished, nothing of the sample's job was queued.
    assert.equal(await stack.stop(), 0);
    stack = await startStackProcess({ home, env: env() });
    const after = await stack.client.createJob({ name: 'Behind', command: command('x'), repositories: ['acme/one'] });
    assert.equal((await waitForJob(stack.client, after.jobId)).status, 'COMPLETED');
    assert.deepEqual(await runs(), [...chosen, 'acme/one'].sort());
    assert.equal((await stack.client.getJob(created.jobId)).status, 'SAMPLED');
    const rows = await repositoriesByName(stack.client, created.jobId);
    for (const name of waiting) {
      const row = rows.get(name)!;
      assert.deepEqual([row.status, row.attempt, row.startedAt, row.sampled], ['PENDING', 1, undefined, undefined]);
    }
    for (const name of chosen) assert.deepEqual([rows.get(name)!.status, rows.get(name)!.sampled], ['COMPLETED', true]);

    const continued = await stack.client.continueJob(created.jobId, { command: command('v2') });
    assert.equal(continued.status, 'RUNNING');
    assert.equal(continued.run.size, 5);
    const done = await waitForJob(stack.client, created.jobId);
    assert.equal(done.status, 'COMPLETED');
    assert.deepEqual(
      done.taskRevisions?.map(({ revision, command, prompt }) => ({ revision, command, prompt })),
      [{ revision: 2, command: command('v2'), prompt: undefined }],
    );
    assert.equal(done.command, command('v1'), 'revision 1 stays the job’s own');
    const finished = await repositoriesByName(stack.client, created.jobId);
    for (const name of REPOSITORIES) {
      const row = finished.get(name)!;
      const again = chosen.includes(name);
      assert.deepEqual([row.status, row.attempt, row.taskRevision], ['COMPLETED', again ? 2 : 1, 2], name);
      assert.match((await stack.client.getDiff(created.jobId, name)).patch!, /^\+v2$/m, name);
    }
    for (const name of chosen) {
      const row = finished.get(name)!;
      assert.deepEqual(
        row.previousAttempts?.map(({ attempt, taskRevision, status }) => ({ attempt, taskRevision, status })),
        [{ attempt: 1, taskRevision: 1, status: 'COMPLETED' }],
      );
      const first = await stack.client.getDiff(created.jobId, name, { attempt: 1 });
      assert.match(first.patch!, /^\+v1$/m, `${name}: attempt 1's diff`);
      assert.doesNotMatch(first.patch!, /v2/);
      assert.match(await stack.client.getLog(created.jobId, name, { attempt: 1 }), /echo v1/);
      assert.match(await stack.client.getLog(created.jobId, name), /echo v2/);
    }
    assert.deepEqual(await runs(), [...chosen, ...REPOSITORIES, 'acme/one'].sort());

    const noSuchAttempt = await api(
      `/jobs/${created.jobId}/repositories/${encodeURIComponent(chosen[0]!)}/diff?attempt=3`,
    );
    assert.equal(noSuchAttempt.status, 404);
    const badAttempt = await api(`/jobs/${created.jobId}/repositories/${encodeURIComponent(chosen[0]!)}/log?attempt=0`);
    assert.equal(badAttempt.status, 400);
  });

  it('refuses a continue of a job that is not SAMPLED with 409, and a bad sample or revision with 400', async () => {
    const base = { name: 'Refusals', command: 'true', repositories: REPOSITORIES };
    for (const size of [5, 6, 0, 1.5]) {
      const response = await api('/jobs', { method: 'POST', json: { ...base, sample: { size } } });
      assert.equal(response.status, 400, `size ${size}`);
      assert.match((await response.json()).error.message, /sample\.size/);
    }
    const tooMany = await api('/jobs', { method: 'POST', json: { ...base, sample: { size: 5 } } });
    assert.match((await tooMany.json()).error.message, /less than the number of repositories \(5\)/);

    const whole = await stack.client.createJob({ ...base, repositories: ['acme/two'] });
    await waitForJob(stack.client, whole.jobId);
    const notSampled = await api(`/jobs/${whole.jobId}/continue`, { method: 'POST', json: {} });
    assert.equal(notSampled.status, 409);
    assert.equal((await notSampled.json()).error.code, 'JOB_NOT_SAMPLED');
    const missing = await api('/jobs/01m8hh1rwgnr9p2a6k5x32xmdr/continue', { method: 'POST', json: {} });
    assert.equal(missing.status, 404);

    const job = await stack.client.createJob({ ...base, sample: { size: 1 } });
    await waitForJob(stack.client, job.jobId, { status: 'SAMPLED' });
    for (const [body, pattern] of [
      [{ prompt: 'Use Claude now' }, /this is a command job/],
      [{ command: '   ' }, /command: must not be empty/],
      [{ commands: 'typo' }, /commands/],
    ] as const) {
      const response = await api(`/jobs/${job.jobId}/continue`, { method: 'POST', json: body });
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.match((await response.json()).error.message, pattern);
    }
    assert.equal((await stack.client.getJob(job.jobId)).status, 'SAMPLED', 'a refused continue changes nothing');

    // Cancel works in SAMPLED: the waiting rows are cancelled, and there is nothing left to continue.
    const cancel = await api(`/jobs/${job.jobId}/cancel`, { method: 'POST', json: {} });
    assert.equal(cancel.status, 202);
    // The cancel answers at once; on a busy machine its operation may still be marking rows.
    const answer = await cancel.json();
    if (answer.operation?.status === 'running')
      await stack.client.followOperation(job.jobId, answer.operation.operationId, { intervalMs: 100 });
    const cancelled = await stack.client.getJob(job.jobId);
    assert.equal(cancelled.status, 'CANCELLED');
    assert.deepEqual([cancelled.counts.noChanges, cancelled.counts.cancelled], [1, 4]);
    assert.equal((await api(`/jobs/${job.jobId}/continue`, { method: 'POST', json: {} })).status, 409);
    // And a retry runs the cancelled ones, the sample over.
    const retried = await stack.client.retryJob(job.jobId);
    assert.equal(retried.run.size, 4);
    assert.equal((await waitForJob(stack.client, job.jobId)).status, 'COMPLETED');
  });

  it('cody-batch run --sample stops at SAMPLED with exit 0, and cody-batch continue runs the rest', async () => {
    const run = await cli(runArgs('CLI sample', 'echo cli > a.txt', REPOSITORIES.join(','), '--sample', '2'));
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const jobId = /^Job (\S+): CLI sample, 5 repositories, a sample of 2 first/m.exec(run.stdout)?.[1];
    assert.ok(jobId, run.stdout);
    assert.match(run.stdout, new RegExp(`Job ${jobId} SAMPLED: 2 of 5 repositories sampled: 2 changed`));
    assert.match(run.stdout, new RegExp(`then run the other 3: cody-batch continue ${jobId}$`, 'm'));

    const bad = await cli(['run', '--name', 'x', '--command', 'true', '--repos', 'acme/one', '--sample', '1']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--sample: must be less than the number of repositories \(1\)/);

    const rest = await cli(['continue', jobId!]);
    assert.equal(rest.code, 0, rest.stderr + rest.stdout);
    assert.match(rest.stdout, /Continuing job \S+: the other 3 repositories/);
    assert.match(rest.stdout, new RegExp(`Job ${jobId} COMPLETED: 5 changed`));
    const again = await cli(['continue', jobId!]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /only a SAMPLED job can be continued/);
  });
});
