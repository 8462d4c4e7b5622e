import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { patchDigestOf } from '../../common/patchDigest';
import { Redactor } from '../../common/redact';
import { artifactKey, BATCH_CANCEL_REASON, branchName } from '../../common/names';
import type { RepositoryResult } from '../../common/schemas';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { hostRedaction } from '../../backend/hosts';
import { tableNamesFor } from '../../backend/store/tables';
import { sweep } from '../../backend/store/sweeper';
import { retryDecision } from '../fakes/batchServer';
import { edit, reply } from '../fakes/anthropicServer';
import { git } from '../helpers/git';
import { waitFor, waitForJob } from '../helpers/jobs';
import { killRunning, processesRunning, uniqueSleep } from '../helpers/processes';
import { mountContainer, removeContainer } from './buildah';
import { LOOPBACK_REGION } from './deployment';
import type { RunningContainer } from './container';
import { checkAllowlist, imageChanges, parseAllowlist, type ImageChanges } from './contents';
import {
  ANTHROPIC_API_KEY,
  GITHUB_TOKEN,
  IMAGE,
  isWorkerProcess,
  startImageWorld,
  type ImageWorld,
  type LaunchedContainer,
} from './world';

// The worker image, built from backend/worker/Dockerfile and run the way AWS Batch runs it (see
// ./world.ts): the API's own Batch executor submits each run, a loopback AWS Batch starts the
// job definition's containers of the image, and the worker in them reaches S3, DynamoDB, the
// Messages API, git and GitHub on loopback. Each check is one a wrong image would fail: a sudoers
// typo, a wrong owner on /work, a missing tini, a token on a command line, a file nobody needs.

const SLEEPS = { daemon: uniqueSleep(), orphan: uniqueSleep() };
const CANCEL = uniqueSleep();
const TIMEOUT = uniqueSleep();
const SPOT = uniqueSleep();
const CRASH = uniqueSleep();
const APP = 'const answer = oldFunction(42);\nmodule.exports = { answer };\n';

/** What the command job's command finds out about its world, written into the checkout so the diff carries it. */
const COMMAND = [
  'mkdir facts',
  'id -un > facts/user.txt',
  "tr '\\0' ' ' < /proc/1/cmdline > facts/pid1.txt",
  'worker=',
  // The worker is the process whose command line starts with node and runs dist/worker.js (this
  // script's own shell has both words in its command line too, but starts with sh or sudo).
  'for p in /proc/[0-9]*; do',
  '  case "$(tr \'\\0\' \' \' < "$p/cmdline" 2>/dev/null)" in node\\ *\\ dist/worker.js\\ ) worker=${p#/proc/} ;; esac',
  'done',
  'echo "$worker" > facts/worker-pid.txt',
  'stat -c %U "/proc/$worker" > facts/worker-user.txt',
  'if cat "/proc/$worker/environ" > /dev/null 2>&1; then echo readable; else echo unreadable; fi > facts/worker-environ.txt',
  'if cat /proc/1/environ > /dev/null 2>&1; then echo readable; else echo unreadable; fi > facts/pid1-environ.txt',
  'if sudo -n true > /dev/null 2>&1; then echo allowed; else echo refused; fi > facts/sudo-root.txt',
  'if sudo -n -u cody true > /dev/null 2>&1; then echo allowed; else echo refused; fi > facts/sudo-worker.txt',
  'gitdir="$(cd .. && pwd)/git"',
  'if [ -f "$gitdir/HEAD" ]; then echo found; else echo missing; fi > facts/git-found.txt',
  'if touch "$gitdir/planted" 2> /dev/null; then echo created; else echo refused; fi > facts/git-create.txt',
  'if echo "[core] hooksPath = /tmp" >> "$gitdir/config" 2> /dev/null; then echo appended; else echo refused; fi > facts/git-config.txt',
  'if mv "$gitdir" "$gitdir.moved" 2> /dev/null; then echo moved; else echo refused; fi > facts/git-move.txt',
  // Reading the repository is allowed (safe.directory): a command may look at what it changed.
  'if git status --porcelain > /dev/null 2>&1; then echo works; else echo fails; fi > facts/git-status.txt',
  "(umask 077 && printf 'only mine\\n' > private.txt && chmod 600 private.txt)",
  `setsid ${SLEEPS.daemon.join(' ')} > /dev/null 2>&1 < /dev/null &`,
  `( ( exec ${SLEEPS.orphan.join(' ')} > /dev/null 2>&1 < /dev/null & ) & )`,
  "sed -i 's/oldFunction/newFunction/' src/app.js",
].join('\n');

