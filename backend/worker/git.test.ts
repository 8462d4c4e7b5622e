import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { appendFile, chmod, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { startGitHttpServer, type GitHttpServer } from '../../test/fakes/gitHttpServer';
import { bareGit, git, pushToBranch, useHostedRepository } from '../../test/helpers/git';
import { codeHostFrom } from '../hosts';
import { GitCheckout, gitEnvironment } from './git';

const AUTHOR = { name: 'Cody Batch', email: 'cody-batch@localhost' };

// The checkout shared with the command user (AWS: the worker is `cody`, commands run as `cody-run`,
// both in one group). The command user writes the working tree; the git folder it may only read.
// Its config decides what our later git calls run and where the push (with the token) goes, so a
// group-writable one would hand the token to any repository's test script.

describe('GitCheckout shared with the command user', function () {
  this.timeout(30_000);
  const hosted = useHostedRepository('acme/shared', { 'a.txt': 'old\n', 'src/b.txt': 'b\n' });
  let umask: number;

  before(() => {
    // The worker's umask with a command user (main.ts).
    umask = process.umask(0o002);
  });
  after(() => process.umask(umask));

  /** Every path under `folder` that its group may write, relative to it. */
  async function groupWritable(folder: string): Promise<string[]> {
    const found: string[] = [];
    const visit = async (relative: string) => {
      const full = path.join(folder, relative);
      if ((await stat(full)).mode & 0o020) found.push(relative || '.');
      for (const entry of await readdir(full, { withFileTypes: true })) {
        const child = path.join(relative, entry.name);
        if (entry.isDirectory()) await visit(child);
        else if ((await stat(path.join(folder, child))).mode & 0o020) found.push(child);
      }
    };
    await visit('');
    return found;
  }

  it('leaves the git folder readable but not writable by the group, through diff and commit, and the working tree writable', async () => {
    const root = path.join(hosted.hosting.work, 'shared-run');
    const checkout = await GitCheckout.clone(hosted.url, root, undefined, {
      env: gitEnvironment(process.env),
      sharedGroup: true,
    });
    assert.deepEqual(await groupWritable(checkout.gitDir), []);
    assert.ok(
      (await stat(path.join(checkout.gitDir, 'config'))).mode & 0o040,
      'the command user can read the git folder (git status, git diff)',
    );
    assert.ok(
      (await stat(path.join(checkout.workTree, 'src'))).mode & 0o020,
      'the command user can write the working tree',
    );

    await writeFile(path.join(checkout.workTree, 'a.txt'), 'new\n');
    assert.equal((await checkout.stagedDiff()).stats.files, 1);
    await checkout.commit('change', AUTHOR);
    // git writes the message file with the plain umask; in a folder the group cannot write, and
    // holding only our own commit message, it gives nothing away.
    assert.deepEqual(await groupWritable(checkout.gitDir), ['COMMIT_EDITMSG']);
  });
});

// The token goes to the remote the worker named and nowhere else: git's config from the worker's
// HOME is not read (a `url.insteadOf` there, or git-lfs's filters, which read a repository's
// `.lfsconfig` and would carry an unscoped header to the host it names), LFS filters never run, and
// the header is scoped to the remote's URL, so a request git makes to any other host goes without it.
describe('GitCheckout keeps the token for the remote', function () {
  this.timeout(30_000);
  const TOKEN = 'ghp_FAKEtokenForScopedHeaderTests0123456789';
  const hosted = useHostedRepository('acme/scoped', { 'a.txt': 'old\n', 'big.bin': 'large content\n' });
  let remote: GitHttpServer;
  let elsewhere: { url: string; authorizations: (string | undefined)[]; server: Server };
  let counter = 0;

  before(async () => {
    remote = await startGitHttpServer({ root: hosted.hosting.root, token: TOKEN });
    // Another host: it records the Authorization header of whatever reaches it, and refuses it.
    const authorizations: (string | undefined)[] = [];
    const server = createServer((request, response) => {
      authorizations.push(request.headers.authorization);
      response.writeHead(401, { 'www-authenticate': 'Basic realm="elsewhere"' });
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    elsewhere = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, authorizations, server };
  });
  after(async () => {
    await remote?.close();
    await new Promise((resolve) => elsewhere?.server.close(resolve));
  });

  const authHeader = () => codeHostFrom({ gitBase: remote.gitBase, token: TOKEN }).gitAuthHeader('acme/scoped');
  const remoteUrl = () => remote.gitBase.replace('{owner}', 'acme').replace('{name}', 'scoped');
  const run = () => path.join(hosted.hosting.work, `token-run-${++counter}`);
  /** A worker's clone of acme/scoped over HTTP with the token, in a fresh run folder. */
  const cloneWithToken = async (env = gitEnvironment(process.env)) =>
    GitCheckout.clone(remoteUrl(), run(), undefined, { env, authHeader: await authHeader() });

  /** A HOME with a git config, as a developer's laptop has one. */
  async function homeWith(config: string): Promise<string> {
    const home = path.join(hosted.hosting.work, `home-${++counter}`);
    await mkdir(home, { recursive: true });
    await writeFile(path.join(home, '.gitconfig'), config);
    return home;
  }

  /** A filter command that leaves a mark when git runs it, as git-lfs would run. */
  async function markingFilter(): Promise<{ command: string; ran: () => boolean }> {
    const folder = path.join(hosted.hosting.work, `filter-${++counter}`);
    await mkdir(folder, { recursive: true });
    const script = path.join(folder, 'filter');
    const mark = path.join(folder, 'ran');
    await writeFile(script, `#!/bin/sh\ntouch '${mark}'\ncat\n`);
    await chmod(script, 0o755);
    return { command: script, ran: () => existsSync(mark) };
  }

  it('clones and pushes with the token over HTTP', async () => {
    const checkout = await cloneWithToken();
    await writeFile(path.join(checkout.workTree, 'a.txt'), 'new\n');
    await checkout.stagedDiff();
    const commit = await checkout.commit('change', AUTHOR);
    await checkout.push(remoteUrl(), 'cody-batch/scoped', undefined);
    assert.equal(await checkout.remoteBranchHead(remoteUrl(), 'cody-batch/scoped'), commit);
    assert.ok(remote.requests.some((request) => request.path.endsWith('/git-receive-pack') && request.authorized));
  });

  it('sends no token to another host git is pointed at', async () => {
    const checkout = await cloneWithToken();
    await writeFile(path.join(checkout.workTree, 'a.txt'), 'elsewhere\n');
    await checkout.stagedDiff();
    await checkout.commit('change', AUTHOR);
    // The repository's config sends the remote's URL to another host (as an `.lfsconfig` names
    // another LFS server for git-lfs, which reads the same http settings).
    await appendFile(
      path.join(checkout.gitDir, 'config'),
      `[url "${elsewhere.url}/"]\n\tinsteadOf = ${remoteUrl().replace(/acme\/scoped\.git$/, '')}\n`,
    );
    const before = elsewhere.authorizations.length;
    await assert.rejects(checkout.push(remoteUrl(), 'cody-batch/elsewhere', undefined));
    const received = elsewhere.authorizations.slice(before);
    assert.ok(received.length > 0, 'git did go to the other host');
    assert.deepEqual(
      received,
      received.map(() => undefined),
      'without an Authorization header',
    );
  });

  it("ignores the git config in the worker's HOME: its url rewrites and its LFS filters", async () => {
    const filter = await markingFilter();
    // What `git lfs install` writes, and a rewrite of the remote to another host.
    const home = await homeWith(
      `[url "${elsewhere.url}/"]\n\tinsteadOf = ${remoteUrl().replace(/acme\/scoped\.git$/, '')}\n` +
        `[filter "lfs"]\n\tsmudge = ${filter.command}\n\tclean = ${filter.command}\n\trequired = true\n`,
    );
    await hosted.hosting.repository('acme/scoped').pushChange(async (clone) => {
      await writeFile(path.join(clone, '.gitattributes'), '*.bin filter=lfs diff=lfs merge=lfs -text\n');
    }, 'track *.bin with LFS');
    const before = elsewhere.authorizations.length;
    const checkout = await cloneWithToken({ ...gitEnvironment(process.env), HOME: home });
    assert.equal(elsewhere.authorizations.length, before, 'the clone did not go to the other host');
    await writeFile(path.join(checkout.workTree, 'big.bin'), 'changed large content\n');
    assert.equal((await checkout.stagedDiff()).stats.files, 1);
    assert.equal(filter.ran(), false, 'no LFS filter ran, at checkout or at git add');
  });

  it("runs no LFS filter the repository's own config names", async () => {
    const filter = await markingFilter();
    const checkout = await cloneWithToken();
    await git(checkout.gitDir, 'config', '--file', 'config', 'filter.lfs.clean', filter.command);
    await git(checkout.gitDir, 'config', '--file', 'config', 'filter.lfs.process', filter.command);
    await git(checkout.gitDir, 'config', '--file', 'config', 'filter.lfs.required', 'true');
    await writeFile(path.join(checkout.workTree, '.gitattributes'), '*.bin filter=lfs -text\n');
    await writeFile(path.join(checkout.workTree, 'big.bin'), 'changed again\n');
    const { patch } = await checkout.stagedDiff();
    assert.match(patch, /\+changed again/);
    assert.equal(filter.ran(), false);
  });
});

// What a clone records as its base (the commit every diff is made against and the worker seals),
// read from the files git wrote to our own git folder: the same answer git gives.
describe('GitCheckout records the base it cloned', function () {
  this.timeout(30_000);
  const hosted = useHostedRepository('acme/based', { 'a.txt': 'old\n' });
  let counter = 0;
  const clone = (branch?: string) =>
    GitCheckout.clone(hosted.url, path.join(hosted.hosting.work, `based-run-${++counter}`), branch, {
      env: gitEnvironment(process.env),
    });

  it('the default branch, a named branch and a tag: each at the commit and branch git names', async () => {
    const feature = await pushToBranch(hosted.hosting, 'acme/based', 'feature/x', { 'b.txt': 'b\n' });
    await bareGit(hosted.bare, 'tag', 'v1', feature);
    const main = (await bareGit(hosted.bare, 'rev-parse', 'HEAD')).toString().trim();
    const byDefault = await clone();
    assert.deepEqual(byDefault.base, { branch: 'main', head: main });
    assert.deepEqual(byDefault.base, await byDefault.branchAndHead());
    const named = await clone('feature/x');
    assert.deepEqual(named.base, { branch: 'feature/x', head: feature });
    assert.deepEqual(named.base, await named.branchAndHead());
    // A tag leaves HEAD detached: git is asked, as before.
    const tagged = await clone('v1');
    assert.equal(tagged.base.head, feature);
    assert.deepEqual(tagged.base, await tagged.branchAndHead());
  });

  it('diffs against the cloned commit after a command committed, and commits onto it', async () => {
    const checkout = await clone();
    const base = checkout.base.head;
    await writeFile(path.join(checkout.workTree, 'a.txt'), 'committed\n');
    await git(checkout.workTree, 'add', '-A');
    await git(checkout.workTree, '-c', 'user.name=c', '-c', 'user.email=c@c', 'commit', '-q', '-m', 'by the command');
    await writeFile(path.join(checkout.workTree, 'c.txt'), 'new\n');
    const { patch, stats } = await checkout.stagedDiff();
    assert.equal(stats.files, 2);
    assert.match(patch, /\+committed/);
    const commit = await checkout.commit('change', AUTHOR);
    assert.equal((await git(checkout.workTree, 'rev-parse', `${commit}^`)).trim(), base);
  });
});
