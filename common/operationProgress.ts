import { ApiError } from './apiTransport';
import type { CodyBatchClient } from './client';
import type { Job, Operation } from './schemas';

// How a client shows a bulk operation it follows (docs/architecture.md, "Bulk operations"): the
// server's own counts in one line, told at every step. The CLI writes it to stderr, the extension
// into its progress notification, so both show what the server's operation says and nothing else.

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

/**
 * The job once its operation (a large retry, cancel or continue answers while its rows still move)
 * has ended; `say` is told its line at every step (about a second). An operation that failed is
 * thrown as the refusal it is (a 409 with its code, e.g. UNVERIFIED_ROW), as a request that checked
 * the rows itself would have answered: the CLI exits non-zero, the extension shows an error.
 */
export async function afterOperation(client: CodyBatchClient, job: Job, say?: (line: string) => void): Promise<Job> {
  if (job.operation?.status !== 'running') return job;
  const { operation } = await client.followOperation(job.jobId, job.operation.operationId, {
    onProgress: (step) => say?.(operationLine(step.operation)),
  });
  if (operation.status === 'failed')
    throw new ApiError(
      409,
      operation.code ?? 'OPERATION_FAILED',
      `The ${operation.kind} stopped: ${operation.message}`,
    );
  return client.getJob(job.jobId);
}
