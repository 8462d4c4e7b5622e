import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { repositoriesByName, repositoryNamesOf, waitForJob } from './helpers/jobs';
import { useWorld, runArgs } from './helpers/world';

// `cody-batch repos` and the query and pull-request flags of `cody-batch run`, run as a user types
// them (the built CLI as a child process) against the real local stack, whose code host is the
// loopback GitHub: the stack resolves queries with its token, the CLI sends none.

const GITHUB_TOKEN = 'ghp_FAKEgithubTOKENforCliQueryTests0123456789';

describe('cody-batch repos and run with query and pull-request flags', function () {
  this.timeout(120_000);
  const world = useWorld({
    token: GITHUB_TOKEN,
    repositories: Object.fromEntries(
      ['acme/api', 'acme/web', 'acme/old-site'].map((name) => [name, { 'src/main.js': 'oldFunction(1);\n' }]),
    ),
    github: {
      repositories: [
        { fullName: 'acme/api', topics: ['backend'] },
        { fullName: 'acme/web', topics: ['frontend'] },
        { fullName: 'acme/old-site', archived: true },
        { fullName: 'acme/web-fork', fork: true },
      ],
      collaborators: ['alice'],
    },
    stack: true,
  });
  // The CLI's own environment holds no GitHub token: only the stack has one.
  const cli = (args: string[]) => world.cli(args);
  const jobCount = async () => (await world.stack.client.listJobs({ limit: 100 })).items.length;

  it('`repos` prints the names a query chooses on stdout and the count and notes on stderr', async () => {
    const all = await cli(['repos', '--owner', 'acme']);
    assert.equal(all.code, 0, all.stderr);
    assert.equal(all.stdout, 'acme/api\nacme/web\n');
    assert.match(
      all.stderr,
      /^2 repositories\n {2}1 archived repository left out \(includeArchived keeps them\)\n {2}1 fork left out/,
    );

    const narrowed = await cli([
      'repos',
      '--owner',
      'acme',
      '--include-archived',
      '--include-forks',
      '--exclude',
      'api$',
    ]);
    assert.equal(narrowed.stdout, 'acme/old-site\nacme/web\nacme/web-fork\n');
    const byTopic = await cli(['repos', '--topic', 'backend,frontend']);
    assert.equal(byTopic.stdout, 'acme/api\nacme/web\n');

    const bad = await cli(['repos', '--owner', 'acme', '--include', 'web(?!-fork)']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /repositoryQuery\.include: uses a lookahead \(\(\?!\), which the linear-time engine/);
    const unknown = await cli(['repos', '--owner', 'nobody']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /GitHub has no organisation or user "nobody"/);
  });

  it('`run` with --owner and pull-request flags runs what `repos` showed and opens pull requests shaped by the flags', async () => {
    const { stack, hosting, github } = world;
    const preview = await cli(['repos', '--owner', 'acme']);
    const bodyFile = path.join(hosting.work, 'body.md');
    await writeFile(bodyFile, 'Why: {{job.description}}\n\n{{diffstat}}\n');
    const result = await cli([
      'run',
      '--name',
      'Rename oldFunction',
      '--description',
      'ADR-12',
      '--command',
      "sed -i 's/oldFunction/newFunction/' src/main.js",
      '--owner',
      'acme',
      '--pr',
      '--pr-title',
      '{{job.name}} ({{repository}})',
      '--pr-body-file',
      bodyFile,
      '--branch',
      'rename/{{repository}}',
      '--label',
      'batch,cleanup',
      '--reviewer',
      'alice',
      '--team-reviewer',
      'platform',
      '--detach',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const jobId = result.stdout.trim();
    const job = await waitForJob(stack.client, jobId);
    const names = await repositoryNamesOf(stack.client, jobId);
    assert.deepEqual(names, preview.stdout.trim().split('\n').sort());
    assert.deepEqual(job.repositoryQuery, { owners: ['acme'], includeArchived: false, includeForks: false });
    const rows = await repositoriesByName(stack.client, jobId);
    assert.equal(job.status, 'COMPLETED', JSON.stringify([...rows.values()].map((row) => row.error)));
    for (const name of names) {
      const pull = github.pulls.find((candidate) => `${candidate.owner}/${candidate.repo}` === name)!;
      assert.ok(pull, name);
      assert.deepEqual(
        [pull.title, pull.body, pull.head, pull.labels, pull.reviewers],
        [
          `Rename oldFunction (${name})`,
          'Why: ADR-12\n\n1 file changed, +1 −1\n',
          `rename/${name}`,
          ['batch', 'cleanup'],
          ['alice'],
        ],
      );
      // The team is no collaborator here: a warning on the row, the repository still COMPLETED.
      assert.match(rows.get(name)!.warnings?.join('\n') ?? '', /GitHub refused the reviewer team platform/);
    }
  });

  it('takes pull-request flags without --pr (they shape what publish opens after review), and refuses a branch template that is no valid ref', async () => {
    const { stack } = world;
    const noPr = await cli([
      'run',
      '--name',
      'x',
      '--command',
      'true',
      '--owner',
      'acme',
      '--label',
      'batch',
      '--pr-title',
      '{{job.name}}: {{repository}}',
      '--detach',
    ]);
    assert.equal(noPr.code, 0, noPr.stderr);
    const shaped = await stack.client.getJob(noPr.stdout.trim());
    assert.equal(shaped.createPullRequests, false, 'nothing opens at creation');
    assert.deepEqual(shaped.pullRequest, { title: '{{job.name}}: {{repository}}', labels: ['batch'] });
    await waitForJob(stack.client, shaped.jobId);
    const before = await jobCount();
    const badBranch = await cli(runArgs('x y', 'true', 'acme/api', '--pr', '--branch', 'fix/{{job.name}}'));
    assert.equal(badBranch.code, 2);
    assert.match(badBranch.stderr, /--branch: gives "fix\/x y" for acme\/api, which is not a valid git branch name/);
    const unknown = await cli(runArgs('x', 'true', 'acme/api', '--pr', '--pr-title', '{{title}}'));
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--pr-title: uses an unknown placeholder \{\{title\}\}/);
    const none = await cli(['run', '--name', 'x', '--command', 'true']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /give the repositories: --repos, --repos-file, or query flags such as --owner/);
    assert.equal(await jobCount(), before);
  });
});
