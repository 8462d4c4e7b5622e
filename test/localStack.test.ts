import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { startStackProcess, type StackProcess } from './helpers/localStack';

describe('local stack (npm start)', () => {
  let stack: StackProcess;
  before(async () => {
    stack = await startStackProcess();
  });
  after(async () => {
    await stack?.dispose();
  });

  it('answers health without auth, and refuses the API without the token', async () => {
    const health = await fetch(`${stack.apiUrl}/health`);
    assert.equal(health.status, 200);
    assert.equal((await health.json()).status, 'ok');
    const jobs = await fetch(`${stack.apiUrl}/jobs`);
    assert.equal(jobs.status, 401);
    assert.equal((await jobs.json()).error.code, 'UNAUTHORIZED');
  });

  it('keeps the token private to its owner (mode 0600)', async () => {
    const mode = (await stat(path.join(stack.home, 'token'))).mode & 0o777;
    assert.equal(mode, 0o600);
  });

  it('prints where everything is', () => {
    const output = stack.output();
    assert.match(output, new RegExp(`API\\s+${stack.apiUrl}`));
    assert.match(output, /aws dynamodb scan --region local --endpoint-url http:\/\/127\.0\.0\.1:\d+ --table-name cody-batch-local-jobs/);
  });
});
