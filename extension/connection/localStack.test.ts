import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { makeTempDir, startStackProcess } from '../../test/helpers/localStack';
import { isStackProcessAlive, localHome, readLocalStackFiles } from './localStack';

describe('reading the local stack for "Connect to Local Stack"', function () {
  this.timeout(60_000);

  it('finds the API URL and token a running stack wrote', async () => {
    const stack = await startStackProcess();
    try {
      const files = await readLocalStackFiles(stack.home);
      assert.equal(files.stack?.apiUrl, stack.apiUrl);
      assert.equal(files.token, stack.token);
      assert.equal(isStackProcessAlive(files.stack!), true);
    } finally {
      await stack.dispose({ keepHome: true });
    }
    const after = await readLocalStackFiles(stack.home);
    assert.equal(after.stack, undefined, 'a stopped stack removes stack.json');
    assert.match(after.stackProblem!, /there is no .*stack\.json/);
    assert.ok(after.token, 'the token stays for the next start');
    await rm(stack.home, { recursive: true, force: true });
  });

  it('says what is wrong with a missing or malformed stack.json, and gives no token when there is none', async () => {
    const home = await makeTempDir();
    try {
      await writeFile(path.join(home, 'stack.json'), '{"apiUrl": 5}');
      const files = await readLocalStackFiles(home);
      assert.equal(files.stack, undefined);
      assert.match(files.stackProblem!, /is not what the local stack writes/);
      assert.equal(files.token, undefined);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('takes the setting, else $CODY_BATCH_HOME, else ~/.cody-batch', () => {
    assert.equal(localHome('/srv/cody', { CODY_BATCH_HOME: '/elsewhere' }), '/srv/cody');
    assert.equal(localHome('~/cb', {}), path.join(os.homedir(), 'cb'));
    assert.equal(localHome('', { CODY_BATCH_HOME: '/elsewhere' }), '/elsewhere');
    assert.equal(localHome(undefined, {}), path.join(os.homedir(), '.cody-batch'));
  });
});
