import assert from 'node:assert/strict';
import { RepositoryQuery, type RepositoryQueryInput } from '../../../common/schemas';
import { type FakeRepository, startFakeGitHub } from '../../../test/fakes/githubServer';
import { codeHostFrom, HostRefusal } from '..';
import { useGitHubHost } from '../../../test/helpers/githubHost';
import { describeCodeHostContract } from '../codeHost.contract';
import { GITHUB_TOKEN_PATTERNS } from './tokens';

// Repository queries on GitHub, through the real Octokit (throttling, retry, Link pagination)
// against the loopback GitHub: organisations and users, topics, repository and code search, the
// search cap, a secondary rate limit, archived repositories, forks and empty ones.

const TOKEN = 'ghp_FAKEgithubTOKENforQueryTests0123456789';

const REPOSITORIES: FakeRepository[] = [
  { fullName: 'acme/alpha', topics: ['payments', 'go'], files: { 'main.go': 'oldFunction(1)' } },
  { fullName: 'acme/beta', topics: ['payments'], files: { 'a.go': 'oldFunction(2)', 'b.go': 'oldFunction(3)' } },
  { fullName: 'acme/gamma', topics: ['web'] },
  { fullName: 'acme/delta-archive', archived: true, topics: ['payments'], files: { 'x.go': 'oldFunction(4)' } },
  { fullName: 'acme/epsilon-fork', fork: true },
  { fullName: 'acme/empty', size: 0 },
  { fullName: 'acme/zeta' },
  { fullName: 'octo-user/tools', topics: ['payments'], files: { 'tool.go': 'oldFunction(5)' } },
  { fullName: 'octo-user/dotfiles' },
];

