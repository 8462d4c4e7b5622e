import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CodyBatchClient } from '../common/client';
import type { RepositoryStatus } from '../common/status';
import { stackStore, startStackProcess } from '../test/helpers/localStack';

// `npm run bench -- states [repositories]`: a rare state of a large job (3 FAILED rows of 10,000)
// read with `?status=FAILED` on the local stack, to its last page: through the repositories table's
// status index (jobs created since it), and as before it (the same rows, the job's item without
// `statusIndex`: every page of 100 rows read and filtered), against the floor of one unfiltered page
// of 100 rows (the least a client reads to show any row). Median of 5 reads each.
//
// Profile (main at e72f501, before the index): `?status=FAILED` went through all 100 pages of the
// job (100 Query calls reading 10,000 rows to answer 3); the tree capped a read at 5 pages and the
// Job overview at 20, showing "n of m loaded" meanwhile.

const RUNS = 5;

export async function main(args: string[]): Promise<void> {
  const count = Number(args[0] ?? 10_000);
  const stack = await startStackProcess({ env: { CODY_BATCH_CONCURRENCY: '0' } });
  try {
    const names = Array.from({ length: count }, (_, i) => `acme/r${String(i).padStart(5, '0')}`);
    const job = await stack.client.createJob({ name: 'states', command: 'true', repositories: names });
    const store = stackStore(stack);
    const failing = [names[Math.floor(count / 3)]!, names[Math.floor(count / 2)]!, names[count - 1]!];
    for (const name of failing)
      await store.transitionRepository(job.jobId, name, {
        from: ['PENDING'],
        to: 'FAILED',
        set: { error: { code: 'COMMAND_FAILED', message: 'exit 1' } },
      });
    // The same job read as one from before the index: its item says nothing of it.
    const read = async (status?: RepositoryStatus, onePage = false) => {
      const started = performance.now();
      let requests = 0;
      let rows = 0;
      for await (const page of pages(stack.client, job.jobId, status)) {
        requests++;
        rows += page.length;
        if (onePage) break;
      }
      return { ms: performance.now() - started, requests, rows };
    };
    const measure = async (status?: RepositoryStatus, onePage = false) => {
      const runs = [];
      for (let run = 0; run < RUNS; run++) runs.push(await read(status, onePage));
      runs.sort((a, b) => a.ms - b.ms);
      return runs[Math.floor(RUNS / 2)]!;
    };
    const floor = await measure(undefined, true);
    const indexed = await measure('FAILED');
    await store.doc.send(
      new UpdateCommand({
        TableName: store.tables.jobs,
        Key: { jobId: job.jobId },
        UpdateExpression: 'REMOVE statusIndex',
      }),
    );
    const filtered = await measure('FAILED');
    console.log(
      `bench states: ?status=FAILED on a job of ${count.toLocaleString('en-US')} rows with ${failing.length} failed, local stack, median of ${RUNS}`,
    );
    const line = (what: string, figures: { ms: number; requests: number; rows: number }) =>
      console.log(
        `  ${what.padEnd(52)} ${figures.ms.toFixed(0).padStart(6)} ms  ${String(figures.requests).padStart(4)} requests  ${String(figures.rows).padStart(5)} rows  ${(figures.ms / floor.ms).toFixed(2)}× the floor`,
      );
    line('floor: one unfiltered page of 100 rows', floor);
    line('through the status index (aim: only the matching)', indexed);
    line('as before the index: every page read and filtered', filtered);
  } finally {
    await stack.dispose();
  }
}

async function* pages(client: CodyBatchClient, jobId: string, status?: RepositoryStatus) {
  yield* client.repositoryPages(jobId, { status });
}
