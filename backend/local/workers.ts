import path from 'node:path';
import { localExecutorFactory } from '../executor/local';
import { takeSecrets } from '../worker/secrets';

// The local stack's workers: the process pool running the worker bundle that sits beside the CLI
// bundle in dist/ (dist/cli.js and dist/worker.js).

/**
 * Whether the workers can call Claude (a key, or Bedrock chosen). Its module holds the Claude SDKs,
 * which load only for this question: the stack's own process never calls Claude, and `serve` does
 * not ask.
 */
export async function isClaudeConfigured(env: NodeJS.ProcessEnv): Promise<boolean> {
  return (await import('../worker/agent/client')).isClaudeConfigured(env);
}

export const WORKER_SCRIPT = path.join(__dirname, 'worker.js');
/** The local stack's DynamoDB process, beside them (dist/dynamo.js). */
export const DYNAMO_SCRIPT = path.join(__dirname, 'dynamo.js');

/** The `executor` option of startLocalStack: a pool of `CODY_BATCH_CONCURRENCY` workers with `env`. */
export function workerPool(env: NodeJS.ProcessEnv, log?: (line: string) => void, workerScript = WORKER_SCRIPT) {
  return localExecutorFactory(env, workerScript, log);
}

/**
 * The stack process's environment for its workers, secrets included; the secrets themselves are
 * taken out of this process's own environment (process.env and, on Linux, /proc/<pid>/environ),
 * where a command running as the same user could read them. Call it once, at start.
 */
export function stackEnvironment(log?: (line: string) => void): NodeJS.ProcessEnv {
  const { secrets, hidden } = takeSecrets();
  if (!hidden && process.platform === 'linux' && Object.keys(secrets).length > 0) {
    log?.(
      `Could not remove ${Object.keys(secrets).join(', ')} from this process's start-up environment: ` +
        'commands running as you can read them in /proc',
    );
  }
  return { ...process.env, ...secrets };
}
