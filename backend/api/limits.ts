import { ENV } from '../../common/names';
import type { ApiLimits } from './context';

/** API limits an operator may change through the environment. */
export function limitsFromEnvironment(env: NodeJS.ProcessEnv): Partial<ApiLimits> {
  const limits: Partial<ApiLimits> = {};
  const value = env[ENV.maxRepositories];
  if (value !== undefined && value !== '') {
    const maxRepositories = Number(value);
    if (!Number.isInteger(maxRepositories) || maxRepositories < 1 || maxRepositories > 10_000) {
      throw new Error(`${ENV.maxRepositories} must be a whole number from 1 to 10000, not "${value}"`);
    }
    limits.maxRepositories = maxRepositories;
  }
  const moment = env[ENV.operationMomentMs];
  if (moment !== undefined && moment !== '') {
    const operationMomentMs = Number(moment);
    if (!Number.isInteger(operationMomentMs) || operationMomentMs < 0 || operationMomentMs > 20_000)
      throw new Error(`${ENV.operationMomentMs} must be a whole number of ms from 0 to 20000, not "${moment}"`);
    limits.operationMomentMs = operationMomentMs;
  }
  return limits;
}
