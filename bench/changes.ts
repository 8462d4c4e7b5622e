// `npm run bench -- changes`: what fingerprinting and grouping a job's diffs costs, against reading
// the same diffs alone (the floor: GET /jobs/{id}/changes reads each diff once when its rows have no
// fingerprint yet). 10,000 diffs of about 5 KB, shaped as git writes them (several files, hunks
// with their own context and line numbers), in a folder artifact store as the local stack keeps
// them: most make the same change, some a whitespace variant, some touch one more file.
import { rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { groupChanges } from '../common/changeGroups';
import { fingerprintRecord } from '../common/fingerprint';
import { artifactKey } from '../common/names';
import { FolderArtifactStore } from '../backend/store/artifacts';
import { forEachLimited } from '../backend/store/parallel';
import { makeTempDir } from '../test/helpers/localStack';

const COUNT = Number(process.env.BENCH_DIFFS ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const JOB = 'benchjob0000000000000000aa';

function hunk(repo: number, at: number, indent: string, removed: string, added: string): string {
  const context = (offset: number) =>
    ` const local${repo}_${at + offset} = compute(${repo}, ${at + offset}); // context`;
  return [
    `@@ -${at},7 +${at},7 @@ export function section${at}() {`,
    context(0),
    context(1),
    context(2),
    `-${indent}${removed}`,
    `+${indent}${added}`,
    context(4),
    context(5),
    context(6),
    '',
  ].join('\n');
}

/** A diff of about 5 KB: four files of three hunks at lines that depend on the repository. */
function diff(repo: number): string {
  const indent = repo % 10 === 7 ? '\t' : '  ';
  const files = ['src/api/client.ts', 'src/api/server.ts', 'src/util/retry.ts', 'test/client.test.ts'];
  if (repo % 50 === 3) files.push('package-lock.json');
  let text = '';
  for (const [index, file] of files.entries()) {
    text += `diff --git a/${file} b/${file}\nindex ${(repo * 7919 + index).toString(16).padStart(7, '0')}..${(repo * 104729 + index).toString(16).padStart(7, '0')} 100644\n--- a/${file}\n+++ b/${file}\n`;
    for (let h = 0; h < 3; h++) {
      const at = 10 + h * 40 + ((repo * 13 + index * 5) % 30);
      text += hunk(
        repo,
        at,
        indent,
        `return oldFunction(value${h}, options);`,
        `return newFunction(value${h}, { ...options, version: 2 });`,
      );
    }
  }
  return text;
}

async function median(run: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let index = 0; index < RUNS; index++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

async function main() {
  const folder = await makeTempDir('cody-batch-bench-changes-');
  try {
    const store = new FolderArtifactStore(folder);
    const names = Array.from({ length: COUNT }, (_, index) => `acme/repo-${index}`);
    let bytes = 0;
    await forEachLimited(names, 32, async (name) => {
      const patch = diff(Number(name.slice('acme/repo-'.length)));
      bytes += patch.length;
      await store.put(artifactKey(JOB, name, 'diff.patch'), patch);
    });
    console.log(
      `bench changes: ${COUNT} diffs, ${(bytes / COUNT / 1024).toFixed(1)} KB each on average, median of ${RUNS} runs, ${process.version}`,
    );
    const read = () =>
      forEachLimited(names, 16, async (name) => {
        await store.get(artifactKey(JOB, name, 'diff.patch'));
      });
    let groups = 0;
    const readAndGroup = async () => {
      const rows: Parameters<typeof groupChanges>[0][number][] = [];
      await forEachLimited(names, 16, async (name) => {
        const text = (await store.get(artifactKey(JOB, name, 'diff.patch')))!.body.toString('utf8');
        rows.push({
          repositoryName: name,
          fingerprint: fingerprintRecord(text, 1, 0),
          // The row's own diffStats, as the API has them.
          diffStats: { files: 4, additions: 12, deletions: 12 },
          costUsd: 0.05,
          verificationFailed: false,
          review: 'unreviewed',
        });
      });
      groups = groupChanges(rows).groups.length;
    };
    await read();
    await readAndGroup();
    const readMs = await median(read);
    const groupMs = await median(readAndGroup);
    console.log(`  reading the diffs alone:                 ${readMs.toFixed(0)} ms`);
    console.log(`  reading, fingerprinting and grouping:     ${groupMs.toFixed(0)} ms (${groups} groups)`);
    console.log(
      `  fingerprinting and grouping on top:       ${(groupMs - readMs).toFixed(0)} ms, ${((groupMs - readMs) / COUNT).toFixed(3)} ms a diff`,
    );
    console.log(`  ratio (read + group) / read:              ${(groupMs / readMs).toFixed(2)}×`);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
