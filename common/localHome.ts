import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ENV } from './names';

// The local stack's data folder, as the stack writes it and clients (the CLI, the extension) read it.

/** `stack.json`, written while a local stack runs. */
export const StackInfo = z.object({ apiUrl: z.string(), dynamodbEndpoint: z.string(), pid: z.number().int() });
export type StackInfo = z.infer<typeof StackInfo>;

/** `$CODY_BATCH_HOME`, else `~/.cody-batch`. */
export function resolveHome(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env[ENV.home];
  return configured ? path.resolve(configured) : path.join(os.homedir(), '.cody-batch');
}
