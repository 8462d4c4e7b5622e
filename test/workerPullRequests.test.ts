import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { branchName } from '../common/names';
import { startFakeGitHub, type FakeGitHub } from './fakes/githubServer';
import type { GitHttpServer } from './fakes/gitHttpServer';
import { CREDENTIAL_KINDS, githubCredentials } from './helpers/githubCredentials';
import { createGitHosting, git, type GitHosting } from './helpers/git';
import { repositoriesByName, waitFor, waitForJob } from './helpers/jobs';
import { startStackProcess, type StackProcess } from './helpers/localStack';
import { filesContaining } from './helpers/secrets';

// Pull requests end to end: the stack's workers clone and push over git's smart HTTP protocol with
// the token as a header, and open PRs through Octokit against a loopback GitHub; once with a
// personal token, once as a GitHub App (each worker's token narrowed to its repository, no request
// with the personal token). The secrets are distinctive, so grepping for them anywhere is meaningful.

const run = promisify(execFile);
const GITHUB_TOKEN = 'ghp_FAKEgithubTOKENforCodyBatchTests0123456789';
const ANTHROPIC_KEY = 'sk-ant-FAKEanthropicKEYforCodyBatchTests-0123456789';
const AWS_SECRET = 'FAKEawsSECRETforCodyBatchTests/0123456789abcdef';
const SECRETS = [ANTHROPIC_KEY, AWS_SECRET];

const FILES = {
  'src/main.js': 'const a = oldFunction(1);\n',
  'README.md': '# sample\n',
};

