import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { workDirFrom } from '../backend/worker/config';
import { bash, reply, startFakeAnthropic, type FakeAnthropic } from './fakes/anthropicServer';
import { createGitHosting, type GitHosting } from './helpers/git';
import { waitForJob } from './helpers/jobs';
import { makeTempDir, startStackProcess, type StackProcess } from './helpers/localStack';
import { killRunning, processesRunning, uniqueSleep } from './helpers/processes';

// The command sandbox on the real local stack (CODY_BATCH_SANDBOX=require, so a stack that cannot
// start it refuses the jobs instead of running them bare): what a job's command, its verify
// command and Claude's bash session can read, write, reach and leave behind. The stack runs with
// a HOME of its own, where the test plants a developer's credentials; the real home is untouched.

const GITHUB_TOKEN = `ghp_sandbox${randomBytes(12).toString('hex')}`;
const ANTHROPIC_API_KEY = `sk-ant-api03-sandbox${randomBytes(12).toString('hex')}`;
const STACK_CANARY = `stackcanary${randomBytes(6).toString('hex')}`;
const AWS_CANARY = `awscanary${randomBytes(6).toString('hex')}`;
const SSH_CANARY = `sshcanary${randomBytes(6).toString('hex')}`;
const HOME_CANARY = `stackhomecanary${randomBytes(6).toString('hex')}`;
const OTHER_RUN_CANARY = `otherruncanary${randomBytes(6).toString('hex')}`;
const OWN_CANARY = `owncanary${randomBytes(6).toString('hex')}`;
const APP_KEY_CANARY = `appkeycanary${randomBytes(6).toString('hex')}`;

/** `s e c r e t`: a form no exact-match redaction or SECRET_DETECTED check recognises. */
function spaced(text: string): string {
  return text.split('').join(' ');
}

