import { ENV } from '../../common/names';
import type { ApiLimits } from './context';

/** API limits an operator may change through the environment. */
export function limitsFromEnvironment(env: NodeJS.ProcessEnv): Partial<ApiLimits> {
  const value = env[ENV.maxRepositories];
  if (value === undefined || value === '') return {};
  const maxRepositories = Number(value);
  if (!Number.isInteger(maxRepositories) || maxRepositories < 1 || maxRepositories > 10_000) {
    throw new Error(`${ENV.maxRepositories} must be a whole number from 1 to 10000, not "${value}"`);
  }
  return { maxRepositories };
}