describe('GitHub code host: repository queries', function () {
  this.timeout(60_000);
  const fake = useGitHubHost({
    token: TOKEN,
    repositories: REPOSITORIES,
    users: ['octo-user'],
    // Two to a page: every listing and search below spans pages.
    pageSize: 2,
    searchTotals: { 'stars:>1': 4_321, 'org:acme oldFunction language:go': 1_001 },
    incompleteSearches: ['slow'],
  });

  const resolve = (query: RepositoryQueryInput) => fake.host.resolveQuery(RepositoryQuery.parse(query));
  const requestsTo = (prefix: string) => fake.github.requests.filter((request) => request.path.startsWith(prefix));

  it("lists an organisation's repositories across pages, leaving out archived ones, forks and empty ones", async () => {
    const before = requestsTo('/orgs/acme/repos').length;
    const { repositories, notes } = await resolve({ owners: ['acme'] });
    assert.deepEqual(repositories, ['acme/alpha', 'acme/beta', 'acme/gamma', 'acme/zeta']);
    // Seven repositories, two to a page: four pages, each reached through the Link header.
    assert.equal(requestsTo('/orgs/acme/repos').length - before, 4);
    assert.ok(requestsTo('/orgs/acme/repos').some((request) => request.path.includes('page=4')));
    assert.deepEqual(notes, [
      '1 archived repository left out (includeArchived keeps them)',
      '1 fork left out (includeForks keeps them)',
      '1 empty repository skipped',
    ]);
  });

  it('keeps archived repositories and forks when asked; a user is found where no organisation is', async () => {
    const { repositories } = await resolve({
      owners: ['acme', 'octo-user'],
      includeArchived: true,
      includeForks: true,
    });
    assert.deepEqual(repositories, [
      'acme/alpha',
      'acme/beta',
      'acme/delta-archive',
      'acme/epsilon-fork',
      'acme/gamma',
      'acme/zeta',
      'octo-user/dotfiles',
      'octo-user/tools',
    ]);
    assert.ok(requestsTo('/users/octo-user/repos').length > 0);
  });

  it('filters owner/name with include and exclude', async () => {
    const { repositories, notes } = await resolve({ owners: ['acme'], include: '^acme/(a|b|z)', exclude: 'zeta$' });
    assert.deepEqual(repositories, ['acme/alpha', 'acme/beta']);
    assert.match(notes.join('; '), /left out by include\/exclude/);
  });

  it('refuses an owner GitHub does not have, naming it', async () => {
    await assert.rejects(resolve({ owners: ['acme', 'nobody-here'] }), (error: Error) => {
      assert.ok(error instanceof HostRefusal);
      assert.match(error.message, /GitHub has no organisation or user "nobody-here"/);
      return true;
    });
  });

  it('finds repositories by topic alone (a search per topic) and narrows owners by topic', async () => {
    const byTopic = await resolve({ topics: ['payments', 'web'] });
    assert.deepEqual(byTopic.repositories, ['acme/alpha', 'acme/beta', 'acme/gamma', 'octo-user/tools']);
    assert.ok(requestsTo('/search/repositories').some((request) => request.path.includes('topic%3Apayments')));
    const narrowed = await resolve({ owners: ['acme'], topics: ['payments'] });
    assert.deepEqual(narrowed.repositories, ['acme/alpha', 'acme/beta']);
  });

  it('runs a repository search across pages, and intersects it with owners', async () => {
    const { repositories } = await resolve({ search: 'a' });
    assert.deepEqual(repositories, ['acme/alpha', 'acme/beta', 'acme/gamma', 'acme/zeta']);
    const withOwners = await resolve({ search: 'ta', owners: ['acme', 'octo-user'] });
    assert.deepEqual(withOwners.repositories, ['acme/beta', 'acme/zeta']);
  });

  it('gives each repository of a code search once, and looks up what code search does not say (archived)', async () => {
    const { repositories, notes } = await resolve({ codeSearch: 'oldFunction' });
    assert.deepEqual(repositories, ['acme/alpha', 'acme/beta', 'octo-user/tools']);
    assert.ok(notes.includes('The code search matched 5 files in 4 repositories'), notes.join('; '));
    assert.ok(notes.includes('1 archived repository left out (includeArchived keeps them)'), notes.join('; '));
    assert.ok(requestsTo('/repos/acme/delta-archive').length > 0, 'the archived flag was looked up');
  });

  it('refuses a search over GitHub’s 1,000-result cap, or cut short, rather than truncate it', async () => {
    await assert.rejects(resolve({ search: 'stars:>1' }), (error: Error) => {
      assert.ok(error instanceof HostRefusal);
      assert.match(
        error.message,
        /matches 4,321 repositories, and GitHub returns at most 1,000 results of a search: narrow it/,
      );
      return true;
    });
    await assert.rejects(resolve({ codeSearch: 'org:acme oldFunction language:go' }), /matches 1,001 files/);
    await assert.rejects(
      resolve({ search: 'slow' }),
      /timed out on GitHub, which returned incomplete results: narrow it/,
    );
  });

  it('waits out a secondary rate limit (403 with retry-after) and answers in full', async () => {
    const before = fake.github.rateLimited();
    fake.github.rateLimitNext('/orgs/acme/repos');
    const { repositories } = await resolve({ owners: ['acme'] });
    assert.equal(fake.github.rateLimited(), before + 1, 'the limit was hit');
    assert.deepEqual(repositories, ['acme/alpha', 'acme/beta', 'acme/gamma', 'acme/zeta']);
  });

  it('authenticates git with the token as a Basic header and names GitHub’s token shapes', async () => {
    const header = (await fake.host.gitAuthHeader('acme/alpha'))!;
    assert.equal(
      Buffer.from(header.replace(/^Authorization: Basic /, ''), 'base64').toString(),
      `x-access-token:${TOKEN}`,
    );
    assert.equal(fake.host.cloneUrl('acme/alpha'), 'https://github.example.com/acme/alpha.git');
    assert.equal(fake.host.kind, 'github');
    assert.ok(GITHUB_TOKEN_PATTERNS.some((pattern) => new RegExp(pattern.source).test(TOKEN)));
    assert.equal(codeHostFrom({}).cloneUrl('a/b'), 'https://github.com/a/b.git');
  });
});

describeCodeHostContract(
  'GitHub',
  async () => {
    const github = await startFakeGitHub({
      token: TOKEN,
      repositories: [{ fullName: 'acme/one' }, { fullName: 'acme/two' }, { fullName: 'acme/three' }],
      pageSize: 1,
    });
    return {
      host: codeHostFrom({
        gitBase: 'https://github.example.com/{owner}/{name}.git',
        apiUrl: github.url,
        token: TOKEN,
      }),
      owner: 'acme',
      ownerRepositories: ['acme/one', 'acme/two', 'acme/three'],
      pullRequestRepository: 'acme/two',
      head: 'contract',
      base: 'main',
      async moveHead() {
        for (const pull of github.pulls.filter((candidate) => candidate.repo === 'two')) pull.headSha = 'e'.repeat(40);
      },
      dispose: () => github.close(),
    };
  },
  { pullRequests: true },
);
