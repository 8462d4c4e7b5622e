import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FixtureFiles } from './helpers/git';
import { repositoriesByName, waitForJob } from './helpers/jobs';
import { useWorld } from './helpers/world';

// A command job over 20 repositories at concurrency 4, through the real stack and worker bundle.
// Each diff must apply to a fresh clone with git and with GNU patch, and give the intended tree.

const run = promisify(execFile);
const COUNT = 20;
const BINARY = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02, 0xff, 0x00, 0x10]);

function name(i: number): string {
  return `acme/service-${String(i).padStart(2, '0')}`;
}

/** Every 5th repository has no usages (NO_CHANGES); service-07 makes the command fail; every 4th also changes binary files. */
function filesFor(i: number): FixtureFiles {
  const files: FixtureFiles = {
    'README.md': `# service ${i}\n`,
    'src/main.js':
      i % 5 === 0
        ? `console.log(${i});\n`
        : `const a = oldFunction(${i});\nconst b = oldFunction(a + 1);\nmodule.exports = { a, b };\n`,
    'docs/old-name.md': `${'This paragraph is long enough for git to see a rename.\n'.repeat(8)}Repository ${i}\n`,
    'obsolete.txt': 'to be deleted\n',
    'bin/run.sh': '#!/bin/sh\necho run\n',
    'assets/logo.bin': BINARY,
  };
  if (i === 7) files.FAIL = 'yes\n';
  if (i % 5 === 0) files.SKIP = 'yes\n';
  if (i % 4 === 0) files.BINARY = 'yes\n';
  return files;
}

const COMMAND = [
  'set -e',
  'if [ -f FAIL ]; then echo "refusing: FAIL marker present" >&2; exit 3; fi',
  'if [ -f SKIP ]; then exit 0; fi',
  "sed -i 's/oldFunction(/newFunction(/g' src/main.js",
  'mv docs/old-name.md docs/new-name.md',
  'rm obsolete.txt',
  'chmod +x bin/run.sh',
  'mkdir -p lib/generated && printf "export const version = 2;\\n" > lib/generated/version.js',
  'if [ -f BINARY ]; then printf "\\000\\001\\002tail" >> assets/logo.bin; printf "\\211PNG\\000\\000\\001" > assets/new.bin; fi',
].join('\n');

describe('worker: command job over 20 repositories at concurrency 4', function () {
  this.timeout(180_000);
  const world = useWorld({
    repositories: Object.fromEntries(Array.from({ length: COUNT }, (_, i) => [name(i + 1), filesFor(i + 1)])),
    stack: { concurrency: 4, workDir: true },
  });

  it('gives each repository the right status and a diff that applies to a fresh clone', async () => {
    const repositories = Array.from({ length: COUNT }, (_, i) => name(i + 1));
    const created = await world.stack.client.createJob({ name: 'Rename oldFunction', command: COMMAND, repositories });
    const job = await waitForJob(world.stack.client, created.jobId, { timeoutMs: 150_000 });
    assert.equal(job.status, 'COMPLETED_WITH_ERRORS');
    assert.deepEqual(
      { ...job.counts },
      { total: 20, pending: 0, running: 0, completed: 15, noChanges: 4, failed: 1, cancelled: 0 },
    );
    const rows = await repositoriesByName(world.stack.client, job.jobId);
    // Every run cleaned up its temporary folder, the failed one too.
    assert.deepEqual(await readdir(world.workDir), []);

    const failed = rows.get(name(7))!;
    assert.equal(failed.status, 'FAILED');
    assert.equal(failed.error?.code, 'COMMAND_FAILED');
    assert.match(failed.error!.message, /exited with code 3/);
    assert.match(failed.error!.message, /refusing: FAIL marker present/);
    assert.match(await world.stack.client.getLog(job.jobId, name(7)), /refusing: FAIL marker present/);

    for (let i = 1; i <= COUNT; i++) {
      const row = rows.get(name(i))!;
      if (i === 7) continue;
      if (i % 5 === 0) {
        assert.equal(row.status, 'NO_CHANGES', name(i));
        assert.equal((await world.stack.client.getDiff(job.jobId, name(i))).patch, undefined);
        continue;
      }
      assert.equal(row.status, 'COMPLETED', `${name(i)}: ${JSON.stringify(row.error)}`);
      const binary = i % 4 === 0;
      // README untouched; main.js, rename, delete, mode change, new file (+ logo and new.bin, no line counts, when binary).
      assert.deepEqual(row.diffStats, { files: binary ? 7 : 5, additions: 3, deletions: 3 }, name(i));
      const { patch } = await world.stack.client.getDiff(job.jobId, name(i));
      assert.ok(patch);
      assert.match(patch, /rename from docs\/old-name\.md\nrename to docs\/new-name\.md/);
      assert.match(patch, /deleted file mode 100644/);
      assert.match(patch, /old mode 100644\nnew mode 100755/);
      assert.match(
        patch,
        /new file mode 100644\nindex [0-9a-f]+\.\.[0-9a-f]+\n--- \/dev\/null\n\+\+\+ b\/lib\/generated\/version\.js/,
      );
      if (binary) assert.match(patch, /GIT binary patch/);

      const clone = await world.hosting.clone(name(i));
      const patchFile = path.join(clone, '..', `${path.basename(clone)}.patch`);
      await writeFile(patchFile, patch);
      await run('git', ['apply', '--check', patchFile], { cwd: clone });
      // GNU patch 2.7 cannot apply git's binary hunks; the text-only diffs must pass it too.
      if (!binary) await run('patch', ['-p1', '--dry-run', '--input', patchFile], { cwd: clone });
      await run('git', ['apply', patchFile], { cwd: clone });
      assert.equal(
        await readFile(path.join(clone, 'src/main.js'), 'utf8'),
        `const a = newFunction(${i});\nconst b = newFunction(a + 1);\nmodule.exports = { a, b };\n`,
      );
      assert.match(await readFile(path.join(clone, 'docs/new-name.md'), 'utf8'), new RegExp(`Repository ${i}\\n$`));
      await assert.rejects(stat(path.join(clone, 'docs/old-name.md')));
      await assert.rejects(stat(path.join(clone, 'obsolete.txt')));
      assert.equal((await stat(path.join(clone, 'bin/run.sh'))).mode & 0o111, 0o111);
      assert.equal(await readFile(path.join(clone, 'lib/generated/version.js'), 'utf8'), 'export const version = 2;\n');
      if (binary) {
        assert.deepEqual(
          await readFile(path.join(clone, 'assets/logo.bin')),
          Buffer.concat([BINARY, Buffer.from([0, 1, 2]), Buffer.from('tail')]),
        );
        assert.deepEqual(
          await readFile(path.join(clone, 'assets/new.bin')),
          Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1]),
        );
      }
    }
  });
});
