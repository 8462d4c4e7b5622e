import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { repositoriesByName, waitForJob } from './helpers/jobs';
import { useWorld } from './helpers/world';
import { killRunning, processesRunning, uniqueSleep } from './helpers/processes';
import { filesContaining } from './helpers/secrets';

// What a command job's code can reach on the real local stack: not the worker's secrets through
// /proc/<ancestor>/environ, and no process that lives on after its repository finished.

const GITHUB_TOKEN = `ghp_isolation${randomBytes(12).toString('hex')}`;
const ANTHROPIC_API_KEY = `sk-ant-api03-isolation${randomBytes(12).toString('hex')}`;
const CANARY = `canary${randomBytes(6).toString('hex')}`;

/** `s e c r e t`: a form no exact-match redaction or SECRET_DETECTED check recognises. */
function spaced(text: string): string {
  return text.split('').join(' ');
}

describe('worker isolation: what a command can reach on the local stack', function () {
  this.timeout(120_000);
  const leftovers: string[][] = [];
  after(async () => {
    for (const argv of leftovers) await killRunning(argv);
  });
  const world = useWorld({
    repositories: { 'acme/spy': { 'README.md': '# spy\n' }, 'acme/daemon': { 'README.md': '# daemon\n' } },
    stack: { concurrency: 2, env: { GITHUB_TOKEN, ANTHROPIC_API_KEY, ISOLATION_CANARY: CANARY } },
  });

  it("keeps the GitHub token and the Anthropic key out of every ancestor's /proc environ, up to the world.stack", async () => {
    // Walks from the command's shell up to the stack process, copying each environ letter-spaced
    // into the checkout, so the diff would carry whatever it found past the redaction.
    const command = [
      'p=$$',
      'while [ "$p" -gt 1 ]; do',
      '  echo "$p" >> chain.txt',
      `  tr '\\0' '\\n' < /proc/$p/environ 2>/dev/null | sed 's/./& /g' >> leaked.txt`,
      `  [ "$p" = ${world.stack.process.pid} ] && break`,
      "  p=$(sed 's/.*) [A-Za-z] \\([0-9]*\\) .*/\\1/' /proc/$p/stat)",
      'done',
    ].join('\n');
    const created = await world.stack.client.createJob({ name: 'Spy', command, repositories: ['acme/spy'] });
    const job = await waitForJob(world.stack.client, created.jobId);
    const row = (await repositoriesByName(world.stack.client, job.jobId)).get('acme/spy')!;
    assert.equal(row.status, 'COMPLETED', JSON.stringify(row.error));
    const { patch } = await world.stack.client.getDiff(job.jobId, 'acme/spy');
    assert.ok(patch);
    // The walk did reach the stack, and did read environments: the canary the stack was given is there.
    assert.ok(
      patch.split('\n').some((line) => line === `+${world.stack.process.pid}`),
      `the walk reached the world.stack (pid ${world.stack.process.pid})`,
    );
    assert.ok(patch.includes(spaced(CANARY)), 'the environments were readable');

    const log = await world.stack.client.getLog(job.jobId, 'acme/spy');
    for (const secret of [GITHUB_TOKEN, ANTHROPIC_API_KEY]) {
      for (const form of [secret, spaced(secret)]) {
        assert.ok(!patch.includes(form), 'the diff holds no secret');
        assert.ok(!log.includes(form), 'the log holds no secret');
        assert.deepEqual(
          await filesContaining(world.stack.home, form),
          [],
          'nothing in the world.stack home holds a secret',
        );
      }
    }
  });

  it('leaves no process running that a command or a verify command started with setsid', async () => {
    const fromCommand = uniqueSleep();
    const fromVerify = uniqueSleep();
    leftovers.push(fromCommand, fromVerify);
    const created = await world.stack.client.createJob({
      name: 'Daemons',
      command: `setsid ${fromCommand.join(' ')} > /dev/null 2>&1 &\necho changed > changed.txt`,
      verifyCommand: `setsid ${fromVerify.join(' ')} > /dev/null 2>&1 &`,
      repositories: ['acme/daemon'],
    });
    const job = await waitForJob(world.stack.client, created.jobId);
    const row = (await repositoriesByName(world.stack.client, job.jobId)).get('acme/daemon')!;
    assert.equal(row.status, 'COMPLETED', JSON.stringify(row.error));
    assert.equal(row.verification?.passed, true);
    assert.deepEqual(await processesRunning(fromCommand), [], "the command's setsid sleep is gone");
    assert.deepEqual(await processesRunning(fromVerify), [], "the verify command's setsid sleep is gone");
  });
});
