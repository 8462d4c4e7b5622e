import assert from 'node:assert/strict';
import path from 'node:path';
import { ApiError } from '../common/client';
import type { CreateJobInput } from '../common/schemas';
import { type FakeGitHub, startFakeGitHub } from './fakes/githubServer';
import { git } from './helpers/git';
import { repositoriesByName, repositoryNamesOf, waitForJob } from './helpers/jobs';
import { startStackProcess, type StackProcess } from './helpers/localStack';
import { useWorld } from './helpers/world';

// Repositories chosen by query on the real local stack, whose code host is the local folder of
// bare repositories (a file:// git base): the preview (POST /repositories/resolve) and the job
// created from the same query run exactly the same repositories; a query that cannot be run as
// given is a 400 that says what to change, and creates nothing.

describe('repositories by query on the local stack (folder host)', function () {
  this.timeout(90_000);
  const world = useWorld({
    repositories: Object.fromEntries(
      ['acme/one', 'acme/two', 'acme/three', 'other/four', 'other/five'].map((name) => [
        name,
        { 'a.txt': `${name}\n` },
      ]),
    ),
    stack: { concurrency: 2, env: { CODY_BATCH_MAX_REPOSITORIES: '4' } },
  });
  // The folder host lists what is there at each query: an empty repository made after the start counts.
  before(() =>
    git(world.hosting.root, 'init', '--quiet', '--bare', path.join(world.hosting.root, 'acme', 'empty.git')),
  );

  it('creates a job from an owner query that runs exactly the repositories the preview showed', async () => {
    const preview = await world.stack.client.resolveRepositories({ repositoryQuery: { owners: ['acme'] } });
    assert.deepEqual(preview, {
      count: 3,
      repositories: ['acme/one', 'acme/three', 'acme/two'],
      notes: ['1 empty repository skipped'],
    });

    const created = await world.stack.client.createJob({
      name: 'Mark every acme repository',
      command: 'echo marked >> a.txt',
      repositoryQuery: { owners: ['acme'] },
    });
    assert.deepEqual(await repositoryNamesOf(world.stack.client, created.jobId), preview.repositories);
    assert.equal(created.counts.total, preview.count);
    assert.deepEqual(created.repositoryQuery, { owners: ['acme'], includeArchived: false, includeForks: false });
    const job = await waitForJob(world.stack.client, created.jobId);
    assert.equal(job.status, 'COMPLETED');
    const rows = await repositoriesByName(world.stack.client, job.jobId);
    assert.deepEqual([...rows.keys()].sort(), preview.repositories);
    for (const row of rows.values()) assert.equal(row.status, 'COMPLETED', row.repositoryName);
  });

  it('samples from what the query resolved to, and refuses a sample as large as that', async () => {
    const sampled = await world.stack.client.createJob({
      name: 'Try two acme repositories first',
      command: 'echo sampled >> a.txt',
      repositoryQuery: { owners: ['acme'] },
      sample: { size: 2 },
    });
    assert.equal(sampled.run.size, 2);
    const rows = await world.stack.client.allRepositories(sampled.jobId);
    assert.equal(rows.length, 3);
    assert.equal(rows.filter((row) => row.sampled).length, 2, 'the sample is two of what the query resolved to');
    const job = await waitForJob(world.stack.client, sampled.jobId, { status: 'SAMPLED' });
    assert.equal(job.counts.completed, 2);
    assert.equal(job.counts.pending, 1);
    await world.stack.client.cancelJob(job.jobId);

    await assert.rejects(
      world.stack.client.createJob({
        name: 'Too large a sample',
        command: 'true',
        repositoryQuery: { owners: ['acme'] },
        sample: { size: 3 },
      }),
      (error: unknown) =>
        error instanceof ApiError &&
        error.status === 400 &&
        /sample\.size: must be less than the number of repositories \(3\)/.test(error.message),
    );
  });

  it('adds a query to listed repositories, each once whatever its case', async () => {
    const preview = await world.stack.client.resolveRepositories({
      repositories: ['other/four', 'ACME/Two'],
      repositoryQuery: { owners: ['acme'], exclude: 'three' },
    });
    assert.deepEqual(preview, {
      count: 3,
      repositories: ['other/four', 'ACME/Two', 'acme/one'],
      notes: ['1 repository left out by include/exclude', '1 empty repository skipped'],
    });
  });

  it('answers 400 saying what to change, and creates nothing, for a query that cannot run as given', async () => {
    const before = (await world.stack.client.listJobs({ limit: 100 })).items.length;
    const job = (fields: Partial<CreateJobInput>): CreateJobInput => ({ name: 'Refused', command: 'true', ...fields });
    const cases: [CreateJobInput, string, RegExp][] = [
      [
        job({ repositoryQuery: { owners: ['acme'], include: 'acme/(' } }),
        'VALIDATION_FAILED',
        /^repositoryQuery\.include: is not a valid regular expression/,
      ],
      [
        job({ repositoryQuery: { owners: ['acme'], include: '^nothing/' } }),
        'QUERY_REFUSED',
        /^The repositoryQuery matches no repositories on the local folder host .*: change it$/,
      ],
      [
        job({ repositoryQuery: { owners: ['acme', 'other'] } }),
        'QUERY_REFUSED',
        /^The repositoryQuery matches 5 repositories, more than a job may run \(4\): narrow it/,
      ],
      [
        job({ repositoryQuery: { topics: ['web'] } }),
        'QUERY_REFUSED',
        /^The local folder host .* cannot choose repositories by topics: .* Choose by owners, or name the repositories/,
      ],
      [job({ repositoryQuery: { owners: ['nobody'] } }), 'QUERY_REFUSED', /has no owner "nobody"/],
      [
        job({ repositories: ['acme/one'], createPullRequests: true }),
        'VALIDATION_FAILED',
        /^createPullRequests: Pull requests cannot be opened on the local folder host/,
      ],
    ];
    for (const [request, code, message] of cases) {
      for (const call of [
        () => world.stack.client.createJob(request),
        ...(request.repositoryQuery
          ? [() => world.stack.client.resolveRepositories({ repositoryQuery: request.repositoryQuery! })]
          : []),
      ]) {
        await assert.rejects(call(), (error: unknown) => {
          assert.ok(error instanceof ApiError, String(error));
          assert.deepEqual([error.status, error.code], [400, code], error.message);
          assert.match(error.message, message);
          return true;
        });
      }
    }
    assert.equal((await world.stack.client.listJobs({ limit: 100 })).items.length, before, 'nothing was created');
  });
});

