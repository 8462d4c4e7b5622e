import { ENV } from '../../common/names';
import type { DeployConfig } from '../config';

/** What the API, the sweeper and the workers are told of the code host: which one, where, and how git reaches it. */
export function codeHostEnvironment(config: DeployConfig): Record<string, string> {
  return {
    ...(config.codeHost === 'gitlab' ? { [ENV.codeHost]: 'gitlab' } : {}),
    ...(config.githubApiUrl ? { [ENV.githubApiUrl]: config.githubApiUrl } : {}),
    ...(config.githubAppId ? { [ENV.githubAppId]: config.githubAppId } : {}),
    ...(config.gitlabUrl ? { [ENV.gitlabUrl]: config.gitlabUrl } : {}),
    ...(config.gitBase ? { [ENV.gitBase]: config.gitBase } : {}),
  };
}
