import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { git, useHostedRepository } from '../../test/helpers/git';
import { findCheckouts, workspaceRepositories } from './checkouts';

describe('finding local checkouts among workspace folders', function () {
  this.timeout(30_000);
  const hosted = useHostedRepository('acme/widgets', { 'a.txt': 'a\n' });
  let byFileUrl: string;
  let byPath: string;
  let upstreamOnly: string;
  let plainFolder: string;

  before(async () => {
    byFileUrl = await hosted.clone({ into: 'by-url' });
    byPath = await hosted.clone({ into: 'by-path', url: hosted.bare });
    // A fork: origin points elsewhere, `upstream` at acme/widgets.
    upstreamOnly = await hosted.clone({ into: 'fork' });
    await git(upstreamOnly, 'remote', 'rename', 'origin', 'upstream');
    await git(upstreamOnly, 'remote', 'add', 'origin', 'git@github.com:someone/widgets-fork.git');
    plainFolder = path.join(hosted.hosting.work, 'not-a-repo');
    await mkdir(plainFolder);
  });

  it('finds clones by any remote form, origin first, and ignores folders that are not clones', async () => {
    const found = await findCheckouts([plainFolder, upstreamOnly, byFileUrl, byPath], 'ACME/widgets');
    assert.deepEqual(
      found.map((checkout) => path.basename(checkout.root)),
      ['by-url', 'by-path', 'fork'],
    );
  });

  it('resolves a folder inside a clone to the top of its work tree', async () => {
    const nested = path.join(byFileUrl, 'src', 'deep');
    await mkdir(nested, { recursive: true });
    const [found] = await findCheckouts([nested], 'acme/widgets');
    assert.equal(found?.root, byFileUrl);
  });

  it('lists the repositories the workspace folders are clones of, once each', async () => {
    const names = (await workspaceRepositories([byFileUrl, byPath, upstreamOnly, plainFolder]))
      .map((entry) => entry.repositoryName)
      .sort();
    assert.deepEqual(names, ['acme/widgets', 'someone/widgets-fork']);
  });

  it('finds nothing for a repository no folder is a clone of', async () => {
    assert.deepEqual(await findCheckouts([byFileUrl, plainFolder], 'acme/gadgets'), []);
  });
});
