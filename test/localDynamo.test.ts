import assert from 'node:assert/strict';
import { chmod, mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { makeTempDir, startStackProcess } from './helpers/localStack';

describe('local stack: its home', () => {
  it('tightens a home that already existed to 0700 at every start', async function () {
    this.timeout(30_000);
    const parent = await makeTempDir();
    const home = path.join(parent, 'home');
    try {
      await mkdir(home, { mode: 0o755 });
      await chmod(home, 0o755);
      const stack = await startStackProcess({ home });
      try {
        assert.equal((await stat(home)).mode & 0o777, 0o700);
      } finally {
        await stack.dispose();
      }
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});
