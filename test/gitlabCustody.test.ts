import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ApiError } from '../common/client';
import { branchName } from '../common/names';
import type { RepositoryResult } from '../common/schemas';
import type { FakeGitLab } from './fakes/gitlabServer';
import { approveAsRead, pushBranch as colleaguePush, publicationOf, refs, show } from './helpers/custody';
import { type GitHosting, git } from './helpers/git';
import { waitForJob } from './helpers/jobs';
import { stackStore, type StackProcess } from './helpers/localStack';
import { World } from './helpers/world';

// The chain of custody (test/custody.test.ts) holds on GitLab too, with projects three levels
// deep: the push and merge-request path is the host's, the guarantees are the same.
//   1. A push only creates a branch or moves the one this row pushed last: never the project's
//      default branch (GitLab's GET /projects/:id says which), never a colleague's branch.
//   2. A publish refuses a stored patch that changed after its approval (the artifact of
//      `acme/platform/x` lives under `acme~platform/x`).
//   3. A row's base commit written around the API (not signed by it) is never published.

const GITLAB_TOKEN = 'glpat-FAKEgitlabTOKENforCustody0123';

const NAMES = ['alpha', 'beta', 'gamma', 'delta', 'eta', 'zeta', 'theta'].map((name) => `acme/platform/${name}`);

const FILES = { 'src/main.js': 'const a = oldFunction(1);\n', 'README.md': '# sample\n' };
const CHANGE = "sed -i 's/oldFunction(/newFunction(/g' src/main.js";

