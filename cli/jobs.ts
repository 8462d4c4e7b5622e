import { connectToLocalStack, printTable } from './connect';

/** `cody-batch jobs [jobId]`: the caller's jobs, or one job's repositories. */
export async function jobs(args: string[]): Promise<number> {
  const client = await connectToLocalStack(process.env);
  const [jobId] = args;
  if (!jobId) {
    const page = await client.listJobs({ limit: 50 });
    if (!page.items.length) {
      console.log('No jobs yet.');
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
    return 0;
  }
  const job = await client.getJob(jobId);
  console.log(`${job.name} (${job.jobId}): ${job.status}, $${job.usage.costUsd.toFixed(4)}\n`);
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