/** A loopback HTTP server that answers `hello from <name>` and remembers the paths asked for. */
async function loopbackServer(name: string): Promise<{ server: Server; port: number; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer((request, response) => {
    paths.push(request.url ?? '');
    response.end(`hello from ${name}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, paths };
}

/** Shell lines that copy, letter-spaced into `file`, every process environment the command can see. */
function environmentSweep(file: string, stackPid: number): string {
  return [
    // The positive control: a process's own start-up environment is readable, and lands in the diff.
    `OWN=${OWN_CANARY} sh -c 'tr "\\0" "\\n" < /proc/self/environ' | sed 's/./& /g' > own-environ.txt`,
    `for p in /proc/[0-9]*; do tr '\\0' '\\n' < "$p/environ" 2>/dev/null; done | sed 's/./& /g' > ${file}`,
    // The stack by its pid, and every ancestor up from the command's shell.
    `tr '\\0' '\\n' < /proc/${stackPid}/environ 2>/dev/null | sed 's/./& /g' >> ${file}`,
    'p=$$; while [ "$p" -gt 1 ]; do',
    `  tr '\\0' '\\n' < /proc/$p/environ 2>/dev/null | sed 's/./& /g' >> ${file}`,
    "  p=$(sed 's/.*) [A-Za-z] \\([0-9]*\\) .*/\\1/' /proc/$p/stat)",
    'done',
  ].join('\n');
}

describe('the command sandbox: what a command can read, write, reach and leave behind on the local stack', function () {
  this.timeout(240_000);
  let hosting: GitHosting;
  let stack: StackProcess;
  let anthropic: FakeAnthropic;
  /** The stack's HOME: a developer's home with credentials planted in it. */
  let home: string;
  /** Where the stack's runs clone: its temporary folder (TMPDIR), as by default. */
  let workDir: string;
  let otherRun: string;
  /** Outside everything a command may write. */
  let outside: string;
  /** A GitHub App's private key, given to the stack as a path (outside every other denied place). */
  let appKey: string;
  let allowed: Awaited<ReturnType<typeof loopbackServer>>;
  let refused: Awaited<ReturnType<typeof loopbackServer>>;
  const leftovers: string[][] = [];
  /** The processes Claude's bash session starts, and the files it tries to write. */
  const claudeSleepers = { setsid: uniqueSleep(), doubleFork: uniqueSleep(), envI: uniqueSleep() };
  let claudeTargets: string[] = [];

  before(async () => {
    home = await makeTempDir('cody-batch-sandbox-home-');
    workDir = await makeTempDir('cody-batch-sandbox-work-');
    outside = await makeTempDir('cody-batch-sandbox-outside-');
    await mkdir(path.join(home, '.aws'));
    await writeFile(path.join(home, '.aws', 'credentials'), `[default]\naws_secret_access_key = ${AWS_CANARY}\n`);
    await mkdir(path.join(home, '.ssh'), { mode: 0o700 });
    await writeFile(path.join(home, '.ssh', 'id_ed25519'), `-----BEGIN OPENSSH PRIVATE KEY-----\n${SSH_CANARY}\n`);
    // Another run's clone, where the stack's runs clone by default (pid 1 is alive: never cleaned up
    // as an orphan); a file beside that folder in the temporary folder stays readable.
    otherRun = path.join(workDirFrom({ TMPDIR: workDir }), 'cody-batch-run-1-other', 'checkout');
    await mkdir(otherRun, { recursive: true });
    await writeFile(path.join(otherRun, 'secret.txt'), `${OTHER_RUN_CANARY}\n`);
    appKey = path.join(outside, 'app.private-key.pem');
    await writeFile(appKey, `-----BEGIN PRIVATE KEY-----\n${APP_KEY_CANARY}\n-----END PRIVATE KEY-----\n`);
    allowed = await loopbackServer('allowed');
    refused = await loopbackServer('refused');
    claudeTargets = [path.join(outside, 'claude-target'), path.join(home, 'claude-target')];

    hosting = await createGitHosting();
    for (const name of ['environ', 'files', 'writes', 'network', 'processes', 'claude']) {
      await hosting.create(`acme/${name}`, { 'README.md': `# ${name}\n` });
    }
    anthropic = await startFakeAnthropic({
      script: {
        'acme/claude': [
          reply.tools(bash.run(environmentSweep('claude-environ.txt', 0))),
          reply.tools(
            bash.run(
              `cat ${path.join(home, '.aws', 'credentials')} ${path.join(home, '.ssh', 'id_ed25519')} 2>&1 | sed 's/./& /g'`,
            ),
          ),
          reply.tools(
            bash.run(
              `${claudeTargets.map((target) => `echo planted > ${target}`).join('; ')}; echo wrote > claude-wrote.txt`,
            ),
          ),
          reply.tools(
            bash.run(
              `curl -sS -m 10 http://127.0.0.1:${refused.port}/from-claude; curl -sS -m 10 http://127.0.0.1:${allowed.port}/from-claude`,
            ),
          ),
          reply.tools(
            bash.run(
              [
                `setsid ${claudeSleepers.setsid.join(' ')} > /dev/null 2>&1 &`,
                `( (${claudeSleepers.doubleFork.join(' ')} > /dev/null 2>&1 &) & )`,
                `env -i ${claudeSleepers.envI.join(' ')} > /dev/null 2>&1 &`,
                'echo started',
              ].join('\n'),
            ),
          ),
          reply.text('Looked around.'),
        ],
      },
    });
    leftovers.push(...Object.values(claudeSleepers));

    stack = await startStackProcess({
      timeoutMs: 60_000,
      env: {
        HOME: home,
        // Runs clone in the temporary folder, as by default; the sandbox's proxy sockets live there too.
        TMPDIR: workDir,
        CODY_BATCH_SANDBOX: 'require',
        CODY_BATCH_GIT_BASE: hosting.gitBase,
        CODY_BATCH_CONCURRENCY: '2',
        GITHUB_TOKEN,
        // Read by the stack and its workers (the folder host uses none): no command may read the file.
        GITHUB_APP_ID: '12345',
        GITHUB_APP_PRIVATE_KEY: appKey,
        ANTHROPIC_API_KEY,
        ANTHROPIC_BASE_URL: anthropic.url,
        // A developer's token in the shell that started the stack: the command's own environment never
        // has it (commandEnvironment drops what is named like a credential), so only /proc could show it.
        SANDBOX_CANARY_TOKEN: STACK_CANARY,
      },
    });
    await writeFile(path.join(stack.home, 'planted-secret'), `${HOME_CANARY}\n`);
    const sandbox = await stack.client.sandbox();
    assert.equal(sandbox.state, 'on', sandbox.message);
  });
  after(async () => {
    for (const argv of leftovers) await killRunning(argv);
    await stack?.dispose();
    await anthropic?.close();
    await hosting?.dispose();
    await new Promise((resolve) => allowed?.server.close(resolve));
    await new Promise((resolve) => refused?.server.close(resolve));
    for (const folder of [home, workDir, outside]) if (folder) await rm(folder, { recursive: true, force: true });
  });

  /** Runs `command` (and `verifyCommand`) on `acme/<name>`; returns the row, its diff and its log. */
  async function run(name: string, job: { command: string; verifyCommand?: string; allowHosts?: string[] }) {
    const created = await stack.client.createJob({
      name,
      command: job.command,
      verifyCommand: job.verifyCommand,
      repositories: [`acme/${name}`],
      ...(job.allowHosts ? { sandbox: { allowHosts: job.allowHosts } } : {}),
    });
    const done = await waitForJob(stack.client, created.jobId, { timeoutMs: 120_000 });
    const row = await stack.client.getRepository(done.jobId, `acme/${name}`);
    const patch =
      row.status === 'COMPLETED' ? ((await stack.client.getDiff(done.jobId, `acme/${name}`)).patch ?? '') : '';
    const log = await stack.client.getLog(done.jobId, `acme/${name}`);
    return { job: done, row, patch, log };
  }

  it("cannot read any ancestor's environment or the worker's: the stack's own variables and the worker's are nowhere", async () => {
    const { job, row, patch, log } = await run('environ', {
      command: environmentSweep('environs.txt', stack.process.pid!),
    });
    assert.equal(row.status, 'COMPLETED', JSON.stringify(row.error));
    assert.match(log, /Sandbox: on\./);
    assert.ok(
      patch.includes(spaced(`OWN=${OWN_CANARY}`)),
      'a process can read its own environment, and the diff has it',
    );
    for (const secret of [STACK_CANARY, `JOB_ID=${job.jobId}`, GITHUB_TOKEN, ANTHROPIC_API_KEY]) {
      assert.ok(!patch.includes(spaced(secret)), `the diff holds no ${secret.slice(0, 12)}…`);
      assert.ok(!log.includes(secret) && !log.includes(spaced(secret)));
    }
  });

  it("cannot read a planted ~/.aws/credentials, ~/.ssh/id_*, anything in $CODY_BATCH_HOME, another run's clone or the GitHub App's key file", async () => {
    const targets = [
      path.join(home, '.aws', 'credentials'),
      path.join(home, '.ssh', 'id_ed25519'),
      path.join(stack.home, 'planted-secret'),
      path.join(stack.home, 'token'),
      path.join(stack.home, 'dynamodb-credentials'),
      path.join(otherRun, 'secret.txt'),
    ];
    const command = [
      ...targets.map((target, i) => `cat ${target} > read-${i}.txt 2>&1 || true`),
      `ls -a ${stack.home} > stack-home.txt 2>&1 || true`,
      // Letter-spaced: the redactor's PEM pattern would hide the key itself, not a copy of it. (The
      // refusal names the path, which the worker counts among its secrets: it stays out of the diff.)
      `sed 's/./& /g' ${appKey} > read-app-key.txt 2>/dev/null || true`,
      // The positive control: what the command may read lands in the diff.
      'cat README.md > readme-copy.txt',
    ].join('\n');
    const { row, patch } = await run('files', { command });
    assert.equal(row.status, 'COMPLETED', JSON.stringify(row.error));
    assert.match(patch, /^\+# files$/m, 'the checkout is readable, and its copy is in the diff');
    const dynamoSecret = /aws_secret_access_key\s*=\s*(\S+)/.exec(
      await readFile(path.join(stack.home, 'dynamodb-credentials'), 'utf8'),
    )![1]!;
    for (const secret of [AWS_CANARY, SSH_CANARY, HOME_CANARY, OTHER_RUN_CANARY, stack.token, dynamoSecret]) {
      assert.ok(!patch.includes(secret), `the diff holds no ${secret.slice(0, 10)}…`);
    }
    assert.doesNotMatch(patch, /^\+token$/m, "the stack home's listing is not readable either");
    assert.ok(!patch.includes(spaced(APP_KEY_CANARY)), "the diff holds no copy of the GitHub App's key");
  });

  it('cannot write outside its checkout: the targets stay absent, and its git metadata is read-only', async () => {
    const targets = [
      path.join(outside, 'target'),
      path.join(home, 'target'),
      path.join(home, '.bashrc'),
      path.join(stack.home, 'target'),
      path.join(workDir, 'target'),
    ];
    const command = [
      ...targets.map((target) => `echo planted > ${target} 2>/dev/null || true`),
      // The run's git folder sits beside the checkout: its config decides what our own git runs.
      'if echo "[core] hooksPath = /tmp" >> ../git/config 2>/dev/null; then echo writable > git.txt; else echo refused > git.txt; fi',
      'echo changed > changed.txt',
    ].join('\n');
    const { row, patch } = await run('writes', { command });
    assert.equal(row.status, 'COMPLETED', JSON.stringify(row.error));
    assert.match(patch, /^\+changed$/m, 'the checkout is writable');
    assert.match(patch, /^\+refused$/m, 'the git metadata is not');
    for (const target of targets) assert.equal(existsSync(target), false, `${target} stays absent`);
  });

  it('cannot reach a loopback HTTP server that is not allowed, and can reach one that is; the refusal is in the log', async () => {
    const tag = randomBytes(4).toString('hex');
    const command = [
      `curl -sS -m 10 http://127.0.0.1:${allowed.port}/allowed-${tag} > allowed.txt 2>&1 || true`,
      `curl -sS -m 10 http://127.0.0.1:${refused.port}/refused-${tag} > refused.txt 2>&1 || true`,
    ].join('\n');
    const { row, patch, log } = await run('network', { command, allowHosts: [`127.0.0.1:${allowed.port}`] });
    assert.equal(row.status, 'COMPLETED', JSON.stringify(row.error));
    assert.deepEqual(allowed.paths, [`/allowed-${tag}`], 'the allowed server was reached');
    assert.match(patch, /^\+hello from allowed$/m);
    assert.deepEqual(refused.paths, [], 'the other one was not');
    assert.doesNotMatch(patch, /hello from refused/);
    assert.match(log, new RegExp(`Sandbox refused: deny network-outbound 127\\.0\\.0\\.1:${refused.port}`));
  });

  it('leaves no process behind that a command or its verification started with setsid, a double fork, env -i or an overwritten start-up environment', async () => {
    const sleepers = { setsid: uniqueSleep(), doubleFork: uniqueSleep(), envI: uniqueSleep(), verify: uniqueSleep() };
    const overwriter = ['node', 'overwrite.js', `tag${randomBytes(4).toString('hex')}`];
    leftovers.push(...Object.values(sleepers), overwriter);
    const go = path.join(outside, `go-${randomBytes(4).toString('hex')}`);
    // Blanks its own start-up environment (/proc/self/environ), where a run marker would be, then lives on.
    const overwrite = [
      "const fs = require('fs');",
      "const stat = fs.readFileSync('/proc/self/stat', 'utf8').slice(fs.readFileSync('/proc/self/stat', 'utf8').lastIndexOf(')') + 2).split(' ');",
      'const start = Number(stat[47]), end = Number(stat[48]);',
      "const mem = fs.openSync('/proc/self/mem', 'r+');",
      'fs.writeSync(mem, Buffer.alloc(end - start), 0, end - start, start);',
      "fs.writeFileSync('blanked.txt', fs.readFileSync('/proc/self/environ').every((byte) => byte === 0) ? 'blanked\\n' : 'not blanked\\n');",
      'setInterval(() => {}, 1 << 30);',
    ].join('\n');
    const command = [
      `cat > overwrite.js <<'EOF'\n${overwrite}\nEOF`,
      `setsid ${sleepers.setsid.join(' ')} > /dev/null 2>&1 &`,
      `( (${sleepers.doubleFork.join(' ')} > /dev/null 2>&1 &) & )`,
      `env -i ${sleepers.envI.join(' ')} > /dev/null 2>&1 &`,
      `setsid ${overwriter.join(' ')} > /dev/null 2>&1 &`,
      // Holds until the test has seen all of them running and the overwriter has blanked its
      // environment, so none of them is missed for being slow to start.
      `i=0; while { [ ! -e ${go} ] || [ ! -e blanked.txt ]; } && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done`,
    ].join('\n');
    const created = await stack.client.createJob({
      name: 'Escapes',
      command,
      verifyCommand: `setsid ${sleepers.verify.join(' ')} > /dev/null 2>&1 &`,
      repositories: ['acme/processes'],
    });
    const all = [sleepers.setsid, sleepers.doubleFork, sleepers.envI, overwriter];
    for (let i = 0; i < 600; i++) {
      const running = await Promise.all(all.map((argv) => processesRunning(argv)));
      if (running.every((pids) => pids.length > 0)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const argv of all) assert.notDeepEqual(await processesRunning(argv), [], `${argv.join(' ')} started`);
    await writeFile(go, '');
    const job = await waitForJob(stack.client, created.jobId, { timeoutMs: 120_000 });
    const row = await stack.client.getRepository(job.jobId, 'acme/processes');
    assert.equal(row.status, 'COMPLETED', JSON.stringify(row.error));
    assert.match((await stack.client.getDiff(job.jobId, 'acme/processes')).patch ?? '', /^\+blanked$/m);
    for (const argv of [...all, sleepers.verify]) {
      assert.deepEqual(await processesRunning(argv), [], `${argv.join(' ')} is gone`);
    }
  });

  it("holds Claude's bash session to the same rules, and the thread shows what the sandbox refused", async () => {
    const created = await stack.client.createJob({
      name: 'Claude looks around',
      prompt: 'Look around.',
      allowCommands: true,
      repositories: ['acme/claude'],
      sandbox: { allowHosts: [`127.0.0.1:${allowed.port}`] },
    });
    const job = await waitForJob(stack.client, created.jobId, { timeoutMs: 120_000 });
    const row = await stack.client.getRepository(job.jobId, 'acme/claude');
    assert.equal(row.status, 'COMPLETED', JSON.stringify(row.error));
    const conversation = await stack.client.getThread(job.jobId, 'acme/claude');
    assert.equal(conversation.sandbox?.state, 'on', 'the thread says the commands ran in the sandbox');
    assert.ok(conversation.sandbox?.allowedHosts?.includes(`127.0.0.1:${allowed.port}`));
    assert.ok(!conversation.sandbox?.allowedHosts?.includes(`127.0.0.1:${refused.port}`));
    const thread = JSON.stringify(conversation);
    const patch = (await stack.client.getDiff(job.jobId, 'acme/claude')).patch ?? '';
    const seen = thread + patch;
    assert.ok(patch.includes(spaced(`OWN=${OWN_CANARY}`)), 'the session could read its own environment');
    for (const secret of [
      STACK_CANARY,
      `JOB_ID=${job.jobId}`,
      GITHUB_TOKEN,
      ANTHROPIC_API_KEY,
      AWS_CANARY,
      SSH_CANARY,
    ]) {
      assert.ok(!seen.includes(spaced(secret)) && !seen.includes(secret), `no ${secret.slice(0, 12)}…`);
    }
    assert.match(patch, /^\+wrote$/m, 'the session wrote its checkout');
    for (const target of claudeTargets) assert.equal(existsSync(target), false, `${target} stays absent`);
    assert.deepEqual(
      allowed.paths.filter((p) => p === '/from-claude'),
      ['/from-claude'],
      'the allowed server was reached',
    );
    assert.ok(!refused.paths.includes('/from-claude'), 'the other was not');
    assert.match(thread, new RegExp(`<sandbox_violations>\\\\ndeny network-outbound 127\\.0\\.0\\.1:${refused.port}`));
    assert.match(thread, /started\\nexit code: 0/, 'the background processes were started');
    for (const argv of Object.values(claudeSleepers)) {
      assert.deepEqual(await processesRunning(argv), [], `${argv.join(' ')} is gone`);
    }
    const log = await stack.client.getLog(job.jobId, 'acme/claude');
    assert.match(log, new RegExp(`Sandbox refused: deny network-outbound 127\\.0\\.0\\.1:${refused.port}`));
  });
});
