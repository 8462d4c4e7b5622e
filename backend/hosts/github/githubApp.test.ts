import assert from 'node:assert/strict';
import { RepositoryQuery } from '../../../common/schemas';
import { appKeyPair } from '../../../test/fakes/githubApp';
import { type FakeGitHub, startFakeGitHub } from '../../../test/fakes/githubServer';
import { codeHostFrom, githubAppFrom, HostRefusal, HostUnavailable, pullRequestKey, pullRequestsOf } from '..';
import { GitHubAppTokens, TOKEN_REFRESH_MARGIN_MS } from './appTokens';

// GitHub App credentials against the loopback GitHub, which verifies the app's JWT (RS256 with its
// public key) and issues installation tokens that expire, each reaching its own installation only:
// tokens per owner, cached until shortly before their own expires_at, narrowed to one repository
// for a worker's work; queries and pull requests across two installations; no personal token.

const PERSONAL = 'ghp_FAKEpersonalTOKENnobodyShouldUse0123';
const APP_ID = '4242';

describe('GitHub App credentials', function () {
  this.timeout(60_000);
  const keys = appKeyPair();
  let github: FakeGitHub;

  before(async () => {
    github = await startFakeGitHub({
      token: PERSONAL,
      repositories: [
        { fullName: 'acme/alpha', topics: ['payments'] },
        { fullName: 'acme/beta' },
        { fullName: 'octo/tools', topics: ['payments'] },
        { fullName: 'elsewhere/secret', topics: ['payments'] },
      ],
      app: {
        id: APP_ID,
        publicKey: keys.publicKey,
        installations: [
          { id: 11, account: 'acme' },
          { id: 12, account: 'octo' },
        ],
      },
    });
  });
  after(() => github?.close());

  const app = { appId: APP_ID, privateKey: keys.privateKey };
  const host = () =>
    codeHostFrom({ gitBase: 'https://github.example.com/{owner}/{name}.git', apiUrl: github.url, githubApp: app });

  it('keeps an installation token until shortly before its own expires_at, then mints another', async () => {
    let now = Date.now();
    const tokens = new GitHubAppTokens(app, github.url, { now: () => now });
    const first = await tokens.tokenFor('acme');
    assert.equal(await tokens.tokenFor('ACME'), first, 'cached');
    assert.equal(tokens.minted, 1);
    const issued = github.app!.find(first)!;
    assert.equal(issued.installationId, 11);
    // Just before the margin the same token; inside it a new one (the library would keep it 59 minutes).
    now = issued.expiresAt - TOKEN_REFRESH_MARGIN_MS - 1_000;
    assert.equal(await tokens.tokenFor('acme'), first);
    now = issued.expiresAt - TOKEN_REFRESH_MARGIN_MS + 1_000;
    const second = await tokens.tokenFor('acme');
    assert.notEqual(second, first);
    assert.equal(tokens.minted, 2);
    // Narrowed to one repository: a token of its own, which reaches that repository only.
    const narrowed = await tokens.tokenFor('acme', 'alpha');
    assert.deepEqual(github.app!.find(narrowed)!.repositories, ['alpha']);
    assert.equal(github.app!.verdict(narrowed, 'acme', 'beta'), 'elsewhere');
    await assert.rejects(tokens.tokenFor('nobody'), (error: Error) => {
      assert.ok(error instanceof HostRefusal);
      assert.match(error.message, /The GitHub App 4242 is not installed on "nobody"/);
      return true;
    });
  });

  it('refuses a key GitHub does not know, saying which credentials to check', async () => {
    const stranger = appKeyPair();
    const tokens = new GitHubAppTokens({ appId: APP_ID, privateKey: stranger.privateKey }, github.url);
    await assert.rejects(tokens.tokenFor('acme'), (error: Error) => {
      assert.ok(error instanceof HostUnavailable);
      assert.match(error.message, /check GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY/);
      return true;
    });
    assert.match(github.app!.refusedJwts.at(-1)!, /signature does not match/);
  });

  it('resolves queries and follows pull requests per installation, never with a personal token', async () => {
    const before = github.requests.length;
    const appHost = host();
    const owners = await appHost.resolveQuery(RepositoryQuery.parse({ owners: ['acme', 'octo'] }));
    assert.deepEqual(owners.repositories, ['acme/alpha', 'acme/beta', 'octo/tools']);
    // A search runs once per installation, each seeing its own account's repositories.
    const byTopic = await appHost.resolveQuery(RepositoryQuery.parse({ topics: ['payments'] }));
    assert.deepEqual(byTopic.repositories, ['acme/alpha', 'octo/tools']);
    await assert.rejects(
      appHost.resolveQuery(RepositoryQuery.parse({ owners: ['elsewhere'] })),
      /not installed on "elsewhere"/,
    );

    const alpha = github.addPull({ owner: 'acme', repo: 'alpha', head: 'b' });
    const tools = github.addPull({ owner: 'octo', repo: 'tools', head: 'b' });
    const refs = [alpha, tools].map((pull) => ({ repositoryName: `${pull.owner}/${pull.repo}`, number: pull.number }));
    const statuses = await pullRequestsOf(appHost).pullRequestStatuses(refs);
    assert.deepEqual(
      refs.map((ref) => statuses.get(pullRequestKey(ref))?.state),
      ['open', 'open'],
    );
    await pullRequestsOf(appHost).commentOnPullRequest(refs[1]!, 'From the App.');
    assert.deepEqual(
      tools.comments.map((comment) => comment.body),
      ['From the App.'],
    );

    const used = github.requests.slice(before);
    assert.ok(used.length > 0);
    assert.ok(used.every((request) => request.authorization !== `token ${PERSONAL}`));
    for (const request of used) {
      const token = /^token (ghs_\w+)$/.exec(request.authorization ?? '')?.[1];
      if (token) assert.ok(github.app!.find(token), `${request.path}: an installation token`);
      else
        assert.match(request.authorization ?? '', /^bearer [\w-]+\.[\w-]+\.[\w-]+$/, `${request.path}: the app's JWT`);
    }
  });

  it('authenticates git for one repository with a token narrowed to it', async () => {
    const header = (await host().gitAuthHeader('acme/beta'))!;
    const [user, token] = Buffer.from(header.replace(/^Authorization: Basic /, ''), 'base64')
      .toString()
      .split(':');
    assert.equal(user, 'x-access-token');
    assert.deepEqual(github.app!.find(token!)!.repositories, ['beta']);
    assert.equal(github.allowsGit(token!, 'acme', 'beta'), true);
    assert.equal(github.allowsGit(token!, 'acme', 'alpha'), false);
  });

  it('reads the key from a PEM (with escaped line breaks) or a file, and refuses half a configuration', () => {
    const escaped = keys.privateKey.replaceAll('\n', '\\n');
    assert.equal(githubAppFrom(APP_ID, escaped)!.privateKey, keys.privateKey);
    assert.throws(() => githubAppFrom(APP_ID, undefined), /needs both GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY/);
    assert.throws(() => githubAppFrom('my-app', escaped), /must be the App's number/);
    assert.throws(
      () => githubAppFrom(APP_ID, '/nonexistent/key.pem'),
      /neither a PEM nor a file one can read \(ENOENT\)/,
    );
    assert.equal(githubAppFrom(undefined, undefined), undefined);
  });
});
