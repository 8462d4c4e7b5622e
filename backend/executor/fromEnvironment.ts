import { ENV } from '../../common/names';
import type { Executor } from './executor';
import { IdleExecutor } from './executor';
import { batchSandboxStatus } from './batchSandbox';

/**
 * The executor the API Lambda uses: AWS Batch when its queue and job definition are set; its
 * workers trust `trustedKeys`. The Batch client is loaded with the first run started or cancelled,
 * not with the Lambda (most requests never start one).
 */
export function executorFromEnvironment(env: NodeJS.ProcessEnv, trustedKeys: readonly string[]): Executor {
  if (!env[ENV.jobQueue] || !env[ENV.jobDefinition]) return new IdleExecutor();
  let batch: Promise<Executor> | undefined;
  const loaded = () =>
    (batch ??= import('./batch').then(
      ({ batchExecutorFromEnvironment }) => batchExecutorFromEnvironment(env, trustedKeys)!,
    ));
  return {
    start: async (job, kind) => (await loaded()).start(job, kind),
    cancel: async (job) => (await loaded()).cancel(job),
    sandboxStatus: async () => batchSandboxStatus(),
  };
}
