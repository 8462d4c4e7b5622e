import { batchExecutorFromEnvironment } from './batch';
import type { Executor } from './executor';
import { IdleExecutor } from './executor';

/** The executor the API Lambda uses: AWS Batch when its queue and job definition are set; its workers trust `trustedKeys`. */
export function executorFromEnvironment(env: NodeJS.ProcessEnv, trustedKeys: readonly string[]): Executor {
  return batchExecutorFromEnvironment(env, trustedKeys) ?? new IdleExecutor();
}
