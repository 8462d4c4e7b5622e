import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { RepositoryQuery, type RepositoryQueryInput } from '../../../common/schemas';
import { createGitHosting, git, useGitHosting } from '../../../test/helpers/git';
import { type CodeHost, codeHostFrom, HostRefusal, pullRequestsOf } from '..';
import { describeCodeHostContract } from '../codeHost.contract';

// The local folder host on real bare repositories: it lists an owner's folder, skips empty
// repositories and folders that are no repositories, and refuses what it cannot do by name.

describe('local folder host', function () {
  this.timeout(30_000);
  let host: CodeHost;
  const hosted = useGitHosting(async (hosting) => {
    for (const name of ['acme/one', 'acme/two', 'acme/three', 'other/four'])
      await hosting.create(name, { 'a.txt': `${name}\n` });
    await git(hosted.hosting.root, 'init', '--quiet', '--bare', path.join(hosted.hosting.root, 'acme', 'empty.git'));
    await mkdir(path.join(hosted.hosting.root, 'acme', 'not-a-repository.git'), { recursive: true });
    await mkdir(path.join(hosted.hosting.root, 'acme', 'plain-folder'), { recursive: true });
    host = codeHostFrom({ gitBase: hosting.gitBase });
  });

  const resolve = (query: RepositoryQueryInput) => host.resolveQuery(RepositoryQuery.parse(query));

  it("resolves an owner to the bare repositories in its folder, skipping empty ones and what is not git's", async () => {
    assert.equal(host.kind, 'folder');
    const { repositories, notes } = await resolve({ owners: ['acme'] });
    assert.deepEqual(repositories, ['acme/one', 'acme/three', 'acme/two']);
    assert.deepEqual(notes, ['1 empty repository skipped']);
    assert.equal(host.cloneUrl('acme/one'), hosted.hosting.repository('acme/one').url);
    assert.equal(await host.gitAuthHeader('acme/one'), undefined);
  });

  it('takes several owners, an owner in another case, and include/exclude', async () => {
    const { repositories } = await resolve({ owners: ['ACME', 'other'], exclude: '/t' });
    assert.deepEqual(repositories, ['acme/one', 'other/four']);
  });

  it('refuses an owner it has no folder for, and what it cannot do, saying what to use instead', async () => {
    await assert.rejects(resolve({ owners: ['nobody'] }), (error: Error) => {
      assert.ok(error instanceof HostRefusal);
      assert.match(error.message, /has no owner "nobody"/);
      return true;
    });
    const refused: [RepositoryQueryInput, string][] = [
      [{ topics: ['web'] }, 'choose repositories by topics'],
      [{ owners: ['acme'], search: 'widgets' }, 'search repositories'],
      [{ codeSearch: 'oldFunction' }, 'search code'],
    ];
    for (const [query, what] of refused) {
      await assert.rejects(resolve(query), (error: Error) => {
        assert.ok(error instanceof HostRefusal);
        assert.match(error.message, new RegExp(`^The local folder host \\(${hosted.hosting.root}\\) cannot ${what}`));
        assert.match(error.message, /Choose by owners, or name the repositories in repositories/);
        return true;
      });
    }
    assert.equal(host.pullRequests.supported, false);
    assert.throws(
      () => pullRequestsOf(host),
      (error: Error) =>
        error instanceof HostRefusal && /^Pull requests cannot be opened on the local folder host/.test(error.message),
    );
  });
});

describeCodeHostContract(
  'The local folder host',
  async () => {
    const hosting = await createGitHosting();
    for (const name of ['acme/one', 'acme/deep/two', 'acme/deep/er/three', 'other/four'])
      await hosting.create(name, { 'a.txt': 'a\n' });
    return {
      host: codeHostFrom({ gitBase: hosting.gitBase }),
      owner: 'acme',
      ownerRepositories: ['acme/one', 'acme/deep/two', 'acme/deep/er/three'],
      dispose: () => hosting.dispose(),
    };
  },
  { pullRequests: false },
);
