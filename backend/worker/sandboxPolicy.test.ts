import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_ALLOWED_HOSTS } from '../../common/sandbox';
import { codeHostFromEnvironment } from '../hosts';
import { allowedHostsOf, deniedReadsFrom, gitHostOf } from './sandboxPolicy';

describe('the sandbox policy: what a job’s commands may reach and read', () => {
  it('allows the code host of the clone URL, the defaults and the job’s own hosts, each once', () => {
    assert.equal(gitHostOf('https://github.com/acme/a.git'), 'github.com:443');
    assert.equal(gitHostOf('http://127.0.0.1:8123/acme/a.git'), '127.0.0.1:8123');
    assert.equal(gitHostOf('https://[::1]/a.git'), '[::1]:443');
    assert.equal(gitHostOf('file:///srv/git/acme/a.git'), undefined, 'a folder is no host');
    const hosts = allowedHostsOf(
      { sandbox: { allowHosts: ['registry.example.com', 'github.com:443'] } },
      'https://github.com/acme/a.git',
    );
    assert.deepEqual(hosts, [...DEFAULT_ALLOWED_HOSTS, 'github.com:443', 'registry.example.com']);
    assert.deepEqual(allowedHostsOf({}, 'file:///x/{owner}/{name}.git'), [...DEFAULT_ALLOWED_HOSTS]);
  });

  it('allows a GitLab stack’s git host for projects nested deep, and no GitHub', () => {
    const allowed = (env: NodeJS.ProcessEnv) =>
      allowedHostsOf(
        {},
        codeHostFromEnvironment({ CODY_BATCH_CODE_HOST: 'gitlab', GITLAB_TOKEN: 'glpat-x', ...env }).cloneUrl(
          'acme/platform/tools/web',
        ),
      );
    const gitlabCom = allowed({});
    assert.ok(gitlabCom.includes('gitlab.com:443'), gitlabCom.join(' '));
    assert.ok(!gitlabCom.some((host) => host.startsWith('github.com')), 'GitHub is not this stack’s host');
    assert.deepEqual(
      allowed({ GITLAB_URL: 'https://git.corp.example:8443/gitlab' }).slice(DEFAULT_ALLOWED_HOSTS.length),
      ['git.corp.example:8443'],
    );
    // A clone base of its own (a mirror): that is the host the commands' git reaches.
    assert.deepEqual(
      allowed({
        GITLAB_URL: 'https://git.corp.example',
        CODY_BATCH_GIT_BASE: 'https://mirror.corp.example/{path}.git',
      }).slice(DEFAULT_ALLOWED_HOSTS.length),
      ['mirror.corp.example:443'],
    );
  });

  it('denies the runs’ work folder, never the whole temporary folder a checkout or a tool may sit in', () => {
    const denied = deniedReadsFrom({ HOME: '/home/dev', TMPDIR: '/var/tmp/t' });
    assert.ok(denied.includes(`/var/tmp/t/cody-batch-runs-${os.userInfo().uid}`), denied.join(' '));
    assert.ok(!denied.includes('/var/tmp/t'), 'the temporary folder itself stays readable');
    assert.ok(deniedReadsFrom({ HOME: '/home/dev', CODY_BATCH_WORK_DIR: '/srv/runs' }).includes('/srv/runs'));
  });

  it('denies the file a GitHub App’s private key is read from, when it is given as a path', () => {
    const env = { HOME: '/home/dev', GITHUB_APP_ID: '12345', GITHUB_APP_PRIVATE_KEY: ' keys/app.private-key.pem ' };
    assert.ok(deniedReadsFrom(env).includes(path.resolve('keys/app.private-key.pem')), deniedReadsFrom(env).join(' '));
    const inline = deniedReadsFrom({ HOME: '/home/dev', GITHUB_APP_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\\nx' });
    assert.ok(!inline.some((place) => place.includes('BEGIN')), 'a key given inline is no place');
  });

  it('denies the stack’s home, the work folder and the credential places of both homes', () => {
    const denied = deniedReadsFrom({ HOME: '/home/dev', CODY_BATCH_HOME: '/srv/stack', TMPDIR: '/scratch/tmp/' });
    assert.equal(denied[0], '/srv/stack');
    assert.equal(denied[1], `/scratch/tmp/cody-batch-runs-${os.userInfo().uid}`);
    for (const place of ['.ssh', '.aws', '.config/gh', '.git-credentials', '.npmrc', '.docker', '.kube', '.netrc']) {
      assert.ok(denied.includes(path.join('/home/dev', place)), place);
      assert.ok(denied.includes(path.join(os.userInfo().homedir, place)), `${place} of the password database's home`);
    }
    assert.ok(deniedReadsFrom({ HOME: '/home/dev' }).includes('/home/dev/.cody-batch'), 'the default stack home');
  });
});