/** Runs after the command as the same user: fails while anything the command started still runs. */
const VERIFY = [
  'for p in /proc/[0-9]*; do',
  '  case "$(tr \'\\0\' \' \' < "$p/cmdline" 2>/dev/null)" in',
  `    '${SLEEPS.daemon.join(' ')} '|'${SLEEPS.orphan.join(' ')} ') echo "still running: $p"; exit 1 ;;`,
  '  esac',
  'done',
].join('\n');

/** The `+` lines of one added file in a patch. */
function addedFile(patch: string, name: string): string {
  const section = patch.split(/^diff --git /m).find((part) => part.startsWith(`a/${name} b/${name}\n`));
  if (!section) throw new Error(`The diff has no ${name}:\n${patch}`);
  return section
    .split('\n')
    .filter((line) => line.startsWith('+') && !line.startsWith('+++'))
    .map((line) => line.slice(1))
    .join('\n');
}

const authHeader = `Basic ${Buffer.from(`x-access-token:${GITHUB_TOKEN}`).toString('base64')}`;

/** The container's processes with their command lines and environments, as root sees them. */
async function snapshot(container: RunningContainer) {
  const processes = await container.processes();
  return Promise.all(
    processes.map(async (entry) => ({
      ...entry,
      environ: (await readFile(`/proc/${entry.pid}/environ`).catch(() => Buffer.alloc(0))).toString('utf8'),
    })),
  );
}

/**
 * In a snapshot taken while git talked to the remote (`git clone` or `git push`, and the
 * git-remote-http it starts): no process has the token or the header's credentials on its command
 * line, and git has the header in its environment.
 */
function assertTokenOnlyInGitEnvironment(processes: Awaited<ReturnType<typeof snapshot>>, verb: 'clone' | 'push') {
  const gitProcesses = processes.filter((entry) => /(^|\/)git(-remote-https?)?$/.test(entry.argv[0] ?? ''));
  assert.ok(
    gitProcesses.some((entry) => entry.argv.includes(verb)),
    `git was running ${verb}: ${JSON.stringify(processes.map((entry) => entry.argv[0]))}`,
  );
  for (const entry of processes) {
    const line = entry.argv.join(' ');
    for (const form of [GITHUB_TOKEN, authHeader.split(' ')[1]!])
      assert.ok(!line.includes(form), `process ${entry.pid} (${entry.argv[0]}) has the token on its command line`);
  }
  assert.ok(
    gitProcesses.some((entry) => entry.environ.includes(authHeader)),
    'the header is in the environment of the git processes',
  );
}

/** Waits for a process with exactly `argv` in the container (the command under test is running). */
function running(container: RunningContainer, argv: string[]) {
  return waitFor(`${argv.join(' ')} to run`, async () =>
    (await container.processes()).some((entry) => entry.argv.join(' ') === argv.join(' ')) ? true : undefined,
  );
}