// Include/exclude run on every candidate name in the API's process, so an expression that
// backtracks (issue 24: `(a|a)*`, `(?:a|a)+`, `(a|aa)*`, `a*a*…a*$`, which the old hand-written
// check let through) would hold the whole stack for hours. They run on a linear-time engine (RE2
// semantics) instead: each resolves over 10,000 names of 140 characters. No time is asserted; a
// backtracking engine never answers these (2^93 steps on one name), so on it the test fails by its
// (generous) timeout.
describe('repository name filters on the local stack (loopback GitHub)', function () {
  this.timeout(240_000);
  const TOKEN = 'ghp_FAKEgithubTOKENforNameFilterTests012345';
  const OWNER = 'a'.repeat(39);
  // 39 + 1 + 100 characters: a run of a's (where backtracking explodes), half ending in `-`.
  const names = Array.from(
    { length: 10_000 },
    (_, i) => `${OWNER}/r${String(i).padStart(5, '0')}${'a'.repeat(93)}${i % 2 ? 'a' : '-'}`,
  );
  let github: FakeGitHub;
  let stack: StackProcess;

  before(async () => {
    github = await startFakeGitHub({ token: TOKEN, repositories: names.map((fullName) => ({ fullName })) });
    stack = await startStackProcess({
      env: {
        CODY_BATCH_GIT_BASE: 'http://127.0.0.1:9/{owner}/{name}.git',
        GITHUB_TOKEN: TOKEN,
        GITHUB_API_URL: github.url,
      },
    });
  });
  after(async () => {
    // A stack stuck in a backtracking expression hears no SIGTERM.
    const stopped = stack?.dispose();
    const stuck = setTimeout(() => stack?.process.kill('SIGKILL'), 10_000);
    await stopped;
    clearTimeout(stuck);
    await github?.close();
  });

  it('resolves each backtracking pattern of issue 24 over 10,000 names of 140 characters', async () => {
    assert.ok(names.every((name) => name.length === 140));
    const odd = names.filter((_, i) => i % 2);
    const cases: [{ include?: string; exclude?: string }, string[]][] = [
      [{ include: '(a|a)*' }, names],
      [{ include: '(?:a|a)+' }, names],
      [{ include: '(a|aa)*' }, names],
      [{ include: '(a|a)*$' }, names],
      [{ include: '(?:a|a)+$' }, odd],
      [{ include: '(a|aa)*-$' }, names.filter((_, i) => i % 2 === 0)],
      [{ include: `${'a*'.repeat(12)}$` }, names],
      [{ exclude: '(?:a|aa)+-$' }, odd],
    ];
    for (const [filters, expected] of cases) {
      const preview = await stack.client.resolveRepositories({ repositoryQuery: { owners: [OWNER], ...filters } });
      assert.equal(preview.count, expected.length, JSON.stringify(filters));
      assert.deepEqual(preview.repositories, expected, JSON.stringify(filters));
    }
  });

  it('answers 400 saying why for what a linear-time engine cannot run (back-references, lookaround)', async () => {
    const cases: [string, RegExp][] = [
      ['(a)\\1', /^repositoryQuery\.include: uses a back-reference \(\\1\)/],
      ['(?<x>a)\\k<x>', /^repositoryQuery\.include: uses a back-reference \(\\k<x>\)/],
      ['a(?=b)', /^repositoryQuery\.include: uses a lookahead \(\(\?=\)/],
      ['a(?!b)', /^repositoryQuery\.include: uses a lookahead \(\(\?!\)/],
      ['(?<=a)b', /^repositoryQuery\.include: uses a lookbehind \(\(\?<=\)/],
      ['(?<!a)b', /^repositoryQuery\.include: uses a lookbehind \(\(\?<!\)/],
    ];
    for (const [include, message] of cases) {
      await assert.rejects(
        stack.client.resolveRepositories({ repositoryQuery: { owners: [OWNER], include } }),
        (error: unknown) => {
          assert.ok(error instanceof ApiError, String(error));
          assert.deepEqual([error.status, error.code], [400, 'VALIDATION_FAILED'], error.message);
          assert.match(error.message, message);
          assert.match(error.message, /linear-time/);
          return true;
        },
      );
    }
  });
});
