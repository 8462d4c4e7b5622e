import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { git, readText } from './helpers/git';
import { notesOf, repositoryNamesOf, waitForJob } from './helpers/jobs';
import { CLI } from './helpers/localStack';
import { startWorld, useWorld, runArgs } from './helpers/world';

// `cody-batch run | watch | cancel | retry | apply`, run as a user types them: the built CLI as a
// child process, against the real local stack, on real bare repositories and real clones.

const exec = promisify(execFile);

describe('cody-batch run, watch, cancel, retry, apply', function () {
  this.timeout(90_000);
  const world = useWorld({
    repositories: { 'acme/one': { 'a.txt': 'old\n', 'notes.txt': 'notes\n' }, 'acme/two': { 'b.txt': 'same\n' } },
    stack: true,
  });
  /** A finished job: acme/one COMPLETED (a.txt old → new), acme/two NO_CHANGES. */
  let completedJobId: string;
  const cli = (args: string[], options: { cwd?: string } = {}) => world.cli(args, { ...options, inheritEnv: true });
  const jobCount = async () => (await world.stack.client.listJobs({ limit: 100 })).items.length;

  it('runs a command job from flags to completion: job id first, a line per repository, a summary, exit 0', async () => {
    const list = path.join(world.hosting.work, 'repos.txt');
    await writeFile(list, '# the second one\n\nacme/two   # no a.txt there\n');
    const result = await cli(
      runArgs('Edit a.txt', '[ -f a.txt ] && echo new > a.txt || true', 'acme/one', '--repos-file', list),
    );
    assert.equal(result.code, 0, result.stderr);
    const [first] = result.stdout.split('\n');
    completedJobId = /^Job (\S+): Edit a\.txt, 2 repositories/.exec(first!)?.[1] ?? '';
    assert.ok(completedJobId, `the first line names the job: ${first}`);
    assert.match(result.stdout, /^COMPLETED\s+acme\/one\s+1 file \+1 −1$/m);
    assert.match(result.stdout, /^NO_CHANGES\s+acme\/two$/m);
    assert.match(
      result.stdout,
      new RegExp(`Job ${completedJobId} COMPLETED: 1 changed, 1 without changes, 0 failed, 0 cancelled, of 2`),
    );
    assert.doesNotMatch(result.stdout, /[\r\u001b]/, 'no status line when the output is not a terminal');
    const job = await world.stack.client.getJob(completedJobId);
    assert.deepEqual(
      [job.status, job.command, await repositoryNamesOf(world.stack.client, job.jobId)],
      ['COMPLETED', '[ -f a.txt ] && echo new > a.txt || true', ['acme/one', 'acme/two']],
    );
  });

  it("refuses bad input with the schema's message, exit 2, and creates nothing", async () => {
    const before = await jobCount();
    const badName = await cli(['run', '--name', 'x', '--command', 'true', '--repos', 'acme/one,../etc']);
    assert.equal(badName.code, 2);
    assert.match(badName.stderr, /--repos: "\.\.\/etc" is not a repository in the form owner\/name/);
    const neither = await cli(['run', '--name', 'x', '--repos', 'acme/one', '--max-cost', '2']);
    assert.equal(neither.code, 2);
    assert.match(neither.stderr, /give exactly one of --prompt \/ --prompt-file .* or --command/);
    const noFile = await cli([
      'run',
      '--name',
      'x',
      '--prompt-file',
      path.join(world.hosting.work, 'missing.md'),
      '--repos',
      'acme/one',
    ]);
    assert.equal(noFile.code, 2);
    assert.match(noFile.stderr, /cannot read .*missing\.md: ENOENT/);
    assert.equal(await jobCount(), before, 'no job was created');
  });

  it('sends --allow-host (repeated or a,b) as the job’s sandbox.allowHosts, refuses a host that is none, and prints a run’s log', async () => {
    const before = await jobCount();
    const bad = await cli(runArgs('x', 'true', 'acme/one', '--allow-host', 'https://x.example/'));
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /--allow-host: "https:\/\/x\.example\/" is not a host: write a host such as registry\.example\.com/,
    );
    assert.equal(await jobCount(), before, 'no job was created');
    const result = await cli(
      runArgs(
        'Hosts',
        'echo hosts > a.txt',
        'acme/one',
        '--allow-host',
        'Registry.Example.com,*.example.org',
        '--allow-host',
        '127.0.0.1:4873',
      ),
    );
    assert.equal(result.code, 0, result.stderr);
    const jobId = /^Job (\S+):/.exec(result.stdout)![1]!;
    const job = await world.stack.client.getJob(jobId);
    assert.deepEqual(job.sandbox, { allowHosts: ['registry.example.com', '*.example.org', '127.0.0.1:4873'] });
    // The sandbox is off in this suite (test/setup.ts): run says so, and so does the log.
    assert.match(result.stderr, /WARNING: The command sandbox is off/);
    const log = await cli(['log', jobId, 'acme/one']);
    assert.equal(log.code, 0, log.stderr);
    assert.match(log.stdout, /Command: \$ echo hosts > a\.txt/);
    assert.match(log.stdout, /WARNING: the command sandbox is off/);
    assert.equal((await cli(['log', jobId])).code, 2);
  });

  it('sends --allow-commands, --setup and --instructions-file; refuses a notes file that is not JSON or names a stranger', async () => {
    const notes = path.join(world.hosting.work, 'notes.json');
    const paused = await startWorld({ stack: { concurrency: 0 } });
    const inPaused = (args: string[]) => paused.cli(args, { inheritEnv: true });
    try {
      await writeFile(notes, JSON.stringify({ 'acme/one': 'Run npm run build before the tests.' }));
      const flags = ['run', '--name', 'x', '--prompt', 'Fix it.', '--repos', 'acme/one', '--instructions-file', notes];
      const created = await inPaused([...flags, '--allow-commands', '--setup', 'npm ci', '--detach']);
      assert.equal(created.code, 0, created.stderr);
      const job = await paused.stack.client.getJob(created.stdout.trim());
      assert.deepEqual(
        [job.allowCommands, job.setupCommand, await notesOf(paused.stack.client, job.jobId)],
        [true, 'npm ci', { 'acme/one': 'Run npm run build before the tests.' }],
      );
      await writeFile(notes, '{"acme/one": ');
      const broken = await inPaused(flags);
      assert.equal(broken.code, 2);
      assert.match(broken.stderr, /--instructions-file: .*notes\.json is not JSON/);
      await writeFile(notes, JSON.stringify({ 'acme/other': 'Use pnpm.' }));
      const stranger = await inPaused(flags);
      assert.equal(stranger.code, 2);
      assert.match(stranger.stderr, /--instructions-file: "acme\/other" is not one of the job's repositories/);
      assert.equal((await paused.stack.client.listJobs({ limit: 10 })).items.length, 1, 'only the first was created');
    } finally {
      await paused.dispose();
    }
  });

  it('watch exits 1 and names the error when a repository failed; retry runs it again; 409s are plain messages', async () => {
    const detached = await cli([
      'run',
      '--detach',
      '--name',
      'One missing',
      '--command',
      'echo x > x.txt',
      '--repos',
      'acme/one,acme/missing',
    ]);
    assert.equal(detached.code, 0, detached.stderr);
    const jobId = detached.stdout.trim();
    assert.match(jobId, /^\S+$/, '--detach prints only the job id');
    const watched = await cli(['watch', jobId]);
    assert.equal(watched.code, 1);
    assert.match(watched.stdout, /^COMPLETED\s+acme\/one\s+1 file \+1 −0$/m);
    assert.match(watched.stdout, /^FAILED\s+acme\/missing\s+CLONE_FAILED: Cloning acme\/missing failed/m);
    assert.match(
      watched.stdout,
      new RegExp(`COMPLETED_WITH_ERRORS: 1 changed, 0 without changes, 1 failed[\\s\\S]*cody-batch retry ${jobId}`),
    );

    const cancelled = await cli(['cancel', jobId]);
    assert.equal(cancelled.code, 1);
    assert.equal(
      cancelled.stderr.trim(),
      `cody-batch: Job ${jobId} has already finished (COMPLETED_WITH_ERRORS); there is nothing to cancel`,
    );
    const nothing = await cli(['retry', completedJobId]);
    assert.equal(nothing.code, 1);
    assert.equal(nothing.stderr.trim(), `cody-batch: Job ${completedJobId} has no failed or cancelled repositories`);

    const retried = await cli(['retry', jobId, 'acme/missing']);
    assert.equal(retried.code, 0, retried.stderr);
    assert.match(retried.stdout, new RegExp(`Retrying 1 repository of job ${jobId}: acme/missing`));
    const again = await cli(['watch', jobId]);
    assert.equal(again.code, 1);
    assert.match(again.stdout, /^FAILED\s+acme\/missing\s+CLONE_FAILED: .*\(attempt 2\)$/m);
  });

  it('Ctrl-C leaves a job running; cancel stops it; watch on a terminal shows one status line and exits 1', async () => {
    const job = await world.stack.client.createJob({ name: 'Slow', command: 'sleep 30', repositories: ['acme/one'] });
    await waitForJob(world.stack.client, job.jobId, { status: 'RUNNING' });
    // `script` gives the CLI a real pseudo-terminal, as a user's shell does.
    const watching = exec(
      'script',
      ['-qec', `${process.execPath} ${CLI} watch ${job.jobId} --interval 0.2`, '/dev/null'],
      {
        env: { ...process.env, CODY_BATCH_HOME: world.stack.home, COLUMNS: '100' },
      },
    ).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );
    // Ctrl-C stops a watcher, not the job, and says how to come back.
    const interrupted = spawn(process.execPath, [CLI, 'watch', job.jobId, '--json'], {
      env: { ...process.env, CODY_BATCH_HOME: world.stack.home },
    });
    let stderr = '';
    interrupted.stderr.on('data', (chunk) => (stderr += chunk));
    const exitCode = new Promise((resolve) => interrupted.once('exit', resolve));
    // Interrupt once it is watching (--json prints the job's first look at once), however long a
    // loaded machine takes to start the CLI: a fixed wait failed under load.
    await new Promise((resolve) => interrupted.stdout.once('data', resolve));
    interrupted.kill('SIGINT');
    assert.equal(await exitCode, 130);
    assert.match(stderr, new RegExp(`Job ${job.jobId} keeps running; resume with: cody-batch watch ${job.jobId}`));
    assert.equal((await world.stack.client.getJob(job.jobId)).status, 'RUNNING');

    const cancelled = await cli(['cancel', job.jobId]);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.match(cancelled.stdout, new RegExp(`Job ${job.jobId} is cancell(ing|ed)\\.`));
    const watched = await watching;
    assert.equal(watched.code, 1);
    assert.match(
      watched.stdout,
      /\r\u001b\[2Krunning · 0\/1 done · 1 running/,
      'the status line rewrites itself in place',
    );
    assert.match(watched.stdout, /CANCELLED\s+acme\/one/);
    assert.match(watched.stdout, /Job \S+ CANCELLED: 0 changed, 0 without changes, 0 failed, 1 cancelled/);
  });

  describe('apply', () => {
    it('applies the patch to a clean clone in the current folder', async () => {
      const clone = await world.hosting.clone('acme/one');
      const result = await cli(['apply', completedJobId, 'acme/one'], { cwd: clone });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /Applied to 1 file in .*: a\.txt/);
      assert.equal(await readText(clone, 'a.txt'), 'new\n');
    });

    it('refuses a dirty tree and leaves it exactly as it was', async () => {
      const clone = await world.hosting.clone('acme/one');
      await writeFile(path.join(clone, 'notes.txt'), 'my work\n');
      const status = await git(clone, 'status', '--porcelain');
      const result = await cli(['apply', completedJobId, 'acme/one', '--dir', clone]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /has uncommitted changes \(notes\.txt\); nothing was applied[\s\S]*--stash/);
      assert.equal(await readText(clone, 'a.txt'), 'old\n');
      assert.equal(await readText(clone, 'notes.txt'), 'my work\n');
      assert.equal(await git(clone, 'status', '--porcelain'), status);
      assert.equal(await git(clone, 'stash', 'list'), '');
    });

    it('with --stash, stashes the local edit, applies, and restores it', async () => {
      const clone = await world.hosting.clone('acme/one');
      await writeFile(path.join(clone, 'notes.txt'), 'my work\n');
      const result = await cli(['apply', completedJobId, 'acme/one', '--dir', clone, '--stash']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /Your uncommitted changes were restored/);
      assert.equal(await readText(clone, 'a.txt'), 'new\n');
      assert.equal(await readText(clone, 'notes.txt'), 'my work\n');
      assert.equal(await git(clone, 'stash', 'list'), '', 'the stash was dropped once restored');
    });

    it('with --stash and only a dirty submodule, leaves an older stash alone and says what it did', async () => {
      const clone = await world.hosting.clone('acme/one');
      await git(
        clone,
        '-c',
        'protocol.file.allow=always',
        'submodule',
        'add',
        '--quiet',
        world.hosting.repository('acme/two').url,
        'sub',
      );
      await git(clone, 'commit', '--quiet', '-m', 'a submodule');
      await writeFile(path.join(clone, 'notes.txt'), 'an old idea\n');
      await git(clone, 'stash', 'push', '--quiet', '-m', 'an old idea');
      await writeFile(path.join(clone, 'sub/b.txt'), 'my change in the submodule\n');
      const result = await cli(['apply', completedJobId, 'acme/one', '--dir', clone, '--stash']);
      assert.equal(result.code, 0, result.stderr);
      assert.doesNotMatch(result.stdout, /restored/);
      assert.match(result.stdout, /changes inside the submodule sub were left in place/);
      assert.equal(await readText(clone, 'a.txt'), 'new\n');
      assert.equal(await readText(clone, 'notes.txt'), 'notes\n', 'the older stash was not applied');
      assert.match(await git(clone, 'stash', 'list'), /an old idea/, 'the older stash was not dropped');
      assert.equal(await readText(clone, 'sub/b.txt'), 'my change in the submodule\n');
    });

    it('refuses a patch that makes links out of the repository, naming them, unless --allow-outside-links', async () => {
      const job = await world.stack.client.createJob({
        name: 'Links',
        command: 'ln -s /etc/passwd passwd && mkdir -p deep && ln -s ../../secrets deep/up && echo new > a.txt',
        repositories: ['acme/one'],
      });
      await waitForJob(world.stack.client, job.jobId);
      const clone = await world.hosting.clone('acme/one');
      const refused = await cli(['apply', job.jobId, 'acme/one', '--dir', clone]);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /deep\/up → \.\.\/\.\.\/secrets/);
      assert.match(refused.stderr, /passwd → \/etc\/passwd/);
      assert.match(refused.stderr, /--allow-outside-links/);
      assert.equal(await git(clone, 'status', '--porcelain'), '', 'nothing was applied');

      const allowed = await cli(['apply', job.jobId, 'acme/one', '--dir', clone, '--allow-outside-links']);
      assert.equal(allowed.code, 0, allowed.stderr);
      assert.equal(await readText(clone, 'a.txt'), 'new\n');
      assert.equal(await readlink(path.join(clone, 'passwd')), '/etc/passwd');
    });

    it('refuses a clone of another repository', async () => {
      const other = await world.hosting.clone('acme/two');
      const result = await cli(['apply', completedJobId, 'acme/one', '--dir', other]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /is not a clone of acme\/one \(origin → acme\/two\); nothing was changed/);
      assert.equal(await git(other, 'status', '--porcelain'), '');
    });
  });
});