for (const kind of CREDENTIAL_KINDS) {
  const credentials = githubCredentials(kind, GITHUB_TOKEN);
  describe(`worker: pull requests (${credentials.label})`, function () {
    this.timeout(120_000);
    let hosting: GitHosting;
    let gitServer: GitHttpServer;
    let github: FakeGitHub;
    let stack: StackProcess;
    let markers: string;
    let hold: { repo: string; release?: () => void; reached?: () => void } | undefined;

    before(async () => {
      markers = await mkdtemp(path.join(os.tmpdir(), 'cody-batch-markers-'));
      hosting = await createGitHosting();
      await hosting.create('acme/alpha', FILES);
      await hosting.create('acme/beta', FILES);
      await hosting.create('acme/gamma', FILES, 'trunk');
      await hosting.create('acme/delta', FILES);
      github = await startFakeGitHub(
        credentials.fake({
          gitRoot: hosting.root,
          // The same repositories, for queries; and who may review (mallory may not).
          repositories: ['acme/alpha', 'acme/beta', 'acme/gamma', 'acme/delta'].map((fullName) => ({ fullName })),
          collaborators: ['alice', 'core-team'],
          afterCreate: async (pull) => {
            if (hold && pull.repo === hold.repo) {
              const current = hold;
              hold = undefined;
              current.reached?.();
              await new Promise<void>((resolve) => (current.release = resolve));
            }
          },
        }),
      );
      gitServer = await credentials.gitServer(hosting.root, github);
      stack = await startStackProcess({
        env: {
          CODY_BATCH_GIT_BASE: gitServer.gitBase,
          CODY_BATCH_CONCURRENCY: '3',
          ...credentials.stackEnv,
          GITHUB_API_URL: github.url,
          ANTHROPIC_API_KEY: ANTHROPIC_KEY,
          AWS_SECRET_ACCESS_KEY: AWS_SECRET,
          AWS_ACCESS_KEY_ID: 'AKIAFAKEFORTESTS0000',
        },
      });
    });
    after(async () => {
      hold?.release?.();
      await stack?.dispose();
      await github?.close();
      await gitServer?.close();
      await hosting?.dispose();
      await rm(markers, { recursive: true, force: true });
    });

    it('pushes cody-batch/{jobId} and opens one draft PR per repository against its base branch', async () => {
      const command = [
        "sed -i 's/oldFunction(/newFunction(/g' src/main.js",
        // What a hostile command would try: our secrets are not in its environment.
        'echo "token=$GITHUB_TOKEN key=$ANTHROPIC_API_KEY aws=$AWS_SECRET_ACCESS_KEY id=$AWS_ACCESS_KEY_ID"',
        `cp "$(git rev-parse --git-path config)" "${markers}/config-$$"`,
      ].join('\n');
      const created = await stack.client.createJob({
        name: 'Move to newFunction',
        description: 'oldFunction is deprecated; see ADR-12.',
        command,
        repositories: ['acme/alpha', 'acme/beta', 'acme/gamma'],
        createPullRequests: true,
        draftPullRequests: true,
      });
      const job = await waitForJob(stack.client, created.jobId);
      const rows = await repositoriesByName(stack.client, job.jobId);
      assert.equal(job.status, 'COMPLETED', JSON.stringify([...rows.values()].map((row) => row.error)));
      const branch = branchName(job.jobId);

      assert.equal(github.created(), 3);
      for (const [repo, base] of [
        ['alpha', 'main'],
        ['beta', 'main'],
        ['gamma', 'trunk'],
      ] as const) {
        const pull = github.pulls.find((candidate) => candidate.repo === repo)!;
        assert.ok(pull, repo);
        assert.deepEqual(
          { head: pull.head, base: pull.base, draft: pull.draft, title: pull.title },
          { head: branch, base, draft: true, title: 'Move to newFunction' },
        );
        assert.match(pull.body, /oldFunction is deprecated; see ADR-12\./);
        assert.match(pull.body, /1 file changed, \+1 −1/);
        assert.equal(rows.get(`acme/${repo}`)!.pullRequestUrl, pull.html_url);

        // The branch landed in the hosted repository, committed as Cody Batch on top of the base.
        const { bare } = hosting.repository(`acme/${repo}`);
        const stdout = await git(hosting.root, '--git-dir', bare, 'log', '-1', '--format=%an <%ae>%n%s%n%P', branch);
        const [author, subject, parent] = stdout.trim().split('\n');
        assert.equal(author, 'Cody Batch <cody-batch@users.noreply.github.com>');
        assert.equal(subject, 'Move to newFunction');
        assert.equal(parent, (await git(hosting.root, '--git-dir', bare, 'rev-parse', base)).trim());
        assert.equal(
          await git(hosting.root, '--git-dir', bare, 'show', `${branch}:src/main.js`),
          'const a = newFunction(1);\n',
        );
        assert.match(await stack.client.getLog(job.jobId, `acme/${repo}`), /token= key= aws= id=\n/);
      }
      // Every clone, ls-remote and push carried the token header; none was refused, none put it in a URL.
      assert.ok(gitServer.requests.some((request) => request.path.includes('git-receive-pack')));
      credentials.assertAuthenticated(github, gitServer);
      if (kind === 'app') {
        // Each worker's token reached its own repository only.
        for (const request of gitServer.requests) {
          const repository = /^\/acme\/(\w+)\.git\//.exec(request.path)![1]!;
          assert.deepEqual(github.app!.find(request.token!)!.repositories, [repository]);
        }
      }
      const configs = (await readdir(markers)).filter((file) => file.startsWith('config-'));
      assert.equal(configs.length, 3);
      for (const file of configs) {
        const config = await readFile(path.join(markers, file), 'utf8');
        assert.match(config, /\[remote "origin"\]/);
        for (const secret of [...SECRETS, ...credentials.secrets(github)])
          assert.ok(!config.includes(secret), `.git/config holds a secret: ${config}`);
      }
    });

    it('after a worker dies right after creating the PR, the retry reuses it and creates none', async () => {
      let reached!: () => void;
      const reachedCreate = new Promise<void>((resolve) => (reached = resolve));
      hold = { repo: 'delta', reached };
      const created = await stack.client.createJob({
        name: 'Move delta to newFunction',
        // Each attempt's change differs (a timestamp), so the retry must replace the pushed branch.
        command: `echo $PPID > "${markers}/delta.pid"\nsed -i 's/oldFunction(/newFunction(/g' src/main.js\ndate +%s%N > built-at.txt`,
        repositories: ['acme/delta'],
        createPullRequests: true,
      });
      await reachedCreate;
      // The PR exists on GitHub, its answer is held: kill the worker before it can record it.
      const pid = Number((await readFile(path.join(markers, 'delta.pid'), 'utf8')).trim());
      process.kill(pid, 'SIGKILL');
      const crashed = await waitForJob(stack.client, created.jobId);
      const row = await stack.client.getRepository(created.jobId, 'acme/delta');
      assert.equal(crashed.status, 'FAILED');
      assert.equal(row.error?.code, 'WORKER_CRASHED');
      assert.match(row.error!.message, /killed by SIGKILL/);
      assert.equal(github.pulls.filter((pull) => pull.repo === 'delta').length, 1);
      const firstPush = (
        await git(
          hosting.root,
          '--git-dir',
          hosting.repository('acme/delta').bare,
          'rev-parse',
          branchName(created.jobId),
        )
      ).trim();

      await stack.client.retryJob(created.jobId);
      const retried = await waitForJob(stack.client, created.jobId);
      const after = await stack.client.getRepository(created.jobId, 'acme/delta');
      assert.equal(retried.status, 'COMPLETED', JSON.stringify(after.error));
      assert.equal(after.attempt, 2);
      const pulls = github.pulls.filter((pull) => pull.repo === 'delta');
      assert.equal(pulls.length, 1, 'a second PR was created');
      assert.equal(after.pullRequestUrl, pulls[0]!.html_url);
      assert.ok(
        github.requests.some(
          (request) => request.method === 'PATCH' && request.path.endsWith(`/delta/pulls/${pulls[0]!.number}`),
        ),
      );
      // The retry replaced its own earlier push (force-with-lease), still one commit on top of main.
      const bare = hosting.repository('acme/delta').bare;
      const head = (await git(hosting.root, '--git-dir', bare, 'rev-parse', branchName(created.jobId))).trim();
      assert.notEqual(head, firstPush);
      assert.equal(
        (await git(hosting.root, '--git-dir', bare, 'rev-parse', `${branchName(created.jobId)}^`)).trim(),
        (await git(hosting.root, '--git-dir', bare, 'rev-parse', 'main')).trim(),
      );
    });

    it('shapes each pull request as the job says: templated title, body, branch and commit, labels, reviewers; a refused reviewer is a warning', async () => {
      const created = await stack.client.createJob({
        name: 'Rename oldFunction',
        description: 'Part of ADR-12.',
        command: "sed -i 's/oldFunction(/renamedFunction(/g' src/main.js",
        // Chosen on GitHub by the API, with the server's token: the client sends none.
        repositoryQuery: { owners: ['acme'], include: '^acme/(alpha|beta)$' },
        createPullRequests: true,
        pullRequest: {
          title: '[batch] {{job.name}} in {{repository}}',
          body: '{{job.description}}\n\n{{summary}}\n\n{{diffstat}}',
          branch: 'batch/rename-{{repository}}',
          commitMessage: 'refactor: {{job.name}}\n\n{{summary}}',
          labels: ['batch', 'deps'],
          reviewers: ['alice', 'mallory'],
          teamReviewers: ['core-team'],
        },
      });
      assert.deepEqual(created.counts.total, 2);
      const job = await waitForJob(stack.client, created.jobId);
      const rows = await repositoriesByName(stack.client, job.jobId);
      assert.equal(job.status, 'COMPLETED', JSON.stringify([...rows.values()].map((row) => row.error)));
      for (const repo of ['alpha', 'beta']) {
        const name = `acme/${repo}`;
        const pull = github.pulls.find(
          (candidate) => candidate.repo === repo && candidate.head === `batch/rename-${name}`,
        );
        assert.ok(pull, `a pull request for ${name}`);
        assert.deepEqual(
          {
            title: pull.title,
            body: pull.body,
            draft: pull.draft,
            labels: pull.labels,
            reviewers: pull.reviewers,
            teams: pull.teamReviewers,
          },
          {
            title: `[batch] Rename oldFunction in ${name}`,
            body: "Part of ADR-12.\n\nRan `sed -i 's/oldFunction(/renamedFunction(/g' src/main.js`.\n\n1 file changed, +1 −1",
            draft: false,
            labels: ['batch', 'deps'],
            reviewers: ['alice'],
            teams: ['core-team'],
          },
        );
        const row = rows.get(name)!;
        assert.equal(row.status, 'COMPLETED');
        assert.equal(row.pullRequestUrl, pull.html_url);
        assert.equal(row.warnings?.length, 1, JSON.stringify(row.warnings));
        assert.match(
          row.warnings![0]!,
          /^GitHub refused the reviewer @mallory: Reviews may only be requested from collaborators/,
        );
        const { bare } = hosting.repository(name);
        const subject = await git(hosting.root, '--git-dir', bare, 'log', '-1', '--format=%s', `batch/rename-${name}`);
        assert.equal(subject.trim(), 'refactor: Rename oldFunction');
      }
    });

    it("refuses a change that holds the worker's credential: no diff stored, nothing pushed", async () => {
      // The credential cannot reach a command through its environment; here it comes from a file the test left.
      const leak = path.join(markers, 'found-on-disk');
      await writeFile(leak, `${credentials.given}\n`);
      const created = await stack.client.createJob({
        name: 'Leak',
        command: `cp "${leak}" leaked.txt && cat leaked.txt`,
        repositories: ['acme/beta'],
        createPullRequests: true,
      });
      const job = await waitForJob(stack.client, created.jobId);
      const row = await stack.client.getRepository(job.jobId, 'acme/beta');
      assert.equal(row.status, 'FAILED');
      assert.equal(row.error?.code, 'SECRET_DETECTED');
      await assert.rejects(
        readFile(path.join(stack.home, 'artifacts', 'jobs', job.jobId, 'acme', 'beta', 'diff.patch')),
      );
      assert.match(await stack.client.getLog(job.jobId, 'acme/beta'), /\[REDACTED\]/);
      const { bare } = hosting.repository('acme/beta');
      await assert.rejects(git(hosting.root, '--git-dir', bare, 'rev-parse', '--verify', branchName(job.jobId)));
      await rm(leak);
    });

    it('leaves none of the secrets anywhere in the stack home: logs, diffs, errors, threads, database', async () => {
      await waitFor('the stack to be idle', async () =>
        (await stack.client.listJobs()).items.every((job) => !['PENDING', 'RUNNING'].includes(job.status))
          ? true
          : undefined,
      );
      for (const secret of [...SECRETS, ...credentials.secrets(github)]) {
        assert.deepEqual(await filesContaining(stack.home, secret), []);
      }
      // The search does find what is there: every log names its repository.
      assert.notDeepEqual(await filesContaining(stack.home, 'Cloning acme/'), []);
      // The artifacts are there to be searched: each finished repository left its log.
      const logs = await run('find', [path.join(stack.home, 'artifacts'), '-name', 'log.txt']);
      assert.ok(logs.stdout.trim().split('\n').length >= 4);
    });
  });
}
