import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createBareRepository, fileGitBase } from '../backend/local/gitFixtures';
import { startLocalStack } from '../backend/local/stack';
import { DYNAMO_SCRIPT, workerPool } from '../backend/local/workers';
import { bearerAuth, CodyBatchClient } from '../common/client';
import { isFinalJobStatus } from '../common/status';
import { groupRows, jobContents } from '../extension/tree/jobContents';
import { JobsModel, type JobsSource } from '../extension/tree/model';
import { REPO_ROOT } from '../test/helpers/localStack';

// `npm run bench -- scale [repositories]`: a 10,000-repository command job on the local stack (its
// DynamoDB in its own process, the worker pool running shards) against tiny bare repositories, one
// template behind 10,000 names. It prints the time to create the job, to its first and its last
// diff, the DynamoDB requests per repository (by operation), the rows left PENDING or RUNNING once
// the job has finished (aim: none), how long GET /jobs/{id} takes while it runs (the clients'
// poll), and the Jobs tree's first paint of that job through the tree's own path (the jobs page, the
// state groups from the job's counts, then the first group opened; and, for comparison, every page).

const COMMAND = "sed -i 's/oldFunction(/newFunction(/g' src/main.js";
const POLL_MS = 1_000;

export async function main(args: string[]): Promise<void> {
  const count = Number(args[0] ?? 10_000);
  const concurrency = os.availableParallelism();
  console.log(`Scale benchmark: ${count.toLocaleString('en-US')} repositories, concurrency ${concurrency}`);
  const root = await mkdtemp(path.join(os.tmpdir(), 'cody-batch-scale-'));
  const hosting = path.join(root, 'hosting');
  try {
    const template = await createBareRepository(hosting, 'bench/template', {
      'README.md': '# tiny\n',
      'src/main.js': 'oldFunction(1);\n',
    });
    await mkdir(path.join(hosting, 'scale'), { recursive: true });
    const names = Array.from({ length: count }, (_, i) => `scale/r${String(i).padStart(5, '0')}`);
    for (const name of names) await symlink(template, path.join(hosting, `${name}.git`));

    const env = {
      ...process.env,
      CODY_BATCH_GIT_BASE: fileGitBase(hosting),
      CODY_BATCH_CONCURRENCY: String(concurrency),
    };
    const stack = await startLocalStack({
      home: path.join(root, 'home'),
      apiPort: 0,
      dynamodbPort: 0,
      version: 'bench',
      executor: workerPool(env, undefined, path.join(REPO_ROOT, 'dist/worker.js')),
      dynamoScript: path.join(REPO_ROOT, 'dist', path.basename(DYNAMO_SCRIPT)),
    });
    try {
      const client = new CodyBatchClient({ baseUrl: stack.apiUrl, auth: bearerAuth(stack.token) });
      const before = await stack.dynamoRequests();
      const started = Date.now();
      const created = await client.createJob({ name: `scale ${count}`, command: COMMAND, repositories: names });
      const createMs = Date.now() - started;
      console.log(`  create       ${fmt(createMs)} ms (201 with counts.total ${created.counts.total})`);

      let firstDiffMs: number | undefined;
      const polls: number[] = [];
      let paint: string | undefined;
      let job = created;
      for (;;) {
        const polled = Date.now();
        job = await client.getJob(created.jobId);
        polls.push(Date.now() - polled);
        const done = job.counts.completed + job.counts.noChanges + job.counts.failed;
        if (firstDiffMs === undefined && done > 0) firstDiffMs = Date.now() - started;
        // The tree's first paint of the job, taken once the run is well under way.
        if (paint === undefined && done >= count / 2) paint = await treeFirstPaint(client, created.jobId);
        if (isFinalJobStatus(job.status)) break;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      const lastDiffMs = Date.now() - started;
      const after = await stack.dynamoRequests();
      const rows = await stack.store.repositories.listAll(created.jobId);
      const stuck = rows.filter((row) => row.status === 'PENDING' || row.status === 'RUNNING').length;
      paint ??= await treeFirstPaint(client, created.jobId);

      console.log(`  first diff   ${fmt(firstDiffMs ?? Number.NaN)} ms after the create was sent`);
      console.log(
        `  last diff    ${fmt(lastDiffMs)} ms (${job.status}: ${JSON.stringify(job.counts)}; ${fmt(lastDiffMs / count)} ms a repository)`,
      );
      const calls = Object.entries(after)
        .map(([operation, total]) => [operation, total - (before[operation] ?? 0)] as const)
        .filter(([, total]) => total > 0)
        .sort((a, b) => b[1] - a[1]);
      const total = calls.reduce((sum, [, n]) => sum + n, 0);
      console.log(
        `  DynamoDB     ${(total / count).toFixed(1)} requests a repository (${calls.map(([op, n]) => `${op} ${(n / count).toFixed(2)}`).join(', ')})`,
      );
      console.log(`  rows stuck   ${stuck} (aim: 0)`);
      polls.sort((a, b) => a - b);
      console.log(
        `  GET /jobs/{id} while it ran: median ${fmt(polls[Math.floor(polls.length / 2)]!)} ms, max ${fmt(polls.at(-1)!)} ms (${polls.length} polls)`,
      );
      console.log(`  tree         ${paint}`);
    } finally {
      await stack.stop();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * The Jobs tree's first paint of the job, through the tree's own path (jobContents, groupRows): the
 * jobs page and the job's state groups from its counts, then the first group opened (a page of that
 * state); and, for comparison, reading every row as the tree did before.
 */
async function treeFirstPaint(client: CodyBatchClient, jobId: string): Promise<string> {
  let requests = 0;
  const counted = <T>(request: Promise<T>): Promise<T> => {
    requests++;
    return request;
  };
  const counting: JobsSource = {
    listJobs: (options) => counted(client.listJobs(options)),
    getJob: (id) => counted(client.getJob(id)),
    listRepositories: (id, options) => counted(client.listRepositories(id, options)),
  };
  const model = new JobsModel(counting, { allRepositories: () => true });
  const started = Date.now();
  await model.refresh();
  const contents = await jobContents(model, model.job(jobId)!, undefined, true);
  const firstPaint = Date.now() - started;
  const paintRequests = requests;
  const groups = contents.paged ? contents.groups.map((group) => group.label).join(', ') : 'rows read whole';
  let opened = '';
  if (contents.paged && contents.groups[0]) {
    const openStarted = Date.now();
    const rows = await groupRows(model, jobId, contents.groups[0], undefined);
    opened = `; opening ${contents.groups[0].label} ${fmt(Date.now() - openStarted)} ms (${rows.loaded} rows, ${requests - paintRequests} requests)`;
  }
  const allStarted = Date.now();
  let pages = 0;
  for await (const _ of client.repositoryPages(jobId)) pages++;
  return `first paint ${fmt(firstPaint)} ms (${paintRequests} request: ${groups})${opened}; every row ${fmt(Date.now() - allStarted)} ms (${pages} pages)`;
}

function fmt(ms: number): string {
  return Number.isFinite(ms) ? ms.toFixed(0) : '–';
}