describe('the worker image, built from backend/worker/Dockerfile and run as the AWS Batch job definition says', function () {
  this.timeout(180_000);
  let world: ImageWorld;
  const log = (line: string) => console.log(`      ${line}`);

  before(async function () {
    this.timeout(900_000);
    world = await startImageWorld({
      log,
      repositories: {
        'acme/command': { 'src/app.js': APP, 'README.md': '# command\n' },
        'acme/claude': { 'src/app.js': APP },
        'acme/cancel': { 'README.md': '# cancel\n' },
        'acme/timeout': { 'README.md': '# timeout\n' },
        'acme/spot': { 'mode.txt': 'wait\n' },
        'acme/crash': { 'README.md': '# crash\n' },
      },
      claudeScript: {
        'acme/claude': [
          reply.tools(edit.view('src/app.js')),
          reply.tools(edit.strReplace('src/app.js', 'oldFunction(42)', 'newFunction(42)')),
          reply.text('Replaced oldFunction with newFunction in src/app.js.'),
        ],
      },
    });
    const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
    const added = world.image.layers.slice(world.base.layers.length);
    log(
      `image: ${mb(world.image.size)} (its base ${mb(world.base.size)}${world.base.annotations['cody-batch.stand-in'] ? ', a stand-in' : ''}; ` +
        `the Dockerfile adds ${added.map((layer) => mb(layer.size)).join(' + ')}), built in ${(world.buildMs / 1000).toFixed(1)} s`,
    );
  });

  after(async () => {
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const claims = world?.launched.flatMap((entry) => (entry.claimMs === undefined ? [] : [entry.claimMs])) ?? [];
    if (claims.length) {
      const made = world.launched.map((entry) => entry.container.startedAt - entry.container.createdAt);
      log(
        `container start to claim: median ${median(claims)} ms (fastest ${Math.min(...claims)}, slowest ` +
          `${Math.max(...claims)}, over ${claims.length} containers); making each container took ${median(made)} ms more`,
      );
    }
    for (const argv of [...Object.values(SLEEPS), CANCEL, TIMEOUT, SPOT, CRASH]) await killRunning(argv);
    await world?.dispose();
  });

  describe('a command job', () => {
    let jobId: string;
    let row: RepositoryResult;
    let patch: string;
    let container: LaunchedContainer;
    let duringClone: Awaited<ReturnType<typeof snapshot>>;

    before(async () => {
      const clone = world.holdGit(/^\/acme\/command\.git\/git-upload-pack$/);
      const created = await world.client.createJob({
        name: 'Command in the image',
        command: COMMAND,
        verifyCommand: VERIFY,
        repositories: ['acme/command'],
      });
      jobId = created.jobId;
      await clone.reached;
      container = world.containersOf(jobId)[0]!;
      duringClone = await snapshot(container.container);
      clone.release();
      await waitForJob(world.client, jobId);
      row = await world.client.getRepository(jobId, 'acme/command');
      patch =
        (await world.artifacts.get(artifactKey(jobId, 'acme/command', 'diff.patch')))?.body.toString('utf8') ?? '';
    });

    it('completes, exits 0, and stores its diff and log in S3', async () => {
      assert.equal(row.status, 'COMPLETED', `${JSON.stringify(row.error)}\n${container.container.output()}`);
      assert.equal((await container.container.exited).exitCode, 0);
      assert.equal((await world.batch.ended(world.batchJobOf(jobId).jobId)).status, 'SUCCEEDED');
      assert.match(patch, /^\+const answer = newFunction\(42\);$/m);
      const stored = await world.artifacts.get(artifactKey(jobId, 'acme/command', 'log.txt'));
      assert.match(stored?.body.toString('utf8') ?? '', /Finished: COMPLETED/);
    });

    it("starts the image's entry point as PID 1, as the image's user, with the job definition's environment", async () => {
      const { config } = world.image;
      assert.equal(addedFile(patch, 'facts/pid1.txt'), `${[...config.entrypoint, ...config.cmd].join(' ')} `);
      assert.equal(addedFile(patch, 'facts/worker-user.txt'), config.user);
      // Under an init: a worker that were PID 1 would neither reap the orphans a command leaves nor be killed as one process.
      assert.notEqual(addedFile(patch, 'facts/worker-pid.txt'), '1', 'the worker is not PID 1');
      const environment = container.environment;
      for (const [name, value] of Object.entries(world.deployment.worker.environment))
        assert.equal(environment[name], value, name);
      assert.equal(environment.JOB_ID, jobId, 'the executor’s override');
      // What the worker process itself started with, as root reads it: the job definition's
      // variables, and none of the secrets (the worker blanks them from its start-up block).
      const worker = duringClone.find((entry) => isWorkerProcess(entry.argv));
      assert.ok(worker, 'the worker runs');
      assert.ok(worker.environ.includes(`JOB_ID=${jobId}\0`));
      for (const secret of [GITHUB_TOKEN, ANTHROPIC_API_KEY]) assert.ok(!worker.environ.includes(secret));
    });

    it('runs the command as cody-run, who cannot read the worker’s environment or sudo', () => {
      assert.equal(addedFile(patch, 'facts/user.txt'), world.image.config.env.CODY_BATCH_COMMAND_USER);
      assert.match(addedFile(patch, 'facts/worker-pid.txt'), /^\d+$/, 'the command found the worker');
      assert.equal(addedFile(patch, 'facts/worker-environ.txt'), 'unreadable');
      assert.equal(addedFile(patch, 'facts/pid1-environ.txt'), 'unreadable', "tini's, which holds the secrets");
      assert.equal(addedFile(patch, 'facts/sudo-root.txt'), 'refused');
      assert.equal(addedFile(patch, 'facts/sudo-worker.txt'), 'refused');
    });

    it('lets the command read the repository with git, and not write the git folder', () => {
      assert.equal(addedFile(patch, 'facts/git-status.txt'), 'works');
      assert.equal(addedFile(patch, 'facts/git-found.txt'), 'found');
      assert.equal(addedFile(patch, 'facts/git-create.txt'), 'refused');
      assert.equal(addedFile(patch, 'facts/git-config.txt'), 'refused');
      assert.equal(addedFile(patch, 'facts/git-move.txt'), 'refused');
    });

    it('leaves nothing the command started running (setsid, double fork) once it ends', async () => {
      // The verify command ran after the command, in the same container, and found neither.
      assert.equal(row.verification?.passed, true, JSON.stringify(row.verification));
      for (const argv of Object.values(SLEEPS)) assert.deepEqual(await processesRunning(argv), []);
    });

    it('stages a file the command made private, and puts it in the diff', () => {
      assert.equal(addedFile(patch, 'private.txt'), 'only mine');
    });

    it('gives git the token in its environment, never on a command line (sampled during the clone)', () => {
      assertTokenOnlyInGitEnvironment(duringClone, 'clone');
    });
  });

  describe('a Claude job', () => {
    it('completes against the Messages API and stores its diff, thread and log', async () => {
      const created = await world.client.createJob({
        name: 'Claude in the image',
        prompt: 'Replace oldFunction with newFunction',
        repositories: ['acme/claude'],
      });
      await waitForJob(world.client, created.jobId);
      const row = await world.client.getRepository(created.jobId, 'acme/claude');
      const [container] = world.containersOf(created.jobId);
      assert.equal(row.status, 'COMPLETED', `${JSON.stringify(row.error)}\n${container?.container.output()}`);
      assert.equal((await container!.container.exited).exitCode, 0);
      const stored = (file: 'diff.patch' | 'thread.json' | 'log.txt') =>
        world.artifacts
          .get(artifactKey(created.jobId, 'acme/claude', file))
          .then((found) => found?.body.toString('utf8'));
      assert.match((await stored('diff.patch')) ?? '', /^\+const answer = newFunction\(42\);$/m);
      assert.match((await stored('thread.json')) ?? '', /Replaced oldFunction with newFunction/);
      assert.match((await stored('log.txt')) ?? '', /Finished: COMPLETED/);
      assert.equal(world.anthropic.requests.filter((request) => request.repository === 'acme/claude').length, 3);
    });
  });

  describe('the publish run (CODY_BATCH_RUN_KIND=publish)', () => {
    let jobId: string;
    let duringPush: Awaited<ReturnType<typeof snapshot>> | undefined;
    let published: RepositoryResult;

    before(async () => {
      const created = await world.client.createJob({
        name: 'Publish from the image',
        command: "sed -i 's/oldFunction/newFunction/' src/app.js",
        repositories: ['acme/command'],
      });
      jobId = created.jobId;
      await waitForJob(world.client, jobId);
      const row = await world.client.getRepository(jobId, 'acme/command');
      assert.equal(row.status, 'COMPLETED', JSON.stringify(row.error));
      // Approved with the digest of the patch the reviewer read through the API (from S3, where the worker stored it).
      const read = await world.client.getDiff(jobId, 'acme/command');
      const stored = await world.artifacts.get(artifactKey(jobId, 'acme/command', 'diff.patch'));
      assert.ok(read.digest && stored, 'the diff is stored, and served');
      assert.equal(read.digest, patchDigestOf(stored.body), 'the API serves what the worker stored in S3');
      await world.client.reviewRepository(jobId, 'acme/command', {
        state: 'approved',
        attempt: row.attempt,
        digest: read.digest,
      });
      const push = world.holdGit(/^\/acme\/command\.git\/git-receive-pack$/);
      await world.client.publish(jobId, { approved: true });
      const publication = waitFor('the publication', async () => {
        const current = await world.client.getRepository(jobId, 'acme/command');
        const status = current.publication?.status;
        return status === 'published' || status === 'failed' ? current : undefined;
      });
      // A publish that fails before it pushes never reaches the held push.
      if ((await Promise.race([push.reached.then(() => 'pushing'), publication])) === 'pushing') {
        duringPush = await snapshot(world.containersOf(jobId, 'publish')[0]!.container);
        push.release();
      }
      published = await publication;
    });

    it('pushes the reviewed diff and opens the pull request on the loopback GitHub, then exits 0', async () => {
      const [container] = world.containersOf(jobId, 'publish');
      assert.equal(
        published.publication?.status,
        'published',
        `${JSON.stringify(published.publication)}\n${container?.container.output()}`,
      );
      assert.equal(container!.environment.CODY_BATCH_RUN_KIND, 'publish', 'the executor’s override');
      assert.equal((await container!.container.exited).exitCode, 0);
      assert.equal((await world.batch.ended(world.batchJobOf(jobId, 'publish').jobId)).status, 'SUCCEEDED');
      const pull = world.github.pulls.find((entry) => entry.head === branchName(jobId));
      assert.ok(pull, 'the pull request is open');
      assert.equal(published.pullRequestUrl, pull.html_url);
      const { bare } = world.hosting.repository('acme/command');
      const pushed = await git(bare, 'show', `${branchName(jobId)}:src/app.js`);
      assert.match(pushed, /newFunction\(42\)/);
    });

    it('gives git the token in its environment, never on a command line (sampled during the push)', () => {
      assert.ok(duringPush, `the publish run pushed (${JSON.stringify(published.publication)})`);
      assertTokenOnlyInGitEnvironment(duringPush, 'push');
    });
  });

  describe('exits with the codes the job definition’s retry strategy expects', () => {
    /** Starts a job whose command runs `argv` in the foreground, and waits until it does. */
    async function startLongJob(repository: string, command: string, argv: string[]) {
      const created = await world.client.createJob({ name: `Long ${repository}`, command, repositories: [repository] });
      const container = await waitFor('the container', async () => world.containersOf(created.jobId)[0]);
      await running(container.container, argv);
      return { jobId: created.jobId, container, batchJob: world.batchJobOf(created.jobId) };
    }
    const strategy = () => world.deployment.worker.retryStrategy.evaluateOnExit;

    it('a cancel: the worker stops its command, exits 143, and Batch, which terminated it, does not retry', async () => {
      const { jobId, container, batchJob } = await startLongJob('acme/cancel', CANCEL.join(' '), CANCEL);
      await world.client.cancelJob(jobId);
      assert.equal((await container.container.exited).exitCode, 143, container.container.output());
      const ended = await world.batch.ended(batchJob.jobId);
      assert.equal(ended.status, 'FAILED');
      assert.equal(ended.statusReason, BATCH_CANCEL_REASON);
      assert.equal(ended.attempts.length, 1);
      assert.deepEqual(await processesRunning(CANCEL), []);
      const row = await world.client.getRepository(jobId, 'acme/cancel');
      assert.equal(row.status, 'CANCELLED');
      const stored = await world.artifacts.get(artifactKey(jobId, 'acme/cancel', 'log.txt'));
      assert.match(stored?.body.toString('utf8') ?? '', /SIGTERM: stopping|Stopped/);
    });

    it('a timeout: the worker exits 143 and hands its row over; Batch does not retry it, and the sweeper fails the row', async () => {
      const { jobId, container, batchJob } = await startLongJob('acme/timeout', TIMEOUT.join(' '), TIMEOUT);
      world.batch.expire(batchJob.jobId);
      assert.equal((await container.container.exited).exitCode, 143, container.container.output());
      const ended = await world.batch.ended(batchJob.jobId);
      assert.equal(ended.status, 'FAILED');
      assert.equal(ended.attempts.length, 1);
      assert.deepEqual(await processesRunning(TIMEOUT), []);
      const row = await world.client.getRepository(jobId, 'acme/timeout');
      assert.equal(row.status, 'RUNNING', 'left for the sweeper');
      assert.equal(row.heartbeatAt, new Date(0).toISOString(), 'handed over: its heartbeat is stale at once');
      // Not retried, so the sweeper's next round fails it, as a lost worker's.
      await sweep(world.stack.store, { staleAfterMs: 2 * 60_000 });
      const swept = await world.client.getRepository(jobId, 'acme/timeout');
      assert.equal(swept.status, 'FAILED');
      assert.equal(swept.error?.code, 'WORKER_LOST');
    });

    it('a Spot interruption: the worker exits 143, the strategy retries, and the next attempt takes the row at once', async () => {
      const command = `if grep -q wait mode.txt; then ${SPOT.join(' ')}; fi\necho done > done.txt`;
      const { jobId, container, batchJob } = await startLongJob('acme/spot', command, SPOT);
      // The next attempt clones this, and so runs to the end.
      await world.hosting.repository('acme/spot').pushChange(async (checkout) => {
        await writeFile(path.join(checkout, 'mode.txt'), 'go\n');
      });
      world.batch.interrupt(batchJob.jobId);
      assert.equal((await container.container.exited).exitCode, 143, container.container.output());
      const ended = await world.batch.ended(batchJob.jobId);
      assert.equal(ended.attempts[0]!.decision, 'RETRY');
      assert.equal(ended.status, 'SUCCEEDED');
      const [, second] = world.containersOf(jobId);
      assert.ok(second, 'a second attempt ran');
      assert.equal(second.environment.AWS_BATCH_JOB_ATTEMPT, '2');
      assert.equal((await second.container.exited).exitCode, 0);
      assert.doesNotMatch(second.container.output(), /still looks alive/, 'no wait for a stale heartbeat');
      const row = await world.client.getRepository(jobId, 'acme/spot');
      assert.equal(row.status, 'COMPLETED', JSON.stringify(row.error));
    });

    it('a crash (the worker killed as by the OOM killer): the container exits 137, takes its command along, and the strategy ends the job', async () => {
      const { jobId, container, batchJob } = await startLongJob('acme/crash', CRASH.join(' '), CRASH);
      await world.killWorkerAsOom(jobId);
      assert.equal((await container.container.exited).exitCode, 137, container.container.output());
      const ended = await world.batch.ended(batchJob.jobId);
      assert.equal(ended.attempts[0]!.decision, 'EXIT');
      assert.equal(ended.status, 'FAILED');
      assert.deepEqual(await processesRunning(CRASH), []);
      assert.equal((await world.client.getRepository(jobId, 'acme/crash')).status, 'RUNNING', 'left for the sweeper');
    });

    it('the retry strategy tells a platform failure from the worker’s own exits', () => {
      // The cases above, as Batch reports them, and the ones only AWS can produce.
      assert.equal(
        retryDecision(strategy(), { exitCode: 1, statusReason: 'Essential container in task exited' }),
        'EXIT',
      );
      assert.equal(
        retryDecision(strategy(), { exitCode: 2, statusReason: 'Essential container in task exited' }),
        'EXIT',
      );
      assert.equal(
        retryDecision(strategy(), { exitCode: 143, statusReason: 'Your Spot Task was interrupted.' }),
        'RETRY',
      );
      assert.equal(retryDecision(strategy(), { statusReason: 'Host EC2 (instance i-0) terminated.' }), 'RETRY');
      assert.equal(retryDecision(strategy(), { reason: 'CannotPullContainerError: pull access denied' }), 'RETRY');
      assert.equal(
        retryDecision(strategy(), { reason: 'ResourceInitializationError: unable to pull secrets' }),
        'RETRY',
      );
    });
  });

  describe('its contents', () => {
    let changes: ImageChanges;
    let baseRoot: { id: string; root: string };
    let imageRoot: { id: string; root: string };

    before(async () => {
      baseRoot = await mountContainer(world.baseName);
      imageRoot = await mountContainer(IMAGE);
      changes = await imageChanges(baseRoot.root, imageRoot.root);
    });
    after(async () => {
      if (baseRoot) await removeContainer(baseRoot.id);
      if (imageRoot) await removeContainer(imageRoot.id);
    });

    it('holds only what test/image/contents.txt lists', async () => {
      const allowlist = parseAllowlist(await readFile(path.join(__dirname, 'contents.txt'), 'utf8'));
      assert.deepEqual(checkAllowlist(changes, allowlist), {
        unlistedPackages: [],
        missingPackages: [],
        unlistedPaths: [],
        unusedEntries: [],
      });
    });

    it('holds no secret: no credential file, private key or token, in its files, settings or build steps', async () => {
      const redactor = new Redactor([GITHUB_TOKEN, ANTHROPIC_API_KEY], { ...hostRedaction(), headersAndUrls: false });
      const found: string[] = [];
      const credentialFile =
        /(^|\/)(\.npmrc|\.netrc|\.?git-credentials|\.env|credentials|id_(rsa|ecdsa|ed25519)|\.pgpass|\.docker\/config\.json)$/;
      for (const entry of changes.paths) {
        if (credentialFile.test(entry.path)) found.push(`${entry.path}: a credential file`);
        if (entry.type !== 'f') continue;
        const text = (await readFile(path.join(imageRoot.root, entry.path))).toString('latin1');
        // A key, not the header's text alone (libraries that parse keys hold that).
        if (/-----BEGIN [A-Z ]*PRIVATE KEY-----\r?\n[A-Za-z0-9+/=\r\n]{64}/.test(text))
          found.push(`${entry.path}: a private key`);
        if (redactor.text(text) !== text) found.push(`${entry.path}: a token`);
      }
      const settings = [
        ...Object.entries(world.image.config.env).map(([name, value]) => `${name}=${value}`),
        ...world.image.history,
      ].join('\n');
      if (redactor.text(settings) !== settings) found.push('the image config or history: a token');
      for (const name of Object.keys(world.image.config.env))
        if (/TOKEN|SECRET|PASSWORD|API_KEY|CREDENTIAL/i.test(name)) found.push(`ENV ${name}`);
      assert.deepEqual(found, []);
    });
  });

  describe('AWS, as its job role sees it', () => {
    it('every request the workers made, its role’s policy allowed', () => {
      assert.ok(world.aws.requests.length > 0);
      assert.deepEqual(
        world.aws.requests.filter((request) => !request.allowed),
        [],
      );
    });

    // Issue 24: the job role reaches no data; each worker assumes the run role tagged with its job.
    it('reached the tables and artifacts only through run-role sessions tagged with the worker’s own job', () => {
      const assumed = world.aws.requests.filter((request) => request.service === 'sts');
      assert.ok(assumed.length > 0, 'the workers assumed the run role');
      assert.ok(assumed.every((request) => request.principal === 'job role'));
      const data = world.aws.requests.filter((request) => request.service !== 'sts');
      assert.deepEqual(
        data.filter((request) => !/^run role \(jobId=[0-9a-z]{26}\)$/.test(request.principal)),
        [],
        'no data request of the job role itself',
      );
      for (const request of data) {
        const jobId = /jobId=([0-9a-z]{26})/.exec(request.principal)![1]!;
        for (const resource of request.resources.filter((each) => each.startsWith('arn:aws:s3:::')))
          assert.ok(resource.includes(`/jobs/${jobId}/`), `${request.action} ${resource} by ${request.principal}`);
      }
    });

    // Last: its refused requests are the test's own, not a worker's.
    it('refuses a session tagged with another job this job’s row and diff, and takes no session without the tag', async () => {
      const { environment } = world.aws;
      const own = (await (await fetch(environment.AWS_CONTAINER_CREDENTIALS_FULL_URI!)).json()) as Record<
        string,
        string
      >;
      const masterCredentials = {
        accessKeyId: own.AccessKeyId!,
        secretAccessKey: own.SecretAccessKey!,
        sessionToken: own.Token!,
      };
      const runRoleArn = world.deployment.worker.runRole!.arn;
      const session = (tags?: { Key: string; Value: string }[]) =>
        fromTemporaryCredentials({
          masterCredentials,
          params: { RoleArn: runRoleArn, RoleSessionName: 'image-test', ...(tags ? { Tags: tags } : {}) },
          clientConfig: { region: LOOPBACK_REGION, endpoint: environment.AWS_ENDPOINT_URL_STS },
        });
      const [job] = (await world.client.listJobs({ limit: 1 })).items;
      const [row] = await world.client.allRepositories(job!.jobId);
      const other = { Key: 'jobId', Value: '0'.repeat(26) };
      const dynamo = (credentials: ReturnType<typeof session>) =>
        new DynamoDBClient({ region: LOOPBACK_REGION, endpoint: environment.AWS_ENDPOINT_URL_DYNAMODB, credentials });
      const getRow = (credentials: ReturnType<typeof session>) =>
        dynamo(credentials).send(
          new GetItemCommand({
            TableName: tableNamesFor('local').repositories,
            Key: { jobId: { S: job!.jobId }, repositoryName: { S: row!.repositoryName } },
          }),
        );
      // Its own job's session reads the row; another job's is refused it and the job's diff.
      assert.ok((await getRow(session([{ Key: 'jobId', Value: job!.jobId }]))).Item);
      await assert.rejects(getRow(session([other])), /not authorized to perform: dynamodb:GetItem/);
      const s3 = new S3Client({
        region: LOOPBACK_REGION,
        endpoint: environment.AWS_ENDPOINT_URL_S3,
        forcePathStyle: true,
        credentials: session([other]),
      });
      await assert.rejects(
        s3.send(
          new GetObjectCommand({
            Bucket: world.deployment.artifactsBucket,
            Key: artifactKey(job!.jobId, row!.repositoryName, 'log.txt'),
          }),
        ),
        /AccessDenied|not authorized/,
      );
      // The run role takes no session without the job's tag, nor with another tag beside it.
      await assert.rejects(getRow(session()), /AccessDenied|not authorized to perform: sts:AssumeRole/);
      await assert.rejects(
        getRow(session([other, { Key: 'team', Value: 'ops' }])),
        /AccessDenied|not authorized to perform: sts:AssumeRole/,
      );
    });
  });
});
