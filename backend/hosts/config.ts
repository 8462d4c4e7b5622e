import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ENV } from '../../common/names';
import { CODE_HOST_KINDS, type CodeHostConfig, type CodeHostKind, type GitHubAppCredentials } from './codeHost';
import { namesRepository } from './gitBase';

// The code host's configuration from an environment: the API's, the sweeper's and the worker's
// (backend/worker/config.ts) read it the same way. No host is built here, so the worker's contract
// and the infra that shares it load none.

/** The code host's kind an environment names (CODY_BATCH_CODE_HOST), undefined for the default; an error for another word. */
export function codeHostKindFrom(env: NodeJS.ProcessEnv): CodeHostKind | undefined {
  const value = env[ENV.codeHost]?.trim().toLowerCase();
  if (!value) return undefined;
  if (!(CODE_HOST_KINDS as readonly string[]).includes(value))
    throw new Error(`${ENV.codeHost} must be one of ${CODE_HOST_KINDS.join(', ')}, not "${env[ENV.codeHost]}"`);
  return value as CodeHostKind;
}

/** What codeHostFromEnvironment builds from: the host's own variables only. */
export function codeHostConfigFrom(env: NodeJS.ProcessEnv): CodeHostConfig {
  const value = (name: string) => env[name]?.trim() || undefined;
  const kind = codeHostKindFrom(env);
  const gitBase = value(ENV.gitBase);
  // Said where the configuration is read (the stack's start, the API's), not by every worker of
  // every job; the value is not repeated, as a clone URL may carry a credential.
  if (gitBase !== undefined && !namesRepository(gitBase))
    throw new Error(
      `${ENV.gitBase} must contain {owner} and {name}, or {path}: ` +
        'https://git.example.com/{owner}/{name}.git, or for a folder of bare repositories file:///folder/{owner}/{name}.git',
    );
  if (kind === 'gitlab') return { kind, gitBase, apiUrl: value(ENV.gitlabUrl), token: value(ENV.gitlabToken) };
  const count = (name: string, minimum: number) => {
    const text = value(name);
    if (text === undefined) return undefined;
    const number = Number(text);
    if (!Number.isInteger(number) || number < minimum)
      throw new Error(`${name} must be a whole number of at least ${minimum}, not "${text}"`);
    return number;
  };
  // How GitHub's changes are paced (backend/hosts/github/githubHost.ts says the defaults).
  const writesAtOnce = count(ENV.githubWritesAtOnce, 1);
  const writeIntervalMs = count(ENV.githubWriteIntervalMs, 0);
  const github = {
    kind,
    gitBase,
    apiUrl: value(ENV.githubApiUrl),
    ...(writesAtOnce !== undefined ? { writesAtOnce } : {}),
    ...(writeIntervalMs !== undefined ? { writeIntervalMs } : {}),
  };
  const githubApp = githubAppFrom(value(ENV.githubAppId), value(ENV.githubAppPrivateKey));
  // An App's credentials, when given, are the ones used: a person's token in the same environment is not.
  if (githubApp) return { ...github, githubApp };
  return { ...github, token: value(ENV.githubToken) };
}

/** The files a host's credentials are read from (a GitHub App's key given as a path): no command may read them. */
export function hostCredentialFiles(env: NodeJS.ProcessEnv): string[] {
  const key = env[ENV.githubAppPrivateKey]?.trim();
  return key && !key.includes('-----BEGIN') ? [path.resolve(key)] : [];
}

/** GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY (a PEM, with real or `\n` line breaks, or the path of one); both or neither. */
export function githubAppFrom(
  appId: string | undefined,
  privateKey: string | undefined,
): GitHubAppCredentials | undefined {
  if (!appId && !privateKey) return undefined;
  if (!appId || !privateKey)
    throw new Error(
      `A GitHub App needs both ${ENV.githubAppId} and ${ENV.githubAppPrivateKey}; one of them is missing`,
    );
  if (!/^\d+$/.test(appId)) throw new Error(`${ENV.githubAppId} must be the App's number, not "${appId}"`);
  let pem = privateKey.includes('-----BEGIN') ? privateKey.replaceAll('\\n', '\n') : undefined;
  if (pem === undefined) {
    try {
      pem = readFileSync(privateKey, 'utf8');
    } catch (error) {
      throw new Error(
        `${ENV.githubAppPrivateKey} is neither a PEM nor a file one can read (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`,
      );
    }
  }
  if (!/-----BEGIN (?:RSA )?PRIVATE KEY-----/.test(pem))
    throw new Error(`${ENV.githubAppPrivateKey} does not hold a private key in PEM form`);
  return { appId, privateKey: pem };
}
