import { closeSync, readFileSync } from 'node:fs';
import * as z from 'zod';
import { ENV } from '../../common/names';
import { SECRET_ENV_NAMES } from '../../common/redact';
import { describeIssues } from '../../common/schemas';
import { ConfigError } from './config';
import { removeFromStartupEnvironment } from './startupEnvironment';

// How the worker's secrets (SECRET_ENV_NAMES: the GitHub token, the Anthropic key, AWS keys given
// as variables) reach it. One contract (docs/architecture.md, "Worker and executor environment"):
//  - CODY_BATCH_SECRETS_FD=<n> (the local executor): a JSON object {NAME: value} on file
//    descriptor n, read to its end at start. The executor writes it to a pipe and closes it, so the
//    worker's environment, which every process of the same user can read in /proc, holds none.
//  - otherwise the variables themselves (AWS Batch, where Secrets Manager injects them; commands
//    run there as another user, who cannot read the worker's /proc/<pid>/environ).
// Either way they then live in the worker's memory only: the environment object it hands its parts
// (`workerEnvironment`), never process.env, and on Linux not in its start-up block either.

export type SecretName = (typeof SECRET_ENV_NAMES)[number];
export type Secrets = Partial<Record<SecretName, string>>;

const HandedOverSecrets = z.strictObject(
  Object.fromEntries(SECRET_ENV_NAMES.map((name) => [name, z.string().optional()])) as Record<
    SecretName,
    z.ZodOptional<z.ZodString>
  >,
);

/** An environment's secrets, and the environment without them. */
export function splitSecrets(env: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; secrets: Secrets } {
  const rest: NodeJS.ProcessEnv = { ...env };
  const secrets: Secrets = {};
  for (const name of SECRET_ENV_NAMES) {
    const value = rest[name];
    delete rest[name];
    if (value !== undefined && value !== '') secrets[name] = value;
  }
  return { env: rest, secrets };
}

/**
 * Moves this process's secrets out of its environment (process.env and, on Linux, the start-up
 * block in /proc/self/environ) and returns them. `hidden` is false where the block could not be
 * changed, so a process of the same user can still read them there.
 */
export function takeSecrets(): { secrets: Secrets; hidden: boolean } {
  const { secrets } = splitSecrets(process.env);
  const hidden = removeFromStartupEnvironment(SECRET_ENV_NAMES);
  return { secrets, hidden };
}

/**
 * The worker's environment: process.env with the secrets, from the descriptor named by
 * CODY_BATCH_SECRETS_FD when set, else from the variables (then taken out of the process's own).
 */
export function workerEnvironment(): NodeJS.ProcessEnv {
  const fdText = process.env[ENV.secretsFd];
  if (fdText === undefined || fdText === '') {
    const { secrets } = takeSecrets();
    return { ...process.env, ...secrets };
  }
  const secrets = readHandedOverSecrets(fdText);
  // Whatever the variables say, the hand-over is the one source.
  removeFromStartupEnvironment([...SECRET_ENV_NAMES, ENV.secretsFd]);
  return { ...process.env, ...secrets };
}

function readHandedOverSecrets(fdText: string): Secrets {
  const fd = Number(fdText);
  if (!Number.isInteger(fd) || fd < 3) {
    throw new ConfigError(`${ENV.secretsFd} must be a file descriptor number from 3, not "${fdText}"`);
  }
  let text: string;
  try {
    text = readFileSync(fd, 'utf8');
    closeSync(fd);
  } catch (error) {
    throw new ConfigError(`${ENV.secretsFd}: cannot read descriptor ${fd}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError(`${ENV.secretsFd}: descriptor ${fd} did not hold a JSON object`);
  }
  const parsed = HandedOverSecrets.safeParse(json);
  if (!parsed.success) throw new ConfigError(`${ENV.secretsFd}: ${describeIssues(parsed.error)}`);
  return Object.fromEntries(Object.entries(parsed.data).filter(([, value]) => value)) as Secrets;
}
