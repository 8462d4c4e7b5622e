import assert from 'node:assert/strict';
import { remoteMatches, repositoryNameFromRemote } from './remotes';

describe('repositoryNameFromRemote', () => {
  const forms: [string, string][] = [
    ['https://github.com/acme/widgets.git', 'acme/widgets'],
    ['https://github.com/acme/widgets', 'acme/widgets'],
    ['https://github.com/acme/widgets/', 'acme/widgets'],
    ['https://github.com/acme/widgets.git/', 'acme/widgets'],
    ['http://github.com/acme/widgets.git', 'acme/widgets'],
    ['https://user@github.com/acme/widgets.git', 'acme/widgets'],
    ['https://x-access-token:ghp_secret@github.com/acme/widgets.git', 'acme/widgets'],
    ['https://github.com:443/acme/widgets.git', 'acme/widgets'],
    ['https://ghe.example.com/acme/widgets.git', 'acme/widgets'],
    ['git@github.com:acme/widgets.git', 'acme/widgets'],
    ['git@github.com:acme/widgets', 'acme/widgets'],
    ['github.com:acme/widgets.git', 'acme/widgets'],
    ['org-123@github.com:acme/widgets.git', 'acme/widgets'],
    ['ssh://git@github.com/acme/widgets.git', 'acme/widgets'],
    ['ssh://git@github.com:22/acme/widgets.git', 'acme/widgets'],
    ['ssh://github.com/acme/widgets', 'acme/widgets'],
    ['git+ssh://git@github.com/acme/widgets.git', 'acme/widgets'],
    ['git://github.com/acme/widgets.git', 'acme/widgets'],
    ['file:///tmp/hosting/acme/widgets.git', 'acme/widgets'],
    ['file:///tmp/hosting/acme/widgets', 'acme/widgets'],
    ['file:///tmp/hosting/acme/my%20repo.git', 'acme/my repo'],
    ['/tmp/hosting/acme/widgets.git', 'acme/widgets'],
    ['/tmp/hosting/acme/widgets.git/', 'acme/widgets'],
    ['../hosting/acme/widgets.git', 'acme/widgets'],
    ['C:\\repos\\acme\\widgets.git', 'acme/widgets'],
    ['file:///C:/repos/acme/widgets.git', 'acme/widgets'],
    ['https://github.com/Acme/Widgets.js.git', 'Acme/Widgets.js'],
    ['  https://github.com/acme/widgets.git\n', 'acme/widgets'],
    // GitLab: a project's whole path, nested groups and all.
    ['https://gitlab.com/acme/platform/widgets.git', 'acme/platform/widgets'],
    ['git@gitlab.example.com:acme/platform/tools/widgets.git', 'acme/platform/tools/widgets'],
    ['ssh://git@gitlab.example.com:2222/acme/platform/widgets.git', 'acme/platform/widgets'],
  ];
  for (const [remote, expected] of forms) {
    it(`reads ${JSON.stringify(remote)} as ${expected}`, () => {
      assert.equal(repositoryNameFromRemote(remote), expected);
    });
  }

  it('gives nothing for remotes without an owner and a name', () => {
    assert.equal(repositoryNameFromRemote(''), undefined);
    assert.equal(repositoryNameFromRemote('https://github.com/widgets.git'), undefined);
    assert.equal(repositoryNameFromRemote('widgets'), undefined);
  });

  it('matches case-insensitively, with or without .git', () => {
    assert.equal(remoteMatches('git@github.com:ACME/widgets.git', 'acme/Widgets'), true);
    assert.equal(remoteMatches('https://github.com/acme/widgets', 'acme/widgets'), true);
    assert.equal(remoteMatches('https://github.com/acme/widgets-old', 'acme/widgets'), false);
    assert.equal(remoteMatches('https://github.com/other/widgets', 'acme/widgets'), false);
  });

  it('matches a host’s whole path, and the end of a folder’s', () => {
    assert.equal(remoteMatches('https://gitlab.com/acme/platform/widgets.git', 'acme/platform/widgets'), true);
    // Another project: the group above it is part of the name on a host.
    assert.equal(remoteMatches('https://gitlab.com/big/acme/widgets.git', 'acme/widgets'), false);
    assert.equal(remoteMatches('https://gitlab.com/acme/platform/widgets.git', 'platform/widgets'), false);
    // The local folder host nests a group's projects in folders under its root.
    assert.equal(remoteMatches('/srv/hosting/acme/platform/widgets.git', 'acme/platform/widgets'), true);
    assert.equal(remoteMatches('file:///srv/hosting/acme/platform/widgets.git', 'platform/widgets'), true);
    assert.equal(remoteMatches('/srv/hosting/acme/widgets.git', 'acme/platform/widgets'), false);
  });
});