describe('chain of custody on GitLab, projects three levels deep', function () {
  this.timeout(180_000);
  let hosting: GitHosting;
  let gitlab: FakeGitLab;
  let stack: StackProcess;
  /** Held while the loopback GitLab answers a merge request's creation (a test kills the worker there). */
  let hold: { project: string; reached: () => void; release?: () => void } | undefined;
  /** Runs once, as a worker starts to push to this project (after its look at the branch). */
  let beforePush: { project: string; run: () => Promise<void> } | undefined;

  const pushBranch = (name: string, branch: string, files: Record<string, string>, from?: string) =>
    colleaguePush(hosting, name, branch, files, from);
  const head = async (name: string, branch: string) =>
    (await git(hosting.root, '--git-dir', hosting.repository(name).bare, 'rev-parse', branch)).trim();

  const approve = (jobId: string, name: string) => approveAsRead(stack.client, jobId, name);
  const publication = (jobId: string, name: string) => publicationOf(stack.client, jobId, name);
  const mergeRequestsOf = (name: string) => gitlab.mergeRequests.filter((mr) => mr.project === name);

  const world = new World({
    token: GITLAB_TOKEN,
    repositories: Object.fromEntries(NAMES.map((name) => [name, FILES])),
    gitlab: {
      beforeGit: async ({ path: requested }) => {
        const current = beforePush;
        if (current && requested === `/${current.project}.git/info/refs?service=git-receive-pack`) {
          beforePush = undefined;
          await current.run();
        }
      },
      afterCreate: async (mr) => {
        if (hold && mr.project === hold.project) {
          const current = hold;
          hold = undefined;
          current.reached();
          await new Promise<void>((resolve) => (current.release = resolve));
        }
      },
    },
    stack: true,
  });
  before(async () => ({ hosting, gitlab, stack } = await world.start()));
  after(async () => {
    hold?.release?.();
    await world.dispose();
  });

  it("never pushes the project's default branch, whatever the template says: it stays byte for byte", async () => {
    const name = 'acme/platform/alpha';
    const { bare } = hosting.repository(name);
    await pushBranch(name, 'develop', { 'DEVELOP.md': 'work in progress\n' });
    const before = await refs(bare);
    const created = await stack.client.createJob({
      name: 'Onto main',
      command: CHANGE,
      repositories: [name],
      baseBranch: 'develop',
      pullRequest: { branch: 'main' },
    });
    assert.equal((await waitForJob(stack.client, created.jobId)).status, 'COMPLETED');
    await approve(created.jobId, name);
    await stack.client.publish(created.jobId, { approved: true });
    const row = await publication(created.jobId, name);
    assert.equal(row.publication?.error?.code, 'BRANCH_EXISTS', JSON.stringify(row.publication));
    assert.match(row.publication!.error!.message, /"main" is acme\/platform\/alpha's default branch/);
    assert.equal(await refs(bare), before, 'no ref of the project moved');
    assert.equal(await show(bare, 'main', 'src/main.js'), FILES['src/main.js']);
    assert.deepEqual(mergeRequestsOf(name), []);
  });

  it("refuses a colleague's branch of the template's name; the other project gets its merge request", async () => {
    const [beta, gamma] = ['acme/platform/beta', 'acme/platform/gamma'];
    const colleague = await pushBranch(beta, 'release/acme/platform/beta', { 'RELEASE.md': 'a colleague’s work\n' });
    const before = await refs(hosting.repository(beta).bare);
    const created = await stack.client.createJob({
      name: 'Release branch',
      command: CHANGE,
      repositories: [beta, gamma],
      // The name's three parts make the branch's path: release/acme/platform/<project>.
      pullRequest: { branch: 'release/{{repository}}' },
    });
    assert.equal((await waitForJob(stack.client, created.jobId)).status, 'COMPLETED');
    for (const name of [beta, gamma]) await approve(created.jobId, name);
    await stack.client.publish(created.jobId, { approved: true });
    const refused = await publication(created.jobId, beta);
    const published = await publication(created.jobId, gamma);
    assert.equal(refused.publication?.error?.code, 'BRANCH_EXISTS', JSON.stringify(refused.publication));
    assert.match(
      refused.publication!.error!.message,
      /"release\/acme\/platform\/beta" already exists in acme\/platform\/beta/,
    );
    assert.equal(published.publication?.status, 'published', JSON.stringify(published.publication));
    assert.equal(await refs(hosting.repository(beta).bare), before, "the colleague's branch is untouched");
    assert.equal(await head(beta, 'release/acme/platform/beta'), colleague);
    assert.deepEqual(
      gitlab.mergeRequests
        .filter((mr) => mr.sourceBranch.startsWith('release/'))
        .map((mr) => [mr.project, mr.sourceBranch]),
      [[gamma, 'release/acme/platform/gamma']],
    );
    // What was pushed is what was approved: the branch's change is the stored patch.
    const pushed = await git(
      hosting.root,
      '--git-dir',
      hosting.repository(gamma).bare,
      'show',
      'release/acme/platform/gamma:src/main.js',
    );
    assert.equal(pushed, 'const a = newFunction(1);\n');
  });

  it('moves its own branch only while it holds what it pushed: a commit pushed on top by someone else is kept', async () => {
    const name = 'acme/platform/delta';
    let reached!: () => void;
    const reachedCreate = new Promise<void>((resolve) => (reached = resolve));
    hold = { project: name, reached };
    const created = await stack.client.createJob({
      name: 'Own branch',
      command: `echo $PPID > worker.pid\n${CHANGE}`,
      repositories: [name],
      createPullRequests: true,
    });
    await reachedCreate;
    // Pushed, its merge request made; the worker dies before it hears so. Its artifacts live
    // under `acme~platform/delta`, one folder for a name of three parts.
    const stored = path.join(stack.home, 'artifacts', 'jobs', created.jobId, 'acme~platform', 'delta', 'diff.patch');
    const pid = Number(/^\+(\d+)$/m.exec(await readFile(stored, 'utf8'))?.[1]);
    assert.ok(pid > 1, 'the worker wrote its pid into its change');
    process.kill(pid, 'SIGKILL');
    hold?.release?.();
    await waitForJob(stack.client, created.jobId);
    const branch = branchName(created.jobId);
    const ours = await head(name, branch);

    const theirs = await pushBranch(name, branch, { 'FIXUP.md': 'a fix on top\n' }, branch);
    await stack.client.retryJob(created.jobId);
    await waitForJob(stack.client, created.jobId);
    const retried = await stack.client.getRepository(created.jobId, name);
    assert.equal(retried.error?.code, 'BRANCH_EXISTS', JSON.stringify(retried.error));
    assert.equal(await head(name, branch), theirs);
    assert.equal(await show(hosting.repository(name).bare, branch, 'FIXUP.md'), 'a fix on top\n');
    assert.equal(retried.pushedCommit, ours, 'the lease was the commit the first attempt pushed');
  });

  it('holds its lease against a branch made between its look and its push: BRANCH_EXISTS, theirs kept', async () => {
    const name = 'acme/platform/eta';
    const created = await stack.client.createJob({ name: 'Race', command: CHANGE, repositories: [name] });
    await waitForJob(stack.client, created.jobId);
    await approve(created.jobId, name);
    const branch = branchName(created.jobId);
    let theirs: string | undefined;
    // The worker looked and found no branch; before its push, a colleague makes it.
    beforePush = {
      project: name,
      run: async () => {
        theirs = await pushBranch(name, branch, { 'COLLEAGUE.md': 'mine\n' });
      },
    };
    await stack.client.publish(created.jobId, { approved: true });
    const row = await publication(created.jobId, name);
    assert.ok(theirs, 'the colleague pushed between the look and the push');
    assert.equal(row.publication?.error?.code, 'BRANCH_EXISTS', JSON.stringify(row.publication));
    assert.equal(await head(name, branch), theirs);
    assert.equal(await show(hosting.repository(name).bare, branch, 'COLLEAGUE.md'), 'mine\n');
    assert.deepEqual(mergeRequestsOf(name), []);
  });

  it('publishes nothing when the stored patch changed after its approval: PATCH_CHANGED', async () => {
    const name = 'acme/platform/zeta';
    const created = await stack.client.createJob({ name: 'Swapped', command: CHANGE, repositories: [name] });
    await waitForJob(stack.client, created.jobId);
    await approve(created.jobId, name);
    const stored = path.join(stack.home, 'artifacts', 'jobs', created.jobId, 'acme~platform', 'zeta', 'diff.patch');
    const backdoor =
      'diff --git a/backdoor.js b/backdoor.js\nnew file mode 100644\nindex 0000000..1111111\n--- /dev/null\n+++ b/backdoor.js\n@@ -0,0 +1 @@\n+steal();\n';
    await writeFile(stored, backdoor);
    await stack.client.publish(created.jobId, { approved: true });
    const row = await publication(created.jobId, name);
    assert.equal(row.publication?.error?.code, 'PATCH_CHANGED', JSON.stringify(row.publication));
    assert.doesNotMatch(await refs(hosting.repository(name).bare), new RegExp(branchName(created.jobId)));
    assert.deepEqual(mergeRequestsOf(name), []);
  });

  it('publishes nothing onto a base commit written around the API: UNVERIFIED_ROW', async () => {
    const name = 'acme/platform/theta';
    const created = await stack.client.createJob({ name: 'Base', command: CHANGE, repositories: [name] });
    await waitForJob(stack.client, created.jobId);
    await approve(created.jobId, name);
    const evil = await pushBranch(name, 'innocent-looking', { 'backdoor.js': 'steal();\n' });
    const row: RepositoryResult = await stack.client.getRepository(created.jobId, name);
    await stackStore(stack).repositories.update(created.jobId, name, {
      from: ['COMPLETED'],
      to: 'COMPLETED',
      set: { base: { ...row.base!, commit: evil } },
    });
    const answer = await stack.client.publish(created.jobId, { approved: true }).then(
      (published) => published.results.map((result) => `${result.outcome}: ${result.reason ?? ''}`),
      (error: ApiError) => [`refused: ${error.code}: ${error.message}`],
    );
    assert.equal(answer.length, 1);
    assert.match(answer[0]!, /^refused: .*UNVERIFIED_ROW/);
    assert.doesNotMatch(await refs(hosting.repository(name).bare), new RegExp(branchName(created.jobId)));
    assert.deepEqual(mergeRequestsOf(name), []);
  });
});
