import path from 'node:path';
import { localExecutorFactory } from '../executor/local';

// The local stack's workers: the process pool running the worker bundle that sits beside the CLI
// bundle in dist/ (dist/cli.js and dist/worker.js).

export { isClaudeConfigured } from '../worker/agent/client';

export const WORKER_SCRIPT = path.join(__dirname, 'worker.js');

/** The `executor` option of startLocalStack: a pool of `CODY_BATCH_CONCURRENCY` workers with `env`. */
export function workerPool(env: NodeJS.ProcessEnv, log?: (line: string) => void, workerScript = WORKER_SCRIPT) {
  return localExecutorFactory(env, workerScript, log);
}
