import type { CodyBatchClient } from '../common/client';
import type { Job, Operation } from '../common/schemas';

// A retry, cancel or continue of a large job answers while its rows still move (an operation, see
// docs/architecture.md): the CLI follows it to its end, a line of progress a second on stderr.

const NUMBER = new Intl.NumberFormat('en-US');

export function operationLine(operation: Operation): string {
  const settled = operation.done + operation.skipped + operation.failed;
  const parts = [`${operation.kind}: ${NUMBER.format(settled)} of ${NUMBER.format(operation.total)} settled`];
  if (operation.skipped) parts.push(`${NUMBER.format(operation.skipped)} left as they were`);
  if (operation.failed) parts.push(`${NUMBER.format(operation.failed)} failed`);
  if (operation.waitingSeconds)
    parts.push(`waiting ${operation.waitingSeconds} s: ${operation.reason ?? 'the host asks'}`);
  return parts.join(', ');
}

/** The job once its operation (if one still runs) has ended; progress on stderr unless `quiet`. */
export async function afterOperation(client: CodyBatchClient, job: Job, quiet = false): Promise<Job> {
  if (job.operation?.status !== 'running') return job;
  const { operation } = await client.followOperation(job.jobId, job.operation.operationId, {
    onProgress: (step) => {
      if (!quiet) process.stderr.write(`${operationLine(step.operation)}\n`);
    },
  });
  if (operation.status === 'failed' && !quiet)
    process.stderr.write(`The ${operation.kind} stopped: ${operation.message}\n`);
  return client.getJob(job.jobId);
}
