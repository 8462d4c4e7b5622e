import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { FolderArtifactStore } from '../backend/store/artifacts';
import { artifactKey } from '../common/names';
import { createGitHosting, type GitHosting } from './helpers/git';
import { waitForJob } from './helpers/jobs';
import { CLI, makeTempDir, startStackProcess, type StackProcess } from './helpers/localStack';

// `cody-batch jobs | diff | thread` against a running local stack, as a user types them.

const run = promisify(execFile);

describe('cody-batch jobs, diff, thread', function () {
  this.timeout(60_000);
  let hosting: GitHosting;
  let stack: StackProcess;
  let jobId: string;
  const cli = (...args: string[]) =>
    run(process.execPath, [CLI, ...args], { env: { ...process.env, CODY_BATCH_HOME: stack.home } });

  before(async () => {
    hosting = await createGitHosting();
    await hosting.create('acme/one', { 'a.txt': 'old\n' });
    await hosting.create('acme/two', { 'b.txt': 'same\n' });
    stack = await startStackProcess({ env: { CODY_BATCH_GIT_BASE: hosting.gitBase, CODY_BATCH_CONCURRENCY: '2' } });
    const job = await stack.client.createJob({
      name: 'Edit a.txt',
      command: '[ -f a.txt ] && echo new > a.txt || true',
      repositories: ['acme/one', 'acme/two'],
    });
    jobId = (await waitForJob(stack.client, job.jobId)).jobId;
  });
  after(async () => {
    await stack?.dispose();
    await hosting?.dispose();
  });

  it("lists jobs, and a job's repositories", async () => {
    assert.match((await cli('jobs')).stdout, new RegExp(`${jobId}\\s+COMPLETED\\s+2/2\\s+0\\s+.*Edit a\\.txt`));
    const { stdout } = await cli('jobs', jobId);
    assert.match(stdout, /acme\/one\s+COMPLETED\s+1\s+1\s+\+1 -1/);
    assert.match(stdout, /acme\/two\s+NO_CHANGES/);
  });

  it('prints a patch that git applies, and says when there is none', async () => {
    const { stdout } = await cli('diff', jobId, 'acme/one');
    const clone = await hosting.clone('acme/one');
    await writeFile(`${clone}.patch`, stdout);
    await run('git', ['apply', '--check', `${clone}.patch`], { cwd: clone });
    const none = await cli('diff', jobId, 'acme/two');
    assert.equal(none.stdout, '');
    assert.match(none.stderr, /made no changes/);
  });

  it('says there is no conversation for a command job', async () => {
    assert.match((await cli('thread', jobId, 'acme/one')).stdout, /No Claude conversation/);
  });

  it("prints a thread without the terminal control sequences a repository's files may hold", async () => {
    // A file Claude viewed can carry escape sequences (OSC 52 writes the clipboard, CSI clears the
    // screen); the terminal must show them, not obey them.
    const hostile = 'line one\u001b]52;c;cm0gLXJmIH4=\u0007\u001b[2J\u009b31m\rline two';
    const conversation = {
      messages: [
        { role: 'user', content: 'Repository: acme/two' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: `Found:\n${hostile}` },
            { type: 'tool_use', id: 't1', name: 'view', input: { path: 'a.txt' } },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: hostile }] },
      ],
      usage: { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 },
    };
    await new FolderArtifactStore(`${stack.home}/artifacts`).put(
      artifactKey(jobId, 'acme/two', 'thread.json'),
      JSON.stringify(conversation),
    );
    const { stdout } = await cli('thread', jobId, 'acme/two');
    assert.doesNotMatch(
      stdout,
      /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/,
      'no control character but newline and tab reaches the terminal',
    );
    assert.match(
      stdout,
      /line one\\x1b\]52;c;cm0gLXJmIH4=\\x07\\x1b\[2J\\x9b31m\\x0dline two/,
      'they are shown escaped',
    );
  });

  it('shows the bidirectional and invisible characters of a thread instead of letting them reorder it', async () => {
    // Trojan Source: in a terminal, the overrides make this line read as if the check came first.
    const hostile = 'if (user.isAdmin\u202e \u2066) {\u2069 \u2066// only admins\u200b\ufeff\u2028x';
    const conversation = {
      messages: [
        { role: 'user', content: 'Repository: acme/two' },
        { role: 'assistant', content: [{ type: 'text', text: hostile }] },
      ],
      usage: { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 },
    };
    await new FolderArtifactStore(`${stack.home}/artifacts`).put(
      artifactKey(jobId, 'acme/two', 'thread.json'),
      JSON.stringify(conversation),
    );
    const { stdout } = await cli('thread', jobId, 'acme/two');
    assert.doesNotMatch(stdout, /[\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/, 'none reaches the terminal');
    assert.match(stdout, /user\.isAdmin\\u202e \\u2066\) \{\\u2069 \\u2066\/\/ only admins\\u200b\\ufeff\\u2028x/);
  });

  it('says when older jobs are not listed, and lists them all with --all', async () => {
    const paused = await startStackProcess({ env: { CODY_BATCH_CONCURRENCY: '0' } });
    try {
      for (let i = 0; i < 52; i++)
        await paused.client.createJob({ name: `Job ${i}`, command: 'true', repositories: ['acme/x'] });
      const list = (...args: string[]) =>
        run(process.execPath, [CLI, 'jobs', ...args], { env: { ...process.env, CODY_BATCH_HOME: paused.home } });
      const newest = (await list()).stdout;
      assert.match(newest, /Job 51\n/);
      assert.doesNotMatch(newest, /Job 0\n/);
      assert.match(newest, /cody-batch jobs --all/);
      const all = (await list('--all')).stdout;
      for (let i = 0; i < 52; i++) assert.match(all, new RegExp(`Job ${i}\n`));
      assert.doesNotMatch(all, /--all/);
    } finally {
      await paused.dispose();
    }
  });

  it('explains when no stack runs on the home', async () => {
    const home = await makeTempDir();
    const failed = await run(process.execPath, [CLI, 'jobs'], { env: { ...process.env, CODY_BATCH_HOME: home } }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal((failed as { code: number }).code, 1);
    assert.match((failed as { stderr: string }).stderr, /No Cody Batch stack is running/);
  });

  it("answers --help after a command with that command's usage, sending nothing and starting nothing", async () => {
    const home = await makeTempDir();
    const env = { ...process.env, CODY_BATCH_HOME: home };
    const cancel = await run(process.execPath, [CLI, 'cancel', '--help'], { env });
    assert.match(cancel.stdout, /^ {2}cancel +`cancel <jobId>`/);
    assert.match(cancel.stdout, /--api-url <url>/);
    // serve would otherwise start a stack on this home and never exit.
    const serve = await run(process.execPath, [CLI, 'serve', '-h'], { env, timeout: 10_000 });
    assert.match(serve.stdout, /^ {2}serve +Run the local stack/);
    assert.doesNotMatch(serve.stdout, /--api-url/);
    assert.equal(existsSync(path.join(home, 'stack.json')), false);
  });
});
