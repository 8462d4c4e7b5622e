import { batchExecutorFromEnvironment } from './batch';
import type { Executor } from './executor';
import { IdleExecutor } from './executor';

/** The executor the API Lambda uses: AWS Batch when its queue and job definition are set. */
export function executorFromEnvironment(env: NodeJS.ProcessEnv): Executor {
  return batchExecutorFromEnvironment(env) ?? new IdleExecutor();
}
