import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_ALLOWED_HOSTS } from '../../common/sandbox';
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

  it('denies the stack’s home, the work folder and the credential places of both homes', () => {
    const denied = deniedReadsFrom({ HOME: '/home/dev', CODY_BATCH_HOME: '/srv/stack', TMPDIR: '/scratch/tmp/' });
    assert.equal(denied[0], '/srv/stack');
    assert.equal(denied[1], '/scratch/tmp');
    for (const place of ['.ssh', '.aws', '.config/gh', '.git-credentials', '.npmrc', '.docker', '.kube', '.netrc']) {
      assert.ok(denied.includes(path.join('/home/dev', place)), place);
      assert.ok(denied.includes(path.join(os.userInfo().homedir, place)), `${place} of the password database's home`);
    }
    assert.ok(deniedReadsFrom({ HOME: '/home/dev' }).includes('/home/dev/.cody-batch'), 'the default stack home');
  });
});
