import type { CodyBatchClient } from '../common/client';
import type { Job } from '../common/schemas';
import { connect, type Connection, printTable } from './connect';
import { printJson, say } from './terminal';

/** How many jobs `cody-batch jobs` shows without `--all`. */
const NEWEST_JOBS = 50;

/** `cody-batch jobs [--all | jobId]`: the caller's newest jobs (or all of them), or one job's repositories. */
export async function jobs(args: string[], connection: Connection): Promise<number> {
  const client = await connect(connection);
  const all = args.includes('--all');
  const json = args.includes('--json');
  const [jobId] = args.filter((arg) => arg !== '--all' && arg !== '--json');
  if (!jobId) {
    const page = all
      ? { items: await everyJob(client), nextToken: undefined }
      : await client.listJobs({ limit: NEWEST_JOBS });
    if (json) {
      printJson(page);
      return 0;
    }
    if (!page.items.length) {
      say('No jobs yet.');
      return 0;
    }
    printTable([
      ['JOB', 'STATUS', 'DONE', 'FAILED', 'CREATED', 'NAME'],
      ...page.items.map((job) => [
        job.jobId,
        job.status,
        `${job.counts.completed + job.counts.noChanges}/${job.counts.total}`,
        String(job.counts.failed + job.counts.cancelled),
        job.createdAt.slice(0, 19).replace('T', ' '),
        job.name,
      ]),
    ]);
    if (page.nextToken) say(`\nOlder jobs are not shown; \`cody-batch jobs --all\` lists every one.`);
    return 0;
  }
  const job = await client.getJob(jobId);
  if (json) {
    printJson({ job, repositories: await client.allRepositories(jobId) });
    return 0;
  }
  say(`${job.name} (${job.jobId}): ${job.status}, $${job.usage.costUsd.toFixed(4)}\n`);
  printTable([
    ['REPOSITORY', 'STATUS', 'ATTEMPT', 'FILES', '+/-', 'DETAIL'],
    ...(await client.allRepositories(jobId)).map((row) => [
      row.repositoryName,
      row.status,
      String(row.attempt),
      row.diffStats ? String(row.diffStats.files) : '-',
      row.diffStats ? `+${row.diffStats.additions} -${row.diffStats.deletions}` : '-',
      row.error ? `${row.error.code}: ${row.error.message.split('\n')[0]}` : (row.pullRequestUrl ?? ''),
    ]),
  ]);
  return 0;
}

async function everyJob(client: CodyBatchClient): Promise<Job[]> {
  const jobs: Job[] = [];
  for await (const job of client.allJobs()) jobs.push(job);
  return jobs;
}
