import type { Job } from '../../common/schemas';
import type { RowUpdate } from '../store/repositories';
import type { ApiDependencies } from './context';

/**
 * Hands the job's run to the executor. If the executor cannot start it, the run's repositories fail
 * with START_FAILED (a retry can pick them up) instead of staying PENDING forever.
 */
export async function startRun(deps: ApiDependencies, job: Job): Promise<Job> {
  try {
    const { executorRef, shardSize } = await deps.executor.start(job);
    // The job as it now is, from the same write (a POST /jobs is three DynamoDB calls in all).
    return await deps.store.jobs.setAttributesReturning(job.jobId, { executorRef, shardSize });
  } catch (error) {
    deps.log?.error(`Executor failed to start job ${job.jobId}`, error);
    const change: RowUpdate = {
      from: ['PENDING'],
      to: 'FAILED',
      set: {
        finishedAt: new Date().toISOString(),
        error: { code: 'START_FAILED', message: `The workers could not be started: ${(error as Error).message}` },
      },
    };
    const names = await deps.store.runNames(job);
    await deps.store.transitionRepositories(
      job.jobId,
      names.map((repositoryName) => ({ repositoryName, change })),
    );
  }
  return (await deps.store.jobs.get(job.jobId)) ?? job;
}
