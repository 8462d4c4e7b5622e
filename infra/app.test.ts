import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './paths';

// The path an operator takes: the cdk CLI (a dev dependency) runs infra/app.ts through cdk.json,
// offline, with no AWS credentials. This is what `npm run synth` and the deploy scripts start with.

const CDK = path.join(REPO_ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk');

async function cdkSynth(args: string[], outdir: string): Promise<{ code: number; output: string }> {
  const env = {
    ...process.env,
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    AWS_PROFILE: '',
  };
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [CDK, 'synth', '--no-notices', '-q', '-o', outdir, ...args],
      { cwd: REPO_ROOT, env },
    );
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

describe('infra: cdk CLI through cdk.json', function () {
  this.timeout(180_000);
  let outdir: string;
  before(async () => {
    outdir = await mkdtemp(path.join(tmpdir(), 'cody-batch-cdk-cli-'));
  });
  after(async () => {
    await rm(outdir, { recursive: true, force: true });
  });

  it('synthesizes only the environment named by -c env=dev', async () => {
    const { code, output } = await cdkSynth(['-c', 'env=dev'], path.join(outdir, 'dev'));
    assert.equal(code, 0, output);
    const files = await readdir(path.join(outdir, 'dev'));
    assert.ok(files.includes('CodyBatch-dev.template.json'), files.join());
    assert.ok(!files.includes('CodyBatch-prod.template.json'));
    const template = JSON.parse(await readFile(path.join(outdir, 'dev', 'CodyBatch-dev.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string }>;
    };
    assert.ok(Object.values(template.Resources).some((resource) => resource.Type === 'AWS::Batch::JobDefinition'));
  });

  it('stops with the reason when a parameter is wrong', async () => {
    const { code, output } = await cdkSynth(['-c', 'env=dev', '-c', 'workerMemoryMiB=100'], path.join(outdir, 'bad'));
    assert.notEqual(code, 0);
    assert.match(output, /Cody Batch infra \(dev\): workerMemoryMiB/);
    assert.doesNotMatch(output, /at resolveConfig/, 'no stack trace');
  });
});
